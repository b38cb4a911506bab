"""The embedded server: shared by the processes that use it, stopped by the last one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aura.db.embedded import EmbeddedPostgres

pytestmark = pytest.mark.slow


def _running(data_dir: Path) -> bool:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().splitlines()[0]), 0)
    except ProcessLookupError:
        return False
    return True


def test_second_user_shares_and_last_user_stops(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    first = EmbeddedPostgres(data_dir, ephemeral=True)
    dsn = first.start()
    # another process joins the same cluster and leaves again without stopping it
    script = (
        "import sys; from pathlib import Path; from aura.db.embedded import EmbeddedPostgres; "
        f"s = EmbeddedPostgres(Path({str(data_dir)!r})); print(s.start()); s.stop()"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert other.stdout.strip() == dsn
    assert _running(data_dir)
    first.stop()
    assert not _running(data_dir)


def test_a_killed_user_does_not_keep_the_server_alive(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    script = (
        "import os; from pathlib import Path; from aura.db.embedded import EmbeddedPostgres; "
        f"EmbeddedPostgres(Path({str(data_dir)!r}), ephemeral=True).start(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert _running(data_dir)  # the crashed process left it running
    survivor = EmbeddedPostgres(data_dir, ephemeral=True)
    survivor.start()
    survivor.stop(remove=True)
    assert not _running(data_dir)
    assert not data_dir.exists()
