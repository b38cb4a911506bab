"""Starting and stopping the servers under test, and installing what they need.

Each server is one process of its own session (Ctrl-C in the terminal reaches only the
harness, which then stops them in order), logging to a file in the run's directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEER_SOURCE = BENCH / "peer"
PEER_DIR = BENCH / ".peer"  # ignored by git


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One server process on 127.0.0.1:<port>, answering GraphQL at /graphql."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        port: int,
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.log = log
        self._log_handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, token: str, *, timeout: float = 60.0) -> None:
        """Wait until the server answers a trivial query (PostGraphile introspects first)."""
        deadline = time.monotonic() + timeout
        body = b'{"query":"{ __typename }"}'
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with {self.process.returncode}" + self.tail()
                )
            request = urllib.request.Request(
                self.url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = exc
            time.sleep(0.2)
        raise ServerError(
            f"{self.name} did not become ready in {timeout:.0f} s ({last})" + self.tail()
        )

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()[-lines:]
        except FileNotFoundError:
            return ""
        return f"\n--- {self.log} ---\n" + "\n".join(text) if text else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_handle.close()


def start_aura(
    dsn: str, *, secret: str, pool_size: int, log: Path, name: str = "aura", compiled: bool = True
) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "bench.aura_server",
        # ``--name=value``: a random secret may start with "-", which argparse would
        # take for an option.
        f"--dsn={dsn}",
        f"--port={port}",
        f"--secret={secret}",
        f"--pool-size={pool_size}",
    ]
    env = {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    if not compiled:  # the resolved path only: the reference for Aura-alone workloads
        env["AURA_COMPILED_QUERIES"] = "0"
    return Server(name, argv, port=port, log=log, env=env)


def start_peer(
    *, socket_dir: str, pg_port: int, database: str, secret: str, pool_size: int, log: Path
) -> Server:
    port = free_port()
    env = {
        "NODE_ENV": "production",
        "NODE_PATH": str(PEER_DIR / "node_modules"),
        "PEER_PG_HOST": socket_dir,
        "PEER_PG_PORT": str(pg_port),
        "PEER_PG_DB": database,
        "PEER_PG_USER": "postgres",
        "PEER_PORT": str(port),
        "PEER_POOL": str(pool_size),
        "PEER_SECRET": secret,
    }
    return Server(
        "postgraphile", ["node", str(PEER_SOURCE / "server.js")], port=port, log=log, env=env
    )


# -- installation ---------------------------------------------------------------------


def peer_unavailable() -> str | None:
    """Why the peer cannot run here (None when node and npm are present)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return (
            f"{' and '.join(missing)} not found: PostGraphile (the peer) is skipped. "
            "Install Node.js 18+ with npm (Debian: apt-get install nodejs npm) to compare."
        )
    return None


def install_peer() -> str:
    """Install the pinned PostGraphile into bench/.peer (npm ci), once; its version."""
    lock = PEER_SOURCE / "package-lock.json"
    installed = PEER_DIR / "package-lock.json"
    marker = PEER_DIR / "node_modules" / "postgraphile" / "package.json"
    if not (marker.exists() and installed.exists() and installed.read_bytes() == lock.read_bytes()):
        PEER_DIR.mkdir(exist_ok=True)
        shutil.copy(PEER_SOURCE / "package.json", PEER_DIR / "package.json")
        shutil.copy(lock, installed)
        print(f"installing PostGraphile into {PEER_DIR.relative_to(ROOT)} (npm ci) …", flush=True)
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PEER_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            installed.unlink(missing_ok=True)
            raise ServerError(f"npm ci failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return str(json.loads(marker.read_text())["version"])


def ensure_wrk(*, install: bool) -> str:
    """Path of wrk; installs the Debian package when allowed and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing the Debian package (apt-get install wrk) …", flush=True)
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
            if proc.returncode != 0:
                raise ServerError(f"{' '.join(argv)} failed:\n{proc.stderr.strip()}")
        found = shutil.which("wrk")
        if found:
            return found
    raise ServerError(
        "wrk is required: install it (Debian/Ubuntu: sudo apt-get install wrk; "
        "macOS: brew install wrk) and run again."
    )
