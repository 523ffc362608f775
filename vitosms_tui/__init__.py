"""vitosms: patient messaging (SMS and e-mail) for the practice front desk."""

import sys as _sys

# peewee imports psycopg at its own import whenever it is installed, which costs
# 0.2 s of every start (the terminal interface's too), although only a
# postgresql:// database needs it. This package is imported before any of its
# modules, so peewee is imported here first with psycopg hidden (a None entry
# in sys.modules makes `import psycopg` fail at once, and peewee takes that as
# "not installed"); core.db.open_database hands peewee the driver when such a
# URL is opened (core.db._give_peewee_psycopg). A program that imported
# peewee or psycopg itself before us keeps them as they are.
if "peewee" not in _sys.modules and "psycopg" not in _sys.modules:
    _sys.modules["psycopg"] = None  # type: ignore[assignment]  # None is the "not installed" mark
    try:
        import peewee as _peewee  # noqa: F401
    finally:
        del _sys.modules["psycopg"]
