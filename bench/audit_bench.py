"""Cost of the read-only `audit sql` path: the auditor's SQL over a pyarrow stream in a sealed-off
DuckDB (`archive.duck.query`) against DuckDB scanning the segment files itself (`duck.connect`,
the scan the earlier allow-list sandbox ran). Each run is a fresh process; runs are interleaved.

    python bench/projection_bench.py --phase generate --dir /tmp/pb --days 90 --groups 8 --repos 16
    python bench/audit_bench.py --raw /tmp/pb/raw --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "count": "SELECT count(*) FROM events",
    "per_kind": "SELECT kind, count(*), sum(body_size) FROM events GROUP BY kind ORDER BY kind",
    "body_like": "SELECT count(*) FROM events WHERE body LIKE '%merged_at%'",
}


def one(raw: str, path: str, sql: str) -> dict[str, float]:
    """Run `sql` once by `path` (`stream` or `files`) in this process; return seconds, peak MB."""
    sys.path.insert(0, str(ROOT))
    from archive import duck

    started = time.perf_counter()
    if path == "stream":
        _, rows = duck.query(raw, sql)
    else:
        con = duck.connect(raw)
        rows = con.execute(sql).fetchall()
        con.close()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak, "rows": len(rows)}


def main() -> None:
    """Interleave both paths over every query; print each run and the ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--one", nargs=2, metavar=("PATH", "QUERY"))
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.raw, a.one[0], QUERIES[a.one[1]])))
        return
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    print(f"load before {os.getloadavg()[0]:.1f}")
    for _ in range(a.rounds):
        for name in QUERIES:
            for path in ("files", "stream"):
                cmd = [sys.executable, __file__, "--raw", a.raw, "--one", path, name]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                got = json.loads(out.strip().splitlines()[-1])
                results.setdefault((name, path), []).append(got)
                print(name, path, got, flush=True)
    print(f"load after {os.getloadavg()[0]:.1f}")
    for name in QUERIES:
        files = min(r["seconds"] for r in results[(name, "files")])
        stream = min(r["seconds"] for r in results[(name, "stream")])
        mem_f = max(r["peak_mb"] for r in results[(name, "files")])
        mem_s = max(r["peak_mb"] for r in results[(name, "stream")])
        print(
            f"| {name} | {files:.2f} s, {mem_f:.0f} MB | {stream:.2f} s, {mem_s:.0f} MB "
            f"| {stream / files:.2f}x |"
        )


if __name__ == "__main__":
    main()
