"""Port allocation throughput: ``allocatePort`` through the HTTP API against a plain
one-row insert mutation, at several concurrencies, on the durable embedded configuration.

    python -m bench.ports                 # 1, 16 and 64 clients, 2 rounds, about 3 minutes
    python -m bench.ports --quick         # 1 round of 3 s per run, no BENCHMARKS.md
    python -m bench.ports --clients 16 --duration 20

The cluster is a throwaway embedded PostgreSQL with fsync and synchronous commit on (as
``aura serve`` runs it: every commit waits for its WAL flush), one Aura process
(``bench/aura_server.py``: uvloop, httptools, production settings, a pool of 16
connections) and ``wrk`` posting the same request over and over with one bearer token.

At each concurrency, in this order: the *baseline*, ``createBonusWindow`` (an
administrator inserting one row: one INSERT under row-level security, no trigger that
serialises anything, no event, no stream), then ``allocatePort`` (a member allocating
from a fresh range of 20,000 ports, all callers on the same range, host and protocol).
Each run is warmed up, then measured; two rounds in the order A B B A, so that a drift of
the machine's load favours neither side. After each allocation run the database is asked:
allocations that are not released sharing a port (duplicates, must be 0), and whether the
allocated ports are exactly the lowest ones of the range (no port skipped and lost).

The verdict (issue 11): allocations per second at 16 clients at least 0.8 of the
baseline's rate measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import orjson

from aura.auth.tokens import mint
from bench import environment, servers
from bench.cluster import HARNESS, Cluster
from bench.runner import Wrk
from bench.sections import write_section

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
TITLE = "Port allocation"
TARGET = 0.8
RANGE_SIZE = 20_000
FIRST_PORT = 1024

ALLOCATE = (
    "mutation($p: ID!, $r: ID!) { allocatePort(projectId: $p, rangeId: $r, "
    'serviceName: "bench", serviceType: "api") { id portNumber } }'
)
BASELINE = "mutation($input: CreateBonusWindowInput!) { createBonusWindow(input: $input) { id } }"
BASELINE_INPUT = {
    "name": "bench window",
    "startTime": "2026-01-01T00:00:00Z",
    "endTime": "2026-02-01T00:00:00Z",
    "targetTaskCount": 1,
}


@dataclass
class Config:
    clients: list[int] = field(default_factory=lambda: [1, 16, 64])
    duration: int = 10
    warmup: int = 3
    rounds: int = 2
    pool_size: int = 16
    quick: bool = False
    markdown: Path | None = ROOT / "BENCHMARKS.md"
    output_dir: Path = BENCH / "results"
    note: str = ""


def _say(message: str) -> None:
    print(message, flush=True)


# -- the world ---------------------------------------------------------------------------


@dataclass
class World:
    admin: str
    owner: str
    project: str
    ranges: dict[int, str]  # clients → the range that run allocates from


async def load_world(dsn: str, levels: list[int]) -> World:
    conn = await asyncpg.connect(dsn)
    try:
        insert = "INSERT INTO users (email, display_name, role) VALUES ($1, $2, $3) RETURNING id"
        admin = str(await conn.fetchval(insert, "admin@bench.dev", "Admin", "ADMIN"))
        owner = str(await conn.fetchval(insert, "owner@bench.dev", "Owner", "USER"))
        project = str(
            await conn.fetchval(
                "INSERT INTO projects (owner_id, name) VALUES ($1, 'bench') RETURNING id", owner
            )
        )
        ranges = {}
        for n, clients in enumerate(levels):
            start = FIRST_PORT + n * RANGE_SIZE
            if start + RANGE_SIZE - 1 > 65535:
                raise SystemExit(f"too many concurrency levels for {RANGE_SIZE}-port ranges")
            ranges[clients] = str(
                await conn.fetchval(
                    "INSERT INTO port_ranges (range_name, start_port, end_port)"
                    " VALUES ($1, $2, $3) RETURNING id",
                    f"bench-{clients}",
                    start,
                    start + RANGE_SIZE - 1,
                )
            )
        return World(admin, owner, project, ranges)
    finally:
        await conn.close()


async def _settled(conn: asyncpg.Connection, within: float = 30.0) -> None:
    """Wait until the requests still in flight when wrk stopped have finished (no other
    session inside a transaction), so that every allocation made is counted."""
    deadline = time.monotonic() + within
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        busy = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            " AND state <> 'idle'"
        )
        quiet = quiet + 1 if busy == 0 else 0
        await asyncio.sleep(0.05)


async def allocation_check(dsn: str, range_id: str) -> dict[str, Any]:
    """What the database says about one range after its run."""
    conn = await asyncpg.connect(dsn)
    try:
        await _settled(conn)
        row = await conn.fetchrow(
            """
            SELECT count(*) AS allocations,
                   count(*) - count(DISTINCT (port_number, hostname, protocol)) AS duplicates,
                   min(port_number) AS low, max(port_number) AS high,
                   (SELECT start_port FROM port_ranges WHERE id = $1) AS start_port
            FROM port_allocations WHERE port_range_id = $1 AND status <> 'RELEASED'""",
            range_id,
        )
        result = dict(row)
        # Free ports below the highest one held: ports taken by requests that then rolled
        # back (free again, handed out once the allocator reaches the top of the range).
        result["skipped"] = (
            0
            if result["allocations"] == 0
            else result["high"] - result["start_port"] + 1 - result["allocations"]
        )
        result["contiguous_from_start"] = result["skipped"] == 0
        return result
    finally:
        await conn.close()


# -- running -------------------------------------------------------------------------------


def _bodies(path: Path, query: str, variables: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps({"query": query, "variables": variables}) + b"\n")
    return path


async def _database_time(dsn: str, reset: bool) -> dict[str, float]:
    """Server time of the requests' statements (pg_stat_statements, top level, so a
    function's inner statements are inside its call) since the last reset, per
    transaction; the harness's own statements are marked and left out."""
    conn = await asyncpg.connect(dsn)
    try:
        await _settled(conn)
        if reset:
            await conn.execute(f"SELECT pg_stat_statements_reset() {HARNESS}")
            return {}
        row = await conn.fetchrow(
            f"""SELECT coalesce(sum(total_exec_time), 0) AS ms,
                   coalesce(sum(calls) FILTER (WHERE lower(btrim(query)) = 'commit'), 0)
                     AS commits
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%aura-bench-harness%' {HARNESS}"""
        )
        commits = int(row["commits"]) or 1
        return {"db_ms_per_request": round(float(row["ms"]) / commits, 3)}
    finally:
        await conn.close()


def _measure(wrk: Wrk, url: str, bodies: Path, config: Config, dsn: str) -> dict[str, Any]:
    wrk.run(url, bodies, config.warmup)
    asyncio.run(_database_time(dsn, reset=True))
    result = wrk.run(url, bodies, config.duration)
    seconds = result["duration_us"] / 1e6
    latency = result["latency_us"]
    return {
        "requests": result["requests"],
        "seconds": round(seconds, 2),
        "per_second": round(result["requests"] / seconds, 1),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "http_errors": sum(result["errors"].values()),
        **asyncio.run(_database_time(dsn, reset=False)),
    }


def _wrk(path: str, clients: int, token: str) -> Wrk:
    shape = SimpleNamespace(threads=min(2, clients), connections=clients)
    return Wrk(path, shape, token)  # type: ignore[arg-type]


def run(config: Config, command: str) -> Path:
    c = config
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    c.output_dir.mkdir(parents=True, exist_ok=True)
    final = c.output_dir / f"ports-{stamp}.jsonl"
    logdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"aura-bench-ports-{stamp}"
    logdir.mkdir(parents=True, exist_ok=True)
    wrk_path = servers.ensure_wrk(install=False)
    load_before = environment.load_average()
    busy_before = environment.busy_ticks()
    _say(f"machine: {os.cpu_count()} cores, load average {load_before}")
    cluster = Cluster(durable=True)
    server: servers.Server | None = None
    records: list[dict[str, Any]] = []
    try:
        _say("cluster (durable: fsync on, synchronous_commit on): starting and migrating …")
        dsn = cluster.start()
        world = asyncio.run(load_world(dsn, c.clients))
        secret = secrets.token_hex(32)
        admin = mint(secret, world.admin, ttl_seconds=24 * 3600)
        owner = mint(secret, world.owner, ttl_seconds=24 * 3600)
        server = servers.start_aura(
            dsn, secret=secret, pool_size=c.pool_size, log=logdir / "aura.log"
        )
        server.wait_ready(owner)
        baseline_body = _bodies(logdir / "baseline.json", BASELINE, {"input": BASELINE_INPUT})
        for clients in c.clients:
            allocate_body = _bodies(
                logdir / f"allocate-{clients}.json",
                ALLOCATE,
                {"p": world.project, "r": world.ranges[clients]},
            )
            runs = {
                "baseline": (admin, baseline_body),
                "allocatePort": (owner, allocate_body),
            }
            for n in range(c.rounds):
                # A B B A …: a drift of the machine's load favours neither side
                order = ["baseline", "allocatePort"][:: 1 if n % 2 == 0 else -1]
                for kind in order:
                    token, body = runs[kind]
                    record = {"kind": kind, "clients": clients, "round": n + 1}
                    record |= _measure(_wrk(wrk_path, clients, token), server.url, body, c, dsn)
                    if kind == "allocatePort":
                        check = allocation_check(dsn, world.ranges[clients])
                        record |= {"database": asyncio.run(check)}
                    records.append(record)
                    _say(_line(record))
    finally:
        if server is not None:
            server.stop()
        cluster.stop()

    busy = environment.busy_ticks() - busy_before
    summary = summarize(records)
    verdict = judge(summary, records)
    revision, dirty = environment.git_revision()
    meta = {
        "kind": "meta",
        "date": stamp,
        "command": command,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(c).items()},
        "machine": environment.machine(),
        "python": platform.python_version(),
        "aura_revision": revision,
        "aura_uncommitted": dirty,
        "load_before": load_before,
        "load_after": environment.load_average(),
        "machine_busy_ticks": busy,
        "logs": str(logdir),
    }
    lines = [meta, *records, *summary, {"kind": "verdict", **verdict}]
    final.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in lines))
    _say("")
    _say(console(verdict))
    _say(f"results: {os.path.relpath(final)}")
    if c.markdown is not None and not c.quick:
        write_section(c.markdown, TITLE, markdown(meta, summary, verdict, final))
        _say(f"{TITLE} section written to {os.path.relpath(c.markdown)}")
    return final


def _line(r: dict[str, Any]) -> str:
    text = (
        f"  {r['kind']:>12} x{r['clients']:<3} #{r.get('round', '-')} {r['per_second']:>8.1f}/s  "
        f"p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  ({r['requests']} requests"
    )
    if "database" in r:
        d = r["database"]
        text += f"; {d['allocations']} allocated, {d['duplicates']} duplicates"
    if "db_ms_per_request" in r:
        text += f"; DB {r['db_ms_per_request']:.2f} ms/request"
    return text + ")"


def summarize(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per workload and concurrency over its rounds: the rate over all of them,
    the median p50, the worst p99, and the database's last word."""
    out = []
    for kind, clients in dict.fromkeys((r["kind"], r["clients"]) for r in records):
        runs = [r for r in records if r["kind"] == kind and r["clients"] == clients]
        p50s = sorted(r["p50_ms"] for r in runs)
        line: dict[str, Any] = {
            "kind": kind,
            "summary": True,
            "clients": clients,
            "rounds": len(runs),
            "requests": sum(r["requests"] for r in runs),
            "seconds": round(sum(r["seconds"] for r in runs), 2),
            "p50_ms": p50s[len(p50s) // 2],
            "p99_ms": max(r["p99_ms"] for r in runs),
            "http_errors": sum(r["http_errors"] for r in runs),
        }
        line["per_second"] = round(line["requests"] / line["seconds"], 1)
        db = sorted(r["db_ms_per_request"] for r in runs if "db_ms_per_request" in r)
        if db:
            line["db_ms_per_request"] = db[len(db) // 2]
        if "database" in runs[-1]:
            line["database"] = runs[-1]["database"]
        out.append(line)
    return out


def judge(
    records: list[dict[str, Any]], runs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The ratios allocatePort / baseline per concurrency (over all rounds, and per round:
    the two runs of a round are back to back), and the target at 16 clients."""
    rates = {(r["kind"], r["clients"]): r["per_second"] for r in records}
    ratios = {
        str(clients): round(rates[("allocatePort", clients)] / rates[("baseline", clients)], 2)
        for kind, clients in rates
        if kind == "baseline" and ("allocatePort", clients) in rates
    }
    duplicates = sum(r["database"]["duplicates"] for r in records if "database" in r)
    rounds = {}
    for r in runs or []:
        if r["kind"] == "allocatePort":
            base = next(
                b["per_second"]
                for b in runs
                if b["kind"] == "baseline"
                and (b["clients"], b["round"]) == (r["clients"], r["round"])
            )
            rounds.setdefault(str(r["clients"]), []).append(round(r["per_second"] / base, 2))
    skipped = {str(r["clients"]): r["database"]["skipped"] for r in records if "database" in r}
    at16 = ratios.get("16")
    return {
        "ratios": ratios,
        "target": TARGET,
        "ratio_at_16": at16,
        "met": at16 is not None and at16 >= TARGET and duplicates == 0,
        "duplicates": duplicates,
        "per_round": rounds,
        "skipped": skipped,
    }


def console(v: dict[str, Any]) -> str:
    ratios = ", ".join(f"x{c}: {r:.2f}" for c, r in v["ratios"].items())
    mark = "met" if v["met"] else "NOT MET"
    return (
        f"allocatePort / baseline throughput: {ratios}\n"
        f"target (issue 11) >= {v['target']} at 16 clients: {mark} ({v['ratio_at_16']}); "
        f"duplicates {v['duplicates']}"
    )


def markdown(
    meta: dict[str, Any], records: list[dict[str, Any]], v: dict[str, Any], path: Path
) -> str:
    rel = os.path.relpath(path, ROOT)
    c = meta["config"]
    by = {(r["kind"], r["clients"]): r for r in records}
    out = [
        f"## {TITLE}",
        "",
        "`allocatePort` through the HTTP API against a plain one-row insert mutation "
        "(`createBonusWindow`), measured by `bench/ports.py` (`python -m bench.ports`) in "
        f"the same run. Raw measurements: [{rel}]({rel}).",
        "",
        f"- Run: `{meta['command']}`, {meta['date']}, revision {meta['aura_revision']}"
        + (
            f" (uncommitted: {', '.join(meta['aura_uncommitted'])})"
            if meta["aura_uncommitted"]
            else ""
        ),
        "- Setup: embedded PostgreSQL with fsync and synchronous commit on (the durable "
        f"configuration `aura serve` uses), one Aura process with a pool of {c['pool_size']} "
        f"connections, `wrk` on the same machine; {c['rounds']} rounds (A B B A) of "
        f"{c['warmup']} s warm-up and {c['duration']} s measured per run; rates over all "
        "rounds, median p50, worst p99. All allocation callers share one range of 20,000 "
        "ports, one host and one protocol.",
        f"- Machine: {meta['machine']['cpu_model']}, {meta['machine']['nproc']} cores; load "
        f"average before / after: {meta['load_before']} / {meta['load_after']} (other "
        "processes share the machine).",
        "",
        "| clients | baseline /s | p50 / p99 ms | DB ms | allocatePort /s | p50 / p99 ms | "
        "DB ms | ratio | ratio per round | duplicates | allocated / skipped |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for clients in c["clients"]:
        b, a = by.get(("baseline", clients)), by.get(("allocatePort", clients))
        if b is None or a is None:
            continue
        d = a["database"]
        out.append(
            f"| {clients} | {b['per_second']:.0f} | {b['p50_ms']:.1f} / {b['p99_ms']:.1f} | "
            f"{b.get('db_ms_per_request', 0):.2f} | "
            f"{a['per_second']:.0f} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} | "
            f"{a.get('db_ms_per_request', 0):.2f} | "
            f"{v['ratios'][str(clients)]:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in v['per_round'].get(str(clients), []))} | "
            f"{d['duplicates']} | {d['allocations']} / {d['skipped']} |"
        )
    out += [
        "",
        f"Target (issue 11): at 16 clients, at least {TARGET} of the baseline's throughput: "
        f"**{'met' if v['met'] else 'not met'}** ({v['ratio_at_16']}). Duplicates are counted "
        "in the database after each run (allocations that are not released sharing a port, "
        "host and protocol), once the requests in flight have finished. *Skipped*: free "
        "ports below the highest one allocated (ports taken by requests that then rolled "
        "back; they would be handed out again once the allocator reaches the top of the "
        "range): 0 means every port handed out is among the lowest ones. *DB ms*: the "
        "database's own time per request (pg_stat_statements: every statement of the "
        "request, COMMIT and its WAL flush included; median over the rounds), which the "
        "machine's load disturbs far less than throughput. The machine is shared with other "
        "work, so runs vary: the per-round ratios compare runs made back to back.",
    ]
    return "\n".join(out) + "\n"


def report_again(path: Path, markdown_path: Path) -> None:
    """BENCHMARKS.md's section again from a results file, without measuring."""
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    meta = next(r for r in lines if r.get("kind") == "meta")
    runs = [r for r in lines if r.get("kind") in ("baseline", "allocatePort")]
    summary = [r for r in runs if r.get("summary")]
    verdict = judge(summary, [r for r in runs if not r.get("summary")])
    write_section(markdown_path, TITLE, markdown(meta, summary, verdict, path))
    _say(console(verdict))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,16,64", help="concurrencies, comma-separated")
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per run")
    parser.add_argument("--rounds", type=int, default=2, help="A B B A … runs per concurrency")
    parser.add_argument("--pool-size", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="3 s runs, no BENCHMARKS.md")
    parser.add_argument("--no-markdown", action="store_true")
    parser.add_argument("--note", default="")
    parser.add_argument(
        "--report", type=Path, metavar="JSONL", help="rewrite the section from a results file"
    )
    args = parser.parse_args(argv)
    if args.report is not None:
        report_again(args.report, ROOT / "BENCHMARKS.md")
        return 0
    config = Config(
        clients=[int(x) for x in args.clients.split(",")],
        duration=3 if args.quick else args.duration,
        warmup=1 if args.quick else args.warmup,
        rounds=1 if args.quick else args.rounds,
        pool_size=args.pool_size,
        quick=args.quick,
        markdown=None if args.no_markdown else ROOT / "BENCHMARKS.md",
        note=args.note,
    )
    run(config, "python -m bench.ports " + " ".join(argv if argv is not None else sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
