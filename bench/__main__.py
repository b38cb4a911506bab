"""``python -m bench`` (``make bench``): Aura against PostGraphile v4, see bench/README.md."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
from pathlib import Path
from types import FrameType

from bench import report, workloads
from bench.runner import Config, run
from bench.servers import ServerError
from bench.workloads import Mismatch

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"


def _queries(text: str) -> list[str]:
    names = [q.strip().upper() for q in text.split(",") if q.strip()]
    unknown = [q for q in names if q not in workloads.NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown queries {unknown}; choose from {','.join(workloads.NAMES)}"
        )
    return names


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure Aura side by side with PostGraphile v4 on the same database.",
    )
    p.add_argument("--duration", type=_positive, help="seconds per measured run (10; --quick: 2)")
    p.add_argument(
        "--warmup", type=_positive, help="seconds of warm-up before each run (3; --quick: 1)"
    )
    p.add_argument("--connections", type=_positive, default=16, help="wrk connections (16)")
    p.add_argument("--threads", type=_positive, default=2, help="wrk threads (2)")
    p.add_argument(
        "--rounds", type=_positive, help="A B rounds per query: 2 gives A B A B (2; --quick: 1)"
    )
    p.add_argument(
        "--queries",
        type=_queries,
        default=list(workloads.NAMES),
        help="comma-separated subset of Q1,Q2,Q3,Q4 (all)",
    )
    p.add_argument(
        "--pool-size", type=_positive, default=16, help="database pool size of each server (16)"
    )
    p.add_argument("--seed", default="aura-bench", help="dataset seed (aura-bench)")
    p.add_argument("--no-peer", action="store_true", help="measure Aura alone")
    p.add_argument(
        "--no-install",
        action="store_true",
        help="never install wrk (apt-get) or PostGraphile (npm ci)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 round, 1 s warm-up, 2 s per run (unless given); no BENCHMARKS.md",
    )
    p.add_argument(
        "--output-dir",
        type=Path,
        default=ROOT / "bench" / "results",
        help="where the JSON lines go (bench/results)",
    )
    md = p.add_mutually_exclusive_group()
    md.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="write the summary here (default: BENCHMARKS.md after a full run)",
    )
    md.add_argument("--no-markdown", action="store_true", help="do not write BENCHMARKS.md")
    p.add_argument(
        "--note",
        action="append",
        default=[],
        help="a remark to keep with the results and in BENCHMARKS.md (repeatable)",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="RESULTS.jsonl",
        help="do not measure: rewrite the summary from an earlier results file",
    )
    return p


def _command(argv: list[str]) -> str:
    args = shlex.join(argv)
    if os.environ.get("MAKELEVEL"):
        return "make bench" + (f" ARGS={shlex.quote(args)}" if args else "")
    return "python -m bench" + (f" {args}" if args else "")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _rewrite(results: Path, target: Path) -> int:
    records = report.read(results)
    end = next((r for r in records if r["kind"] == "end"), None)
    if end is None:
        print(f"{results}: not a complete results file", file=sys.stderr)
        return 2
    summaries = [r for r in records if r["kind"] == "summary"]
    runs = [r for r in records if r["kind"] == "run"]
    try:
        shown = str(results.resolve().relative_to(ROOT))
    except ValueError:
        shown = str(results)
    report.write_markdown(target, report.markdown(end, summaries, runs, shown))
    print(report.table(summaries))
    print(f"summary written to {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.report:
        return _rewrite(args.report, args.markdown or BENCHMARKS_MD)
    quick = {"duration": 2, "warmup": 1, "rounds": 1} if args.quick else {}
    for name, default in (("duration", 10), ("warmup", 3), ("rounds", 2)):
        if getattr(args, name) is None:
            setattr(args, name, quick.get(name, default))
    config = Config(
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        rounds=args.rounds,
        queries=args.queries,
        peer=not args.no_peer,
        pool_size=args.pool_size,
        seed=args.seed,
        install=not args.no_install,
        output_dir=args.output_dir,
        notes=args.note,
    )
    full = not (args.quick or args.no_peer) and config.queries == list(workloads.NAMES)
    if args.markdown:
        config.markdown = args.markdown
    elif full and not args.no_markdown:
        config.markdown = BENCHMARKS_MD
    signal.signal(signal.SIGTERM, _terminate)
    try:
        run(config, _command(argv))
    except KeyboardInterrupt:
        print("\ninterrupted: servers and cluster stopped", file=sys.stderr)
        return 130
    except (ServerError, Mismatch) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
