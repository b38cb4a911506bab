"""One benchmark run, start to finish.

Cluster → dataset → both servers → check they agree → for each query, A B A B: a
warm-up then a measured wrk run per server, with CPU and SQL statements counted around
it → JSON lines → summary table (and BENCHMARKS.md). Whatever happens, the servers are
stopped and the cluster is stopped and removed.
"""

from __future__ import annotations

import asyncio
import os
import resource
import secrets
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from aura.auth.tokens import mint
from bench import dataset as datasets
from bench import environment, report, servers, workloads
from bench.cluster import CLOCK_TICKS, DATABASE, Cluster, Statements, process_ticks

BENCH = Path(__file__).resolve().parent
POST_LUA = BENCH / "post.lua"
RESULT_MARK = "WRK_RESULT "


@dataclass
class Config:
    duration: int = 10
    warmup: int = 3
    connections: int = 16
    threads: int = 2
    rounds: int = 2
    queries: list[str] = field(default_factory=lambda: list(workloads.NAMES))
    peer: bool = True
    pool_size: int = 16
    seed: str = "aura-bench"
    variants: int = 50
    install: bool = True
    output_dir: Path = BENCH / "results"
    markdown: Path | None = None
    notes: list[str] = field(default_factory=list)


def _say(message: str) -> None:
    print(message, flush=True)


class Wrk:
    def __init__(self, path: str, config: Config, token: str) -> None:
        self.path = path
        self.config = config
        self.token = token

    def run(self, url: str, bodies: Path, seconds: int) -> dict[str, Any]:
        c = self.config
        argv = [
            self.path,
            "-t",
            str(c.threads),
            "-c",
            str(c.connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(POST_LUA),
            url,
            "--",
            str(bodies),
            self.token,
        ]
        proc = subprocess.run(
            argv, capture_output=True, text=True, check=False, start_new_session=True
        )
        for line in proc.stdout.splitlines():
            if line.startswith(RESULT_MARK):
                return orjson.loads(line[len(RESULT_MARK) :])  # type: ignore[no-any-return]
        raise RuntimeError(
            f"wrk failed ({proc.returncode}): {proc.stderr.strip()}\n{proc.stdout.strip()}"
        )


def _children_ticks() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * CLOCK_TICKS


def _self_ticks() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * CLOCK_TICKS


def measure(
    wrk: Wrk,
    server: servers.Server,
    bodies: Path,
    cluster: Cluster,
    statements: Statements,
    config: Config,
) -> dict[str, Any]:
    """Warm up, then one measured run against ``server``.

    CPU and statements are read from a quiet state to a quiet state: after the warm-up
    and after the run, the harness waits until the requests still in flight when wrk
    stopped have finished, so every request the database saw is counted whole. They are
    divided by the transactions the database committed (one per request for both
    servers); throughput and latency are wrk's.
    """
    warm = wrk.run(server.url, bodies, config.warmup)
    statements.wait_idle()
    statements.reset()
    before = _snapshot(server, cluster)
    result = wrk.run(server.url, bodies, config.duration)
    statements.wait_idle()
    after = _snapshot(server, cluster)
    count, transactions = statements.count()
    elapsed = after["time"] - before["time"]
    delta = {k: after[k] - before[k] for k in before}
    other = delta["machine"] - delta["server"] - delta["postgres"] - delta["wrk"] - delta["self"]
    requests = result["requests"]
    seconds = result["duration_us"] / 1e6
    ms = 1000 / CLOCK_TICKS
    lat = result["latency_us"]
    per = transactions or None
    return {
        "kind": "run",
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": requests / seconds if seconds else 0.0,
        "latency_ms": {
            k: round(lat[k] / 1000, 3) for k in ("min", "mean", "p50", "p90", "p99", "p999", "max")
        },
        "errors": result["errors"],
        "transactions": transactions,
        "cpu_ms": {
            "server": delta["server"] * ms,
            "postgres": delta["postgres"] * ms,
            "wrk": round(delta["wrk"] * ms, 1),
        },
        "cpu_ms_per_req": {
            "server": delta["server"] * ms / per if per else None,
            "postgres": delta["postgres"] * ms / per if per else None,
        },
        "statements": count,
        "statements_per_req": count / per if per else None,
        "other_cpu_cores": max(0.0, other / CLOCK_TICKS / elapsed) if elapsed else 0.0,
        "steal_cores": delta["steal"] / CLOCK_TICKS / elapsed if elapsed else 0.0,
        "warmup_requests": warm["requests"],
        "load_average": environment.load_average(),
    }


def _snapshot(server: servers.Server, cluster: Cluster) -> dict[str, float]:
    return {
        "time": time.monotonic(),
        "server": process_ticks(server.pid),
        "postgres": cluster.cpu_ticks(),
        "machine": environment.busy_ticks(),
        "steal": environment.steal_ticks(),
        "wrk": _children_ticks(),
        "self": _self_ticks(),
    }


def _tenancy_check(
    running: list[servers.Server], workload: workloads.Workload, outsider: str
) -> None:
    """Every server applies the same row-level security: an outsider sees nothing."""
    for server in running:
        answer = workloads.post(server.url, workload.bodies(server.name)[0], outsider)
        data = answer.get("data") or {}
        if answer.get("errors") or any(v is not None for v in data.values()):
            raise workloads.Mismatch(
                f"{server.name}: a user who owns nothing can read the owner's task: {answer}"
            )


def run(config: Config, command: str) -> Path:
    """Run the benchmark; returns the results file."""
    started_at = datetime.now(UTC)
    load_before = environment.load_average()
    notes: list[str] = list(config.notes)
    wrk_path = servers.ensure_wrk(install=config.install)
    peer_version = None
    if config.peer:
        reason = servers.peer_unavailable()
        if reason:
            _say(f"NOTE: {reason}")
            notes.append(reason)
            config.peer = False
            config.markdown = None  # BENCHMARKS.md compares with the peer: keep the last one
        else:
            peer_version = servers.install_peer()
    config.output_dir.mkdir(parents=True, exist_ok=True)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    final = config.output_dir / f"{stamp}.jsonl"
    partial = config.output_dir / f"{stamp}.jsonl.tmp"

    cluster = Cluster()
    running: list[servers.Server] = []
    statements: Statements | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="aura-bench-run-") as tmp:
            workdir = Path(tmp)
            _say("starting a throwaway PostgreSQL and migrating aura_bench …")
            dsn = cluster.start()
            data = asyncio.run(datasets.load(dsn, seed=config.seed))
            rows = data.rows
            _say(
                f"dataset: {rows['users']} users, {rows['projects']} projects, "
                f"{rows['tasks']:,} tasks, {rows['comments']:,} comments "
                f"loaded in {data.seconds:.1f} s"
            )
            secret = secrets.token_urlsafe(32)
            token = mint(secret, data.owner_id)
            outsider = mint(secret, data.outsider_id)

            running.append(
                servers.start_aura(
                    dsn, secret=secret, pool_size=config.pool_size, log=workdir / "aura.log"
                )
            )
            if any(workloads.DEFINITIONS[q]["peer"] is None for q in config.queries):
                running.append(
                    servers.start_aura(
                        dsn,
                        secret=secret,
                        pool_size=config.pool_size,
                        log=workdir / "aura-resolved.log",
                        name=workloads.RESOLVED,
                        compiled=False,
                    )
                )
            if config.peer:
                running.append(
                    servers.start_peer(
                        socket_dir=cluster.socket_dir,
                        pg_port=cluster.port,
                        database=DATABASE,
                        secret=secret,
                        pool_size=config.pool_size,
                        log=workdir / "postgraphile.log",
                    )
                )
            for server in running:
                server.wait_ready(token)
            _say("servers: " + ", ".join(f"{s.name} (pid {s.pid}, port {s.port})" for s in running))

            loads = asyncio.run(workloads.build(dsn, config.queries, variants=config.variants))
            for workload in loads:
                urls = {s.name: s.url for s in running if workloads.served_by(workload, s.name)}
                compared = workloads.verify(workload, urls, token)
                what = "both servers agree on" if len(urls) > 1 else "aura returned"
                _say(
                    f"check {workload.name}: {what} {compared:,} ids "
                    f"over {len(workload.variables) or 1} requests"
                )
            q1 = next((w for w in loads if w.name == "Q1"), None)
            if q1 is not None:
                _tenancy_check(running, q1, outsider)
                _say("check tenancy: a user who owns nothing reads nothing on every server")

            statements = Statements(dsn)
            postgres_version = statements.version()
            meta: dict[str, Any] = {
                "kind": "meta",
                "started_at": started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "command": command,
                "machine": environment.machine(),
                "versions": environment.versions(
                    postgres=postgres_version, postgraphile=peer_version
                ),
                "config": {
                    k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()
                },
                "dataset": {
                    "seed": data.seed,
                    "rows": data.rows,
                    "seconds": round(data.seconds, 2),
                },
            }
            wrk = Wrk(wrk_path, config, token)
            runs: list[dict[str, Any]] = []
            total = config.rounds * sum(
                workloads.served_by(w, s.name) for w in loads for s in running
            )
            per_run = config.warmup + config.duration
            _say(
                f"measuring: {total} runs of {config.warmup} s warm-up + {config.duration} s "
                f"(about {total * per_run / 60:.1f} min), {config.connections} connections"
            )
            with open(partial, "wb") as out:
                out.write(orjson.dumps(meta) + b"\n")
                for workload in loads:
                    files = {}
                    serving = [s for s in running if workloads.served_by(workload, s.name)]
                    for server in serving:
                        files[server.name] = workdir / f"{workload.name}-{server.name}.txt"
                        files[server.name].write_bytes(
                            b"\n".join(workload.bodies(server.name)) + b"\n"
                        )
                    for round_number in range(1, config.rounds + 1):
                        for server in serving:
                            record = measure(
                                wrk, server, files[server.name], cluster, statements, config
                            )
                            record = {
                                "kind": "run",
                                "query": workload.name,
                                "server": server.name,
                                "round": round_number,
                                **{k: v for k, v in record.items() if k != "kind"},
                            }
                            runs.append(record)
                            out.write(orjson.dumps(record) + b"\n")
                            out.flush()
                            _progress(record)
                summaries = report.summarise(runs)
                meta["load_average"] = {"before": load_before, "after": environment.load_average()}
                meta["other_cpu_cores"] = (
                    sum(r["other_cpu_cores"] for r in runs) / len(runs) if runs else 0.0
                )
                meta["steal_cores"] = (
                    sum(r.get("steal_cores", 0.0) for r in runs) / len(runs) if runs else 0.0
                )
                failed = sum(sum(r["errors"].values()) for r in runs)
                if failed:
                    notes.append(
                        f"{failed} requests failed during the measured runs "
                        "(connect/read/write errors, non-2xx answers or timeouts; "
                        "see the results file)"
                    )
                meta["notes"] = notes
                meta["verdicts"] = report.verdicts(summaries)
                for summary in summaries:
                    out.write(orjson.dumps(summary) + b"\n")
                out.write(orjson.dumps({**meta, "kind": "end"}) + b"\n")
            partial.rename(final)
    except BaseException:
        for server in running:
            if server.process.poll() is not None and server.process.returncode not in (0, None):
                _say(server.tail())
        raise
    finally:
        if statements is not None:
            statements.close()
        for server in running:
            server.stop()
        cluster.stop()
        partial.unlink(missing_ok=True)

    _say("")
    _say(report.table(summaries))
    _say("")
    for verdict in meta["verdicts"]:
        state = "met" if verdict["met"] else f"NOT MET ({verdict['shortfall']})"
        _say(f"target {verdict['target']}: {verdict['measured']} — {state}")
    q1 = next((s for s in summaries if s["query"] == "Q1" and s["server"] == "aura"), None)
    if q1 is not None:
        _say(report.latency_bound(q1, meta["config"]))
    load_after = meta["load_average"]["after"]
    _say(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; other "
        f"processes used {meta['other_cpu_cores']:.2f} cores during the measured runs, "
        f"the hypervisor took {meta.get('steal_cores', 0.0):.2f} (steal)"
    )
    _say(f"results: {os.path.relpath(final)}")
    if config.markdown is not None:
        report.write_markdown(
            config.markdown, report.markdown(meta, summaries, runs, _relative(final))
        )
        _say(f"summary written to {os.path.relpath(config.markdown)}")
    return final


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(BENCH.parent))
    except ValueError:
        return str(path)


def _progress(record: dict[str, Any]) -> None:
    lat = record["latency_ms"]
    cpu = record["cpu_ms_per_req"]
    errors = sum(record["errors"].values())
    _say(
        f"  {record['query']} {record['server']:<12} round {record['round']}: "
        f"{record['rps']:8.1f} req/s  p50 {lat['p50']:6.2f} ms  p99 {lat['p99']:6.2f} ms  "
        f"cpu/req {cpu['server'] or 0:.2f} + {cpu['postgres'] or 0:.2f} ms  "
        f"sql/req {record['statements_per_req'] or 0:.2f}"
        + (f"  ERRORS {errors}" if errors else "")
        + f"  (others {record['other_cpu_cores']:.2f} cores, "
        f"stolen {record.get('steal_cores', 0.0):.2f})"
    )
