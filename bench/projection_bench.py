"""Benchmark: full projection rebuild vs the floor (decompress + orjson-parse every event).

    python bench/projection_bench.py [--days 60] [--groups 6] [--repos 12] [--dir /tmp/ghmc-bench]
        [--keep] [--phases floor,onepass,floor,onepass] [--base DIR --phases onepass@base,onepass]

Phases run in separate processes so each reports its own peak RSS:
  generate  a synthetic archive through archive.ArchiveWriter (testkit.fakes scenarios)
  floor     read every segment: zstd-decompress + orjson.loads of each envelope AND its body
  floor2    the same floor with the segment files dealt to 2 processes (the parallel floor)
  rebuild   projections.project(raw, db) full rebuild with the defaults (processes, shares and
            the Copilot side process chosen from the machine and the archive size)
  onepass   one process, one share, no side process: a single pass over the archive
  workers2  two worker processes, one share each
The load average is printed before and after: other work on the machine skews every figure.
  duckdb    DuckDB parsing every body as JSON through archive.duck's `events` view (comparison)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(raw: Path, days: int, groups: int, repos: int) -> dict[str, float]:
    """Write `groups` scenarios (one enterprise each) through the archive writer."""
    from testkit import fakes
    from testkit.archive import write_archive

    n = 0
    t = time.perf_counter()
    for g in range(groups):
        events = fakes.scenario(
            random.Random(g), days=days, orgs=2, repos_per_org=repos // 2, enterprise_id=f"ent{g}"
        )
        write_archive(events, raw)
        n += len(events)
    size = sum(p.stat().st_size for p in raw.rglob("*.ndjson.zst"))
    return {"events": n, "archive_mb": size / 1e6, "seconds": time.perf_counter() - t}


def floor(raw: Path, share: tuple[int, int] = (0, 1)) -> dict[str, float]:
    """Decompress and orjson-parse every envelope and every JSON body (of one share of files)."""
    import orjson
    import zstandard

    t = time.perf_counter()
    n = raw_bytes = 0
    dctx = zstandard.ZstdDecompressor()
    files = sorted(raw.rglob("*.ndjson.zst"), key=lambda p: (-p.stat().st_size, p))
    for path in files[share[0] :: share[1]]:
        with path.open("rb") as fh, dctx.stream_reader(fh, read_across_frames=True) as rd:
            buf = b""
            while chunk := rd.read(1 << 20):
                buf += chunk
                lines = buf.split(b"\n")
                buf = lines.pop()
                for line in lines:
                    env = orjson.loads(line)
                    raw_bytes += len(line)
                    body = env.get("body")
                    if body and env.get("kind") != "copilot.report_file":
                        orjson.loads(body)
                    elif body:
                        for rec in body.splitlines():
                            if rec:
                                orjson.loads(rec)
                    n += 1
    return {
        "events": n,
        "mb": raw_bytes / 1e6,
        "seconds": time.perf_counter() - t,
        "peak_rss_mb": _rss_mb(),
    }


def floor2(raw: Path) -> dict[str, float]:
    """The floor on 2 processes: files dealt largest first, wall time of the slower one."""
    from concurrent.futures import ProcessPoolExecutor

    t = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        parts = list(pool.map(floor, [raw, raw], [(0, 2), (1, 2)]))
    return {
        "events": sum(p["events"] for p in parts),
        "seconds": time.perf_counter() - t,
        "peak_rss_mb": max(p["peak_rss_mb"] for p in parts),
    }


def rebuild(
    raw: Path, db: Path, workers: int | None = None, shares: int | None = None
) -> dict[str, float]:
    """One full projections.project rebuild."""
    from projections import Settings, project

    db.unlink(missing_ok=True)
    t = time.perf_counter()
    report = project(
        raw,
        db,
        Settings(),
        progress=lambda _line: None,
        workers=workers,
        shares=shares,
        side=False if workers == 1 else None,
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": time.perf_counter() - t,
        "rows": sum(report.rows.values()),
        "peak_rss_mb": _rss_mb(),
        "worker_peak_rss_mb": children,
    }


def duck(raw: Path) -> dict[str, float]:
    """DuckDB: parse every JSON body of the repository kinds (the engine alternative)."""
    from archive import duck as aduck

    t = time.perf_counter()
    con = aduck.connect(raw)
    (n,) = con.execute(
        "SELECT count(json_type(body::JSON)) FROM events "
        "WHERE body IS NOT NULL AND kind <> 'copilot.report_file'"
    ).fetchone()
    return {"seconds": time.perf_counter() - t, "bodies": n, "peak_rss_mb": _rss_mb()}


PHASES = ("floor", "floor2", "rebuild", "onepass", "workers2", "duckdb")


def _phase(name: str, *args: str, base: str | None = None) -> dict[str, float]:
    """Run one phase in a fresh process: `name@base` runs the copy of this script in the `--base`
    tree (another version of ghmc, e.g. `git archive main | tar -x -C DIR`) on the same archive."""
    script = __file__
    if name.endswith("@base"):
        if base is None:
            raise SystemExit(f"{name}: give --base DIR")
        name, script = name.removesuffix("@base"), str(Path(base) / "bench" / Path(__file__).name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, script, "--phase", name, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    # CPU time of the phase's process tree (user + system): steadier than wall time on a
    # loaded machine, and measured the same way for every version of the script.
    result["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> None:
    """Run every phase and print the figures (and a Markdown line for bench/RESULTS.md)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--groups", type=int, default=6)
    ap.add_argument("--repos", type=int, default=12)
    ap.add_argument("--dir", default="/tmp/ghmc-projection-bench")
    ap.add_argument("--phase", default=None)
    ap.add_argument("--keep", action="store_true", help="reuse an existing archive")
    ap.add_argument("--base", default=None, help="tree of another ghmc version for `PHASE@base`")
    ap.add_argument(
        "--phases",
        default=",".join(PHASES),
        help="comma-separated phases to run, in this order (repeat one to interleave runs); "
        "the summary uses the last run of each",
    )
    a = ap.parse_args()
    work = Path(a.dir)
    raw, db = work / "raw", work / "metrics.db"
    if a.phase:
        fn = {
            "generate": lambda: generate(raw, a.days, a.groups, a.repos),
            "floor": lambda: floor(raw),
            "floor2": lambda: floor2(raw),
            "rebuild": lambda: rebuild(raw, db),
            "onepass": lambda: rebuild(raw, db, workers=1, shares=1),
            "workers2": lambda: rebuild(raw, db, workers=2, shares=2),
            "duckdb": lambda: duck(raw),
        }[a.phase]
        print(json.dumps(fn()))
        return
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    common = [
        "--dir",
        a.dir,
        "--days",
        str(a.days),
        "--groups",
        str(a.groups),
        "--repos",
        str(a.repos),
    ]
    gen = _phase("generate", *common) if not a.keep else {}
    load_before = os.getloadavg()
    got: dict[str, dict[str, float]] = {}
    runs: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for name in a.phases.split(","):
        got[name] = _phase(name, *common, base=a.base)
        runs.setdefault(name, []).append(got[name]["seconds"])
        cpu.setdefault(name, []).append(got[name]["cpu_seconds"])
        print(f"{name}: {json.dumps(got[name])}", flush=True)
    load_after = os.getloadavg()
    print(json.dumps({"generate": gen, **got}, indent=1))
    for name, secs in runs.items():
        base = runs.get(f"{name}@base")
        if base and not name.endswith("@base"):
            ratio = min(secs) / min(base)
            mine, theirs = sorted(cpu[name]), sorted(cpu[f"{name}@base"])
            print(
                f"{name}: wall best {min(secs):.2f} s vs {min(base):.2f} s @base = {ratio:.3f}×; "
                f"cpu median {mine[len(mine) // 2]:.2f} s vs {theirs[len(theirs) // 2]:.2f} s "
                f"= {mine[len(mine) // 2] / theirs[len(theirs) // 2]:.3f}× "
                f"(runs {len(secs)} / {len(base)})"
            )
    fl = got.get("floor")
    extra = [f"{k} {got[k]['seconds']:.2f} s" for k in ("floor2", "duckdb") if k in got]
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    if fl is not None:
        print(
            f"{fl['events']:,} events, {fl['mb']:.0f} MB; floor {fl['seconds']:.2f} s"
            + "".join(f"; {e}" for e in extra)
        )
    for name in ("rebuild", "onepass", "workers2"):
        if name not in got or fl is None:
            continue
        rb = got[name]
        print(
            f"  {name}: {rb['seconds']:.2f} s = {rb['seconds'] / fl['seconds']:.2f}× floor, "
            f"peak RSS {rb['peak_rss_mb']:.0f} MB (worker {rb['worker_peak_rss_mb']:.0f} MB), "
            f"{rb['rows']:,} rows"
        )


if __name__ == "__main__":
    main()
