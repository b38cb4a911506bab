"""Aura as the subscription benchmark runs it: one uvicorn process pinned to one core.

    python -m bench.realtime_server --dsn DSN --port PORT [--cpu 0]

Settings come from the environment (``Settings.from_env``), as ``aura serve`` reads
them; the harness sets ``AURA_ENV=production``, ``AURA_JWT_SECRET``,
``AURA_RATE_LIMIT_PER_MINUTE=0``, ``AURA_WS_MAX_OPERATIONS`` and the pool size. The open
files limit is raised to the hard limit (every websocket is a file descriptor).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import signal
import time
import tracemalloc

import uvicorn

from aura.app import create_app
from aura.cli import server_options
from aura.config import Settings


def _log_gc() -> None:
    """Print every collection that pauses the loop for more than 5 ms (to the server log)."""
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = (time.perf_counter() - started[0]) * 1000
        if took > 5:
            print(
                f"gc: generation {info['generation']} took {took:.0f} ms "
                f"({info['collected']} collected) at {time.time():.3f}",
                flush=True,
            )

    gc.callbacks.append(callback)


def _trace(path: str) -> None:
    """Python allocations by line, compared between two SIGUSR1 (RSS also counts what
    tracemalloc does not see: C allocations of uvloop, sockets' kernel buffers)."""
    tracemalloc.start(8)
    last = [tracemalloc.take_snapshot()]

    def dump(*_: object) -> None:
        snapshot = tracemalloc.take_snapshot()
        stats = snapshot.compare_to(last[0], "traceback")
        last[0] = snapshot
        with open(path, "a") as out:
            total = sum(s.size_diff for s in stats)
            out.write(f"=== {total / 1024:.0f} KiB grown\n")
            for stat in stats[:30]:
                out.write(f"{stat.size_diff / 1024:10.1f} KiB {stat.count_diff:8d} blocks\n")
                for line in stat.traceback.format()[-8:]:
                    out.write(f"      {line}\n")

    signal.signal(signal.SIGUSR1, dump)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
    parser.add_argument(
        "--tracemalloc",
        metavar="FILE",
        help="diagnosis: on SIGUSR1 append to FILE the allocations grown since the last one",
    )
    parser.add_argument(
        "--gc-log", action="store_true", help="diagnosis: log garbage collections over 5 ms"
    )
    args = parser.parse_args()
    if args.gc_log:
        _log_gc()
    if args.tracemalloc:
        _trace(args.tracemalloc)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    settings = Settings.from_env()
    app = create_app(settings, dsn=args.dsn)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        **server_options(settings),  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        lifespan="on",
        backlog=4096,
    )


if __name__ == "__main__":
    main()
