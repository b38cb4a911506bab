"""The machine and the software a run measured, for the record."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except FileNotFoundError:
        pass
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
                break
    except FileNotFoundError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": _os_name(),
    }


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except FileNotFoundError:
        pass
    return platform.system()


def _package(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _command_version(argv: list[str]) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0].strip() if text else None


def _wrk_version() -> str | None:
    text = _command_version(["wrk", "-v"])  # "wrk debian/4.1.0-3+b2 [epoll] Copyright …"
    return " ".join(text.split()[:2]) if text else None


def git_revision() -> tuple[str | None, list[str]]:
    """The commit measured, with ``+dirty`` when Aura's code has uncommitted changes
    (and which files: other work in progress may be part of what was measured)."""
    head = _command_version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    if head is None:
        return None, []
    status = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "aura", "migrations"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    return head + ("+dirty" if dirty else ""), dirty


def versions(*, postgres: str | None, postgraphile: str | None) -> dict[str, Any]:
    revision, dirty = git_revision()
    return {
        "python": platform.python_version(),
        "postgresql": postgres,
        "node": _command_version(["node", "--version"]),
        "postgraphile": postgraphile,
        "aura": _package("aura"),
        "aura_revision": revision,
        "aura_uncommitted": dirty,
        "strawberry": _package("strawberry-graphql"),
        "uvicorn": _package("uvicorn"),
        "asyncpg": _package("asyncpg"),
        "wrk": _wrk_version(),
    }


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except FileNotFoundError:
        return list(os.getloadavg())


def _cpu_fields() -> list[int]:
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def busy_ticks() -> int:
    """CPU ticks the machine's processes spent so far (all cores, /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, _steal = _cpu_fields()
    return user + nice + system + irq + softirq


def steal_ticks() -> int:
    """CPU ticks the hypervisor gave to other guests while this one wanted to run: on a
    shared virtual machine, time the benchmark lost that no process here used."""
    return _cpu_fields()[7]
