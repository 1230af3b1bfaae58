"""Shared by the package's tests: the repository, the command line to
compare with, and running it.

The command line is $CASCADE_BIN, else target/release/cascade (built by
`cargo build --release -p cascade-runner`, as .ci/run does).
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
CASCADE = os.environ.get("CASCADE_BIN", str(ROOT / "target" / "release" / "cascade"))


def cascade_cli(*args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs the `cascade` binary in the repository's root."""
    return subprocess.run(
        [CASCADE, *map(str, args)], check=check, cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    # The scenario paths the package and the command line are given are
    # the same relative paths, so the manifests agree byte for byte.
    monkeypatch.chdir(ROOT)
