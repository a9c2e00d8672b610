"""Leveling quality and speed on the PSPLIB J30 and J60 instances (single-mode RCPSP).

Each ``.sm`` file goes through ``margin.scheduling.psplib.read_sm`` into the engine's own
``LevelingProblem`` (tasks, finish-to-start links, resources, demands) and is leveled by the product's
engine: ``--mode heuristic`` (``level_heuristic``: priority rules, forward-backward improvement, genetic
algorithm) or ``--mode cpsat`` (``level_cpsat``: OR-Tools CP-SAT warm-started by the heuristic).
Every plan is checked (links and capacities) before it is counted.

The effort is deterministic, so a run gives the same plans on a busy machine as on an idle one: the
heuristic has a budget of schedules (``--max-schedules``), CP-SAT a budget of deterministic time
(``--effort``) with a fixed number of workers; only the seconds change with the load. Each row records
wall and CPU seconds; the report gives both, with the load average at the start and the end.

Reported per set, as in the literature: J30 mean % above the proven optimum (solutions/j30opt.sm);
J60 mean % above the critical path (the MPM-Time of each file) and above the best known makespan
(solutions/j60hrs.sm); the seconds per instance (wall and CPU time of the leveling call, from the
``LevelingProblem`` to the checked answer, one process, one instance at a time).

Instances run interleaved across the 48 parameter groups (instance 1 of every group, then instance 2,
...), so ``--limit N`` or a run stopped early measures a balanced subset; ``--resume`` continues a run
from its partial file. Results: bench/results/leveling-<mode>.json and .md (and a .partial.jsonl
written as it goes).

  .venv/bin/python bench/leveling.py                                  # heuristic, all 960 instances
  .venv/bin/python bench/leveling.py --mode cpsat                     # CP-SAT, default effort, 2 workers
  .venv/bin/python bench/leveling.py --sets j30 --limit 48            # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from margin.scheduling.leveling.cpsat import DEFAULT_EFFORT, HINT_SCHEDULES, level_cpsat  # noqa: E402
from margin.scheduling.leveling.heuristic import DEFAULT_MAX_SCHEDULES, level_heuristic  # noqa: E402
from margin.scheduling.leveling.network import check_schedule, compile_problem  # noqa: E402
from margin.scheduling.leveling.warm import warm_up  # noqa: E402
from margin.scheduling.psplib import instance_key, read_bounds, read_makespans, read_sm  # noqa: E402

# shared/ lies beside the repository (or beside the folder of its worktrees)
DEFAULT_DATA = next(
    (p / "shared" / "data" / "psplib" for p in ROOT.parents if (p / "shared" / "data" / "psplib").is_dir()),
    ROOT.parent / "shared" / "data" / "psplib",
)
RESULTS = ROOT / "bench" / "results"
TARGETS = {
    "heuristic": {"j30": 1.0, "j60": 11.0, "seconds": 1.0},
    "cpsat": {"j30": 0.1, "j60": 10.6, "seconds": 10.0},
}


def instances(data: Path, sets: list[str], order: str) -> list[Path]:
    out: list[Path] = []
    for name in sets:
        files = sorted((data / name).glob("*.sm"), key=instance_key)
        if order == "interleaved":
            files.sort(key=lambda p: (instance_key(p)[2], instance_key(p)[1]))
        out.extend(files)
    return out


def run_one(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    inst = read_sm(path)
    set_name, param, number = instance_key(path)
    t0 = time.perf_counter()
    c0 = time.process_time()
    if args.mode == "heuristic":
        result = level_heuristic(
            inst.problem, seed=args.seed, max_schedules=args.max_schedules, time_limit_s=args.heuristic_time
        )
    else:
        result = level_cpsat(
            inst.problem,
            effort=args.effort,
            workers=args.workers,
            seed=args.seed,
            heuristic_schedules=args.max_schedules,
            time_limit_s=args.time_limit,
        )
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    net = compile_problem(inst.problem)
    broken = check_schedule(net, [result.starts[a] for a in net.ids])
    return {
        "instance": path.name,
        "set": set_name,
        "param": param,
        "number": number,
        "makespan": result.makespan,
        "critical_path": inst.critical_path,
        "seconds": round(seconds, 4),
        "cpu_seconds": round(cpu, 4),
        "schedules": result.schedules,
        "deterministic_time": result.stats.get("deterministic_time", 0.0),
        "proven_optimal": result.proven_optimal,
        "lower_bound": result.lower_bound,
        "valid": not broken,
        "problems": [v.message for v in broken[:3]],
    }


def cpu_per_wall(rows: list[dict[str, Any]]) -> float | str:
    """CPU seconds of the process (all its threads) per wall second: 2.0 = both cores busy all along."""
    timed = [r for r in rows if "cpu_seconds" in r]
    if not timed:
        return "n/a"
    return round(sum(float(r["cpu_seconds"]) for r in timed) / max(sum(float(r["seconds"]) for r in timed), 1e-9), 2)


def summarise(rows: list[dict[str, Any]], data: Path) -> dict[str, dict[str, Any]]:
    opt30 = read_makespans(data / "solutions" / "j30opt.sm")
    hrs60 = read_makespans(data / "solutions" / "j60hrs.sm")
    lb_files = sorted((data / "solutions").glob("j60lb*.sm"))
    lb60 = read_bounds(*lb_files) if lb_files else {}
    out: dict[str, dict[str, Any]] = {}
    for set_name in ("j30", "j60"):
        rs = [r for r in rows if r["set"] == set_name]
        if not rs:
            continue
        secs = [float(r["seconds"]) for r in rs]
        cp_dev = [100.0 * (int(r["makespan"]) - int(r["critical_path"])) / int(r["critical_path"]) for r in rs]
        ref = opt30 if set_name == "j30" else hrs60
        refs = [ref[(int(r["param"]), int(r["number"]))] for r in rs]
        ref_dev = [100.0 * (int(r["makespan"]) - b) / b for r, b in zip(rs, refs, strict=True)]
        ref_cp = [
            100.0 * (b - int(r["critical_path"])) / int(r["critical_path"]) for r, b in zip(rs, refs, strict=True)
        ]
        summary: dict[str, Any] = {
            "instances": len(rs),
            "mean_pct_above_reference": round(statistics.mean(ref_dev), 3),
            "reference": "optimum (j30opt.sm)" if set_name == "j30" else "best known (j60hrs.sm)",
            "mean_pct_above_critical_path": round(statistics.mean(cp_dev), 3),
            "reference_mean_pct_above_critical_path": round(statistics.mean(ref_cp), 3),
            "at_reference": sum(1 for d in ref_dev if d <= 0),
            "better_than_reference": sum(1 for d in ref_dev if d < 0),
            "proven_optimal": sum(1 for r in rs if r["proven_optimal"]),
            "invalid": sum(1 for r in rs if not r["valid"]),
            "mean_seconds": round(statistics.mean(secs), 4),
            "mean_cpu_seconds": round(statistics.mean(float(r.get("cpu_seconds", 0.0)) for r in rs), 4),
            "max_cpu_seconds": round(max(float(r.get("cpu_seconds", 0.0)) for r in rs), 4),
            "total_cpu_seconds": round(sum(float(r.get("cpu_seconds", 0.0)) for r in rs), 1),
            "cpu_per_wall": (
                round(
                    sum(float(r["cpu_seconds"]) for r in timed) / max(sum(float(r["seconds"]) for r in timed), 1e-9), 2
                )
                if (timed := [r for r in rs if "cpu_seconds" in r])
                else "n/a"
            ),
            "max_seconds": round(max(secs), 4),
            "total_seconds": round(sum(secs), 1),
            "mean_schedules": round(statistics.mean(float(r["schedules"]) for r in rs), 1),
        }
        if set_name == "j60" and lb60:
            below = [
                r["instance"]
                for r in rs
                if (k := (int(r["param"]), int(r["number"]))) in lb60 and int(r["makespan"]) < lb60[k].lower
            ]
            summary["below_published_lower_bound"] = below
        if len(rs) < (480 if set_name in ("j30", "j60") else 0):
            summary["subset"] = sorted(str(r["instance"]) for r in rs)
        out[set_name] = summary
    return out


def write_reports(args: argparse.Namespace, rows: list[dict[str, Any]], meta: dict[str, Any]) -> Path:
    summary = summarise(rows, args.data)
    stem = args.out / f"leveling-{args.mode}"
    doc = {"meta": meta, "summary": summary, "instances": rows}
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=1) + "\n")
    target = TARGETS[args.mode]
    lines = [
        f"# Leveling on PSPLIB: {args.mode}",
        "",
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}, {meta['cpus']} CPUs, load average at start {meta['load_start']}, "
        f"at end {meta.get('load_end', '?')}  ",
        f"Settings: {meta['settings']}  ",
        f"Date: {meta['date']}",
        *(
            [f"Resumed: {meta['resumed_count']} rows ({', '.join(meta['resumed_rows'])}) kept from an earlier run"]
            if meta.get("resumed_count")
            else []
        ),
        *([f"Note: {meta['note']}"] if meta.get("note") else []),
        "",
        "| set | instances | mean % above reference | reference | mean % above critical path "
        "| (reference's % above CP) | = reference | proven optimal | invalid | mean s | max s | mean CPU s "
        "| max CPU s | CPU s per s | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for set_name, s in summary.items():
        goal = f"≤ {target['j30']} % above optimum" if set_name == "j30" else f"≤ {target['j60']} % above critical path"
        lines.append(
            f"| {set_name.upper()} | {s['instances']} | {s['mean_pct_above_reference']} | {s['reference']} "
            f"| {s['mean_pct_above_critical_path']} | {s['reference_mean_pct_above_critical_path']} "
            f"| {s['at_reference']} | {s['proven_optimal']} | {s['invalid']} | {s['mean_seconds']} "
            f"| {s['max_seconds']} | {s['mean_cpu_seconds']} | {s['max_cpu_seconds']} | {s['cpu_per_wall']} "
            f"| {goal}, ≤ {target['seconds']} s |"
        )
    for set_name, s in summary.items():
        if "subset" in s:
            subset = s["subset"]
            assert isinstance(subset, list)
            lines += ["", f"{set_name.upper()} subset measured ({len(subset)} instances): " + ", ".join(subset)]
        if s.get("below_published_lower_bound"):
            lines += ["", f"WARNING {set_name}: below a published lower bound: {s['below_published_lower_bound']}"]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return stem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["heuristic", "cpsat"], default="heuristic")
    parser.add_argument("--sets", default="j30,j60", help="comma-separated: j30,j60")
    parser.add_argument("--limit", type=int, default=0, help="only the first N instances of each set (interleaved)")
    parser.add_argument("--order", choices=["interleaved", "file"], default="interleaved")
    parser.add_argument("--effort", type=float, default=DEFAULT_EFFORT, help="CP-SAT: deterministic time")
    parser.add_argument("--time-limit", type=float, default=None, help="CP-SAT: wall-time safety cap (s), none")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT: search workers")
    parser.add_argument(
        "--max-schedules",
        type=int,
        default=None,
        help=f"SGS passes: heuristic {DEFAULT_MAX_SCHEDULES}, CP-SAT's warm start {HINT_SCHEDULES} per worker",
    )
    parser.add_argument("--heuristic-time", type=float, default=None, help="heuristic: wall-time safety cap (s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--resume", action="store_true", help="keep the rows of the partial file and go on")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the .json/.md from the partial file, run nothing"
    )
    args = parser.parse_args(argv)
    if args.max_schedules is None:
        args.max_schedules = DEFAULT_MAX_SCHEDULES if args.mode == "heuristic" else HINT_SCHEDULES

    args.out.mkdir(parents=True, exist_ok=True)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    files: list[Path] = []
    for s in sets:
        chosen = instances(args.data, [s], args.order)
        files.extend(chosen[: args.limit] if args.limit else chosen)
    partial = args.out / f"leveling-{args.mode}.partial.jsonl"
    rows: list[dict[str, Any]] = []
    if (args.resume or args.report_only) and partial.exists():
        rows = [json.loads(line) for line in partial.read_text().splitlines() if line.strip()]
    else:
        partial.write_text("")
    done = {str(r["instance"]) for r in rows}
    settings = (
        f"max_schedules={args.max_schedules}, wall cap {args.heuristic_time} s, seed {args.seed}"
        if args.mode == "heuristic"
        else f"effort={args.effort} (deterministic time), workers={args.workers}, heuristic "
        f"max_schedules={args.max_schedules}, wall cap {args.time_limit} s, seed {args.seed}"
    )
    meta: dict[str, Any] = {
        "command": " ".join([".venv/bin/python", "bench/leveling.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": f"{platform.processor() or platform.machine()} {platform.system()} {platform.release()}",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
    }
    if args.resume and done:
        meta["resumed_rows"] = sorted({f"{r['set']}" for r in rows})
        meta["resumed_count"] = len(done)
    if args.report_only:
        previous = args.out / f"leveling-{args.mode}.json"
        if previous.exists():
            meta = json.loads(previous.read_text())["meta"]
        files = []
    todo = [f for f in files if f.name not in done]
    if todo:
        warm_up()  # compile (or load) the kernel outside the timed calls
    with partial.open("a") as sink:
        for path in tqdm(todo, desc=f"{args.mode}", unit="inst", disable=args.quiet, dynamic_ncols=True):
            row = run_one(path, args)
            rows.append(row)
            sink.write(json.dumps(row) + "\n")
            sink.flush()
    if not args.report_only:
        meta["load_end"] = [round(x, 2) for x in os.getloadavg()]
    stem = write_reports(args, rows, meta)
    print(stem.with_suffix(".md").read_text())
    return 0 if all(r["valid"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
