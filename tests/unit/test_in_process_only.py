"""tests/unit stays in-process: its conftest refuses any start of another program."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest


def test_a_subprocess_is_refused_with_a_message_that_says_where_the_test_belongs():
    with pytest.raises(AssertionError, match="move this test to tests/integration"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_a_fork_is_refused_too():
    with pytest.raises(AssertionError, match=r"os\.fork"):
        os.fork()


async def test_an_asyncio_subprocess_is_refused_too():
    with pytest.raises(AssertionError, match="tests/unit holds in-process tests only"):
        await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
