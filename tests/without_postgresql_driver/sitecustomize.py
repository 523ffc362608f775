"""First on PYTHONPATH, this folder makes an interpreter one without PostgreSQL's driver.

A SQLite practice installs vitosms-tui without its ``postgresql`` extra, so psycopg
is not there. The test venv has it (the suite runs on PostgreSQL too); a process
started with this folder first on PYTHONPATH finds psycopg (and psycopg2) missing
exactly as where they were never installed: importing them raises
ModuleNotFoundError, which peewee takes for "no driver".
"""

import sys
from importlib.abc import MetaPathFinder

DRIVERS = ("psycopg", "psycopg2", "psycopg_binary", "psycopg_c")


class NotInstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in DRIVERS:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
