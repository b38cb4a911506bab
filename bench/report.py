"""Summaries of a run: the console table, the targets, and BENCHMARKS.md."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import orjson

from bench.sections import kept_sections
from bench.workloads import DEFINITIONS

# Throughput ratio Aura / PostGraphile v4 in the same run (issue 5). The first row is a
# straightforward Strawberry + DataLoader server, the second one with the performance
# essentials; Aura must reach the second.
REFERENCE = {"Q1": 0.09, "Q2": 0.15, "Q3": 0.27, "Q4": 0.18}
# Issue 14 (the compiled path): at least 1.5x PostGraphile v4 on each of Q1-Q4.
TARGETS = {"Q1": 1.5, "Q2": 1.5, "Q3": 1.5, "Q4": 1.5}
Q1_P99_LIMIT_MS = 15.0

SERVERS = ("aura", "postgraphile", "aura-resolved")
X = "\N{MULTIPLICATION SIGN}"


def read(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary per (query, server), from its measured runs (A B A B …)."""
    summaries = []
    queries = list(dict.fromkeys(r["query"] for r in runs))
    for query in queries:
        rows: dict[str, dict[str, Any]] = {}
        for server in SERVERS:
            mine = [r for r in runs if r["query"] == query and r["server"] == server]
            if not mine:
                continue
            requests = sum(r["requests"] for r in mine)
            transactions = sum(r["transactions"] for r in mine)
            rows[server] = {
                "kind": "summary",
                "query": query,
                "server": server,
                "runs": len(mine),
                "requests": requests,
                "rps": statistics.fmean(r["rps"] for r in mine),
                "rps_runs": [round(r["rps"], 1) for r in mine],
                "p50_ms": statistics.fmean(r["latency_ms"]["p50"] for r in mine),
                "p99_ms": statistics.fmean(r["latency_ms"]["p99"] for r in mine),
                "transactions": transactions,
                "cpu_ms_per_req_server": _per_request(mine, "server", transactions),
                "cpu_ms_per_req_postgres": _per_request(mine, "postgres", transactions),
                "statements_per_req": (
                    sum(r["statements"] for r in mine) / transactions if transactions else None
                ),
                "errors": sum(sum(r["errors"].values()) for r in mine),
                "other_cpu_cores": statistics.fmean(r["other_cpu_cores"] for r in mine),
                "ratio": None,
            }
        # Against the peer; where it cannot express the query, against Aura's resolved path.
        basis = "postgraphile" if "postgraphile" in rows else "aura-resolved"
        if "aura" in rows and basis in rows and rows[basis]["rps"]:
            rows["aura"]["ratio"] = rows["aura"]["rps"] / rows[basis]["rps"]
            rows["aura"]["ratio_basis"] = basis
        summaries.extend(rows.values())
    return summaries


def _per_request(runs: list[dict[str, Any]], what: str, requests: int) -> float | None:
    return sum(r["cpu_ms"][what] for r in runs) / requests if requests else None


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


COLUMNS = (
    "query",
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "CPU ms/req server",
    "CPU ms/req postgres",
    "SQL stmts/req",
    "ratio",
)


def _cells(s: dict[str, Any]) -> list[str]:
    return [
        s["query"],
        s["server"],
        f"{s['rps']:.0f}",
        _num(s["p50_ms"]),
        _num(s["p99_ms"]),
        _num(s["cpu_ms_per_req_server"]),
        _num(s["cpu_ms_per_req_postgres"]),
        _num(s["statements_per_req"], 1),
        f"{s['ratio']:.2f}{X}" if s.get("ratio") is not None else "",
    ]


def table(summaries: list[dict[str, Any]]) -> str:
    """The summary as an aligned plain-text table."""
    rows = [list(COLUMNS)] + [_cells(s) for s in summaries]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdicts(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target: met or not, and by how much it falls short."""
    found = []
    by_key = {(s["query"], s["server"]): s for s in summaries}
    for query, target in TARGETS.items():
        aura = by_key.get((query, "aura"))
        if aura is None or aura.get("ratio") is None:
            continue
        ratio = aura["ratio"]
        found.append(
            {
                "target": f"{query} ratio ≥ {target:.2f}{X}",
                "measured": f"{ratio:.3f}{X}",
                "met": ratio >= target,
                "shortfall": None
                if ratio >= target
                else f"{target - ratio:.3f}{X} short ({ratio / target:.1%} of the target)",
            }
        )
    aura_q1 = by_key.get(("Q1", "aura"))
    if aura_q1 is not None:
        p99 = aura_q1["p99_ms"]
        found.append(
            {
                "target": f"Q1 p99 < {Q1_P99_LIMIT_MS:.0f} ms",
                "measured": f"{p99:.2f} ms",
                "met": p99 < Q1_P99_LIMIT_MS,
                "shortfall": None
                if p99 < Q1_P99_LIMIT_MS
                else f"{p99 - Q1_P99_LIMIT_MS:.2f} ms over",
            }
        )
    return found


def _markdown_table(header: list[str], rows: list[list[str]], right_from: int = 2) -> str:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def latency_bound(q1: dict[str, Any], config: dict[str, Any]) -> str:
    """Why p99 is where it is: a closed loop of C connections and Little's law."""
    connections = config["connections"]
    mean_ms = connections / q1["rps"] * 1000 if q1["rps"] else float("nan")
    needed = connections / Q1_P99_LIMIT_MS * 1000
    text = (
        f"With {connections} connections always busy, mean latency is {connections} / "
        f"throughput (Little's law): {q1['rps']:.0f} req/s means {mean_ms:.1f} ms on "
        f"average, and a p99 under {Q1_P99_LIMIT_MS:.0f} ms needs well over {needed:.0f} "
        "req/s"
    )
    cpu = q1.get("cpu_ms_per_req_server")
    if cpu:
        text += (
            f"; Aura's single process spends {cpu:.2f} ms of CPU per request, "
            f"so it cannot serve more than {1000 / cpu:.0f} req/s on one core"
        )
    return text + "."


def markdown(
    meta: dict[str, Any],
    summaries: list[dict[str, Any]],
    runs: list[dict[str, Any]],
    results_file: str,
) -> str:
    """BENCHMARKS.md for one run."""
    m, v, c = meta["machine"], meta["versions"], meta["config"]
    load = meta["load_average"]
    by_key = {(s["query"], s["server"]): s for s in summaries}
    out = [
        "# Benchmarks",
        "",
        "Aura against PostGraphile v4 on the same PostgreSQL database, the same data and the "
        "same row-level security, measured by `bench/` (how it works and what each figure "
        "means: [bench/README.md](bench/README.md)). The figures below are the latest full "
        "run; its raw measurements are in "
        f"[{results_file}]({results_file}).",
        "",
        "## Run",
        "",
        f"- Command: `{meta['command']}`",
        f"- Date: {meta['started_at']} (UTC), revision {v.get('aura_revision') or '?'}"
        + (
            f" (uncommitted changes measured: {', '.join(v['aura_uncommitted'])})"
            if v.get("aura_uncommitted")
            else ""
        ),
        f"- Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB memory, "
        f"{m['os']}, Linux {m['kernel']}",
        f"- Versions: Python {v['python']}, {v['postgresql']}, Node {v.get('node') or '—'}, "
        f"PostGraphile {v.get('postgraphile') or '—'}, Aura {v['aura']}, "
        f"Strawberry {v['strawberry']}, uvicorn {v['uvicorn']}, asyncpg {v['asyncpg']}, "
        f"{v.get('wrk') or 'wrk'}",
        f"- Load: wrk, {c['connections']} connections, {c['threads']} threads; "
        f"{c['warmup']:g} s warm-up then {c['duration']:g} s measured per run; "
        f"{c['rounds']} rounds alternated A B A B per query; pools of {c['pool_size']} "
        "connections for both servers",
        f"- Dataset: {meta['dataset']['rows']['projects']} projects, "
        f"{meta['dataset']['rows']['tasks']:,} tasks, "
        f"{meta['dataset']['rows']['comments']:,} comments "
        f"(seed `{meta['dataset']['seed']}`, loaded in {meta['dataset']['seconds']:.1f} s)",
        f"- Machine load average (1/5/15 min): before {load['before'][0]:.2f} / "
        f"{load['before'][1]:.2f} / {load['before'][2]:.2f}, after {load['after'][0]:.2f} / "
        f"{load['after'][1]:.2f} / {load['after'][2]:.2f}; CPU used by other processes "
        f"during the measured runs: {meta['other_cpu_cores']:.2f} cores on average "
        f"(of {m['nproc']}); CPU the hypervisor gave to other guests (steal): "
        f"{meta.get('steal_cores', 0.0):.2f} cores",
        "",
        "## Results",
        "",
        "Queries: "
        + "; ".join(
            f"**{q}** {DEFINITIONS[q]['title']}"
            for q in dict.fromkeys(s["query"] for s in summaries)
        )
        + ".",
        "",
        _markdown_table(list(COLUMNS), [_cells(s) for s in summaries]),
        "",
        "`ratio` is Aura's throughput divided by PostGraphile's in this run (higher is "
        "better for Aura). CPU is user + system time of the server process and of all the "
        "cluster's PostgreSQL processes, divided by the requests the database committed "
        "(one transaction per request on both servers); SQL statements are counted by "
        "pg_stat_statements (BEGIN and COMMIT included). p50 and p99 are wrk's, at "
        f"{c['connections']} connections.",
        "",
        "## Targets",
        "",
        "Throughput ratio Aura / PostGraphile v4. *Reference* is what a straightforward "
        "Strawberry + DataLoader server reaches on this kind of machine (issue 5); *target* "
        "is issue 14's: with whole queries compiled into one SQL statement, at least 1.5"
        f"{X} PostGraphile v4 on each query.",
        "",
    ]
    rows = []
    for query, target in TARGETS.items():
        aura = by_key.get((query, "aura"))
        if aura is None or aura.get("ratio") is None:
            rows.append(
                [query, f"{REFERENCE[query]:.2f}{X}", f"{target:.2f}{X}", "not measured", "—", "—"]
            )
            continue
        ratio = aura["ratio"]
        met = ratio >= target
        rows.append(
            [
                query,
                f"{REFERENCE[query]:.2f}{X}",
                f"{target:.2f}{X}",
                f"{ratio:.3f}{X}",
                "met" if met else "**not met**",
                f"+{ratio - target:.3f}{X} ({ratio / target:.1%} of target)"
                if met
                else f"short by {target - ratio:.3f}{X} ({ratio / target:.1%} of target)",
            ]
        )
    out.append(
        _markdown_table(
            ["query", "reference", "target", "Aura", "verdict", "margin"], rows, right_from=1
        )
    )
    q1 = by_key.get(("Q1", "aura"))
    if q1 is not None:
        p99 = q1["p99_ms"]
        verdict = (
            "met" if p99 < Q1_P99_LIMIT_MS else f"**not met**, {p99 - Q1_P99_LIMIT_MS:.2f} ms over"
        )
        out += [
            "",
            f"Q1 p99 latency at {c['connections']} connections: {p99:.2f} ms, "
            f"target under {Q1_P99_LIMIT_MS:.0f} ms: {verdict}. {latency_bound(q1, c)}",
        ]
        q1_runs = [r for r in runs if r["query"] == "Q1" and r["server"] == "aura"]
        if len(q1_runs) > 1:
            out[-1] += (
                " Per run: "
                + ", ".join(
                    f"{r['latency_ms']['p99']:.2f} ms at {r['rps']:.0f} req/s with "
                    f"{r['other_cpu_cores']:.2f} cores used by other processes and "
                    f"{r.get('steal_cores', 0.0):.2f} stolen"
                    for r in q1_runs
                )
                + "."
            )
    out += [
        "",
        "## Per run",
        "",
        "Each measured run in the order they ran (A B A B per query). *Others* is the CPU "
        "that processes outside the benchmark used during the run, in cores: above ~0.2 the "
        "machine was shared and absolute figures are low; the ratios stay comparable "
        "because the servers alternate.",
        "",
        _markdown_table(
            ["query", "server", "round", "req/s", "p50 ms", "p99 ms", "others (cores)"],
            [
                [
                    r["query"],
                    r["server"],
                    str(r["round"]),
                    f"{r['rps']:.0f}",
                    f"{r['latency_ms']['p50']:.2f}",
                    f"{r['latency_ms']['p99']:.2f}",
                    f"{r['other_cpu_cores']:.2f}",
                ]
                for r in runs
            ],
        ),
    ]
    notes = meta.get("notes") or []
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    out += ["", "Reproduce with `make bench` (or `python -m bench`); see bench/README.md.", ""]
    return "\n".join(out)


def write_markdown(path: Path, text: str) -> None:
    """Write BENCHMARKS.md from ``text``, keeping the sections other benchmarks own."""
    kept = kept_sections(path)
    path.write_text("\n\n".join([text.rstrip("\n"), *kept]) + "\n")
