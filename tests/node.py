"""Node.js tools the tests drive (the graphql-http audit, the graphql-ws client)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def npm_installed(directory: Path, package: str, purpose: str) -> None:
    """Install ``directory``'s pinned npm dependencies unless ``package`` is there already.

    Fails (never skips) when node or npm is missing: CI installs them, and a test that
    silently does not run proves nothing.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(f"node and npm are needed for {purpose}")
    if (directory / "node_modules" / package / "package.json").exists():
        return
    install = "ci" if (directory / "package-lock.json").exists() else "install"
    done = subprocess.run(
        [npm, install, "--no-audit", "--no-fund"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm {install} failed in {directory}:\n{done.stdout}\n{done.stderr}")
