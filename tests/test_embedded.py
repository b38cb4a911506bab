"""The embedded server: shared by the processes that use it, stopped by the last one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from aura.db.embedded import EmbeddedPostgres, shared_buffers_mb

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


def _serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AURA_HOME": str(home),
        "AURA_PORT": str(port),
        "AURA_JWT_SECRET": "x" * 40,
    }
    env.pop("DATABASE_URL", None)
    with open(home / f"serve-{port}.log", "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "aura.cli", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited with {process.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_serves_share_the_cluster_and_the_last_one_stops_it(tmp_path: Path) -> None:
    import signal

    ports = [_free_port(), _free_port()]
    first = _serve(tmp_path, ports[0])
    try:
        _wait_healthy(ports[0], first)
        second = _serve(tmp_path, ports[1])
        try:
            _wait_healthy(ports[1], second)
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=30)
            assert _running(tmp_path / "pgdata")  # still serving the second
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
        assert not _running(tmp_path / "pgdata")
    finally:
        for process in (first,):
            if process.poll() is None:
                process.kill()


@pytest.mark.parametrize(
    ("memory_gib", "expected_mb"),
    [(0.5, 128), (2, 256), (4, 512), (24, 1024), (256, 1024)],
)
def test_shared_buffers_are_an_eighth_of_memory_within_bounds(
    memory_gib: float, expected_mb: int
) -> None:
    assert shared_buffers_mb(int(memory_gib * 2**30)) == expected_mb


def test_a_new_cluster_gets_its_shared_buffers(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata", ephemeral=True)
    dsn = server.start()

    async def shown() -> str:
        conn = await asyncpg.connect(dsn)
        try:
            return str(await conn.fetchval("SHOW shared_buffers"))
        finally:
            await conn.close()

    try:
        value = asyncio.run(shown())
    finally:
        server.stop()
    mb = shared_buffers_mb()
    assert value == (f"{mb // 1024}GB" if mb % 1024 == 0 else f"{mb}MB")
