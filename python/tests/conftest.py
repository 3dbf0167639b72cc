"""Shared fixtures: the repository and the CLI the package is compared with.

The CLI is ``ONUS_CLI`` if set, else the workspace's debug build (``cargo
build`` makes it; ``tests/run`` builds it before running pytest). A missing
CLI fails the tests that need it, naming the set-up: never a skip.
"""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


@pytest.fixture(scope="session")
def cli() -> str:
    path = os.environ.get("ONUS_CLI") or str(REPO / "target" / "debug" / "onus")
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"the onus CLI is not at {path}: run `cargo build` (tests/run does), "
            "or set ONUS_CLI to its path"
        )
    return path


@pytest.fixture(scope="session")
def run_cli(cli):
    """Runs the CLI in the repository; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: bytes = b""):
        done = subprocess.run(
            [cli, *args], input=stdin, capture_output=True, cwd=REPO, check=False
        )
        return done.returncode, done.stdout, done.stderr.decode()

    return run


@pytest.fixture(scope="session")
def cli_json(run_cli):
    """The CLI's JSON output (exit code 0 or 1 expected)."""

    def run(*args: str, stdin: bytes = b""):
        code, out, err = run_cli(*args, stdin=stdin)
        assert code in (0, 1), f"onus {' '.join(args)} exited {code}: {err}"
        return json.loads(out)

    return run
