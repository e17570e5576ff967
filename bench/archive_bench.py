"""Archive throughput: append and full read, against the plain zstd floor on the same bytes.

Pages are built from the official examples in ../shared/github-api/endpoints.json (each list
endpoint's example items, repeated to 30 or 100 per page with ids, numbers, shas, logins, titles
and timestamps varied), so sizes and redundancy look like real GitHub answers.

    python bench/archive_bench.py [--mb 300] [--dir /tmp]

Reports MB/s of raw body bytes for: zstd level-3 compress of the same bodies (one frame per body,
in memory) and streamed decompression of those frames (the floor), ArchiveWriter.append (to
disk, sealed at the end), read_events and read_dicts (full read in seq order, the consumer
touching every body), and verify_archive; plus the compression ratio (raw body bytes ÷ segment
bytes on disk). Each figure is the median of --repeat runs (min-max shown); the load average is
printed because the figures depend on whether the second core is free.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import archive  # the repo's package, whatever is installed
from archive import kinds

ENDPOINTS = Path(__file__).resolve().parents[2] / "shared" / "github-api" / "endpoints.json"
if not ENDPOINTS.exists():
    ENDPOINTS = Path("/work/shared/github-api/endpoints.json")

KIND_OF = {
    "/repos/{owner}/{repo}/pulls": kinds.REPO_PULLS,
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews": kinds.REPO_PULL_REVIEWS,
    "/repos/{owner}/{repo}/pulls/{pull_number}/commits": kinds.REPO_PULL_COMMITS,
    "/repos/{owner}/{repo}/commits": kinds.REPO_COMMITS,
    "/repos/{owner}/{repo}/actions/runs": kinds.REPO_WORKFLOW_RUNS,
    "/repos/{owner}/{repo}/deployments": kinds.REPO_DEPLOYMENTS,
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses": kinds.REPO_DEPLOYMENT_STATUSES,
    "/repos/{owner}/{repo}/releases": kinds.REPO_RELEASES,
    "/repos/{owner}/{repo}/issues": kinds.REPO_ISSUES,
    "/orgs/{org}/repos": kinds.ORG_REPOS,
    "/orgs/{org}/copilot/billing/seats": kinds.COPILOT_SEATS,
}
WORDS = [
    *("fix", "add", "update", "remove", "refactor", "bump", "docs", "test", "build", "deploy"),
    *("api", "cache", "auth", "login", "page", "service", "client", "server", "retry"),
    *("timeout", "metrics", "report", "copilot", "pipeline", "release", "hotfix"),
]
USERS = [f"dev{i:03d}" for i in range(200)]


REPOS = [f"{w}-{v}" for w in WORDS[:20] for v in ("api", "web", "svc", "lib", "infra")]


def _stamp(rng: random.Random) -> str:
    return (
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    )


def _vary(  # noqa: PLR0911 - one branch per kind of field
    value: Any, rng: random.Random, key: str = "", repo: str = "Hello-World"
) -> Any:
    """Return a copy of an example value with identifying fields varied."""
    if isinstance(value, dict):
        return {k: _vary(v, rng, k, repo) for k, v in value.items()}
    if isinstance(value, list):
        return [_vary(v, rng, key, repo) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and key in {"id", "number", "run_number", "pull_number"}:
        return rng.randrange(1, 10**9)
    if isinstance(value, str):
        if key in {"sha", "head_sha", "node_id", "commit_id", "tree_id"}:
            return hashlib.sha1(rng.randbytes(8)).hexdigest()  # noqa: S324 - fake sha
        if key.endswith("_at") or key == "date":
            return _stamp(rng)
        if key in {"login", "name"}:
            return rng.choice(USERS)
        if key in {"title", "message", "body"}:
            return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
        if "Hello-World" in value or "octocat" in value:
            return value.replace("Hello-World", repo).replace("octocat", rng.choice(USERS))
    if isinstance(value, int) and not isinstance(value, bool) and value > 1000:
        return rng.randrange(1000, 10**9)
    return value


def _examples() -> list[tuple[str, str, list[Any] | dict[str, Any]]]:
    data = json.loads(ENDPOINTS.read_text(encoding="utf-8"))
    found = []
    for path, kind in KIND_OF.items():
        content = data[path]["responses"]["200"]["content"]["application/json"]
        found.append((path, kind, content["examples"]["default"]["value"]))
    return found


def build_pages(total_bytes: int, seed: int = 7) -> list[tuple[str, str, bytes]]:
    """Return (path, kind, body) pages adding up to about `total_bytes`."""
    rng = random.Random(seed)
    examples = _examples()
    pages: list[tuple[str, str, bytes]] = []
    size = 0
    while size < total_bytes:
        path, kind, example = rng.choice(examples)
        repo = rng.choice(REPOS)
        count = rng.choice((5, 17, 30, 30, 100))
        if isinstance(example, dict):  # wrapped lists: {"total_count": n, "workflow_runs": [...]}
            key = next(k for k, v in example.items() if isinstance(v, list))
            items = [_vary(rng.choice(example[key]), rng, repo=repo) for _ in range(count)]
            body: Any = {**example, key: items, "total_count": rng.randrange(100, 5000)}
        else:
            body = [_vary(rng.choice(example), rng, repo=repo) for _ in range(count)]
        raw = json.dumps(body, indent=2 if rng.random() < 0.5 else None).encode()
        pages.append((path, kind, raw))
        size += len(raw)
    return pages


def _headers(rng: random.Random, size: int) -> dict[str, str]:
    return {
        "content-type": "application/json; charset=utf-8",
        "content-length": str(size),
        "etag": f'W/"{rng.randbytes(16).hex()}"',
        "last-modified": "Wed, 25 Nov 2026 08:00:00 GMT",
        "link": '<https://api.github.com/repositories/1/pulls?page=2>; rel="next", '
        '<https://api.github.com/repositories/1/pulls?page=9>; rel="last"',
        "x-github-api-version-selected": "2022-11-28",
        "x-ratelimit-limit": "15000",
        "x-ratelimit-remaining": str(rng.randrange(15000)),
        "x-ratelimit-reset": "1795680000",
        "x-ratelimit-used": "12",
        "x-ratelimit-resource": "core",
        "x-github-request-id": rng.randbytes(10).hex().upper(),
        "cache-control": "private, max-age=60, s-maxage=60",
        "vary": "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding, X-Requested-With",
        "strict-transport-security": "max-age=31536000; includeSubdomains; preload",
        "x-content-type-options": "nosniff",
        "server": "github.com",
    }


def _timed(label: str, nbytes: int, fn: Any, repeat: int, setup: Any = None) -> float:
    """Run `fn` `repeat` times (after `setup`, untimed); print and return the median MB/s."""
    rates = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        rates.append(nbytes / (time.perf_counter() - start) / 1e6)
    rate = statistics.median(rates)
    spread = f"{min(rates):.0f}-{max(rates):.0f}" if repeat > 1 else ""
    print(f"{label:<34} {rate:9.1f} MB/s  (median of {repeat}; {spread})")
    return rate


def _read_events(raw: Path) -> int:
    """What a consumer does: every event, with its body text at hand."""
    return sum(len(ev.body or "") for ev in archive.read_events(raw))


def _read_dicts(raw: Path) -> int:
    return sum(len(env["body"] or "") for env in archive.read_dicts(raw))


def _stream(pages: list[tuple[str, str, bytes]], repeat: int) -> Iterator[tuple[str, str, bytes]]:
    for _ in range(repeat):
        yield from pages


def _decompress_all(frames: list[bytes], repeat: int) -> None:
    """Stream-decompress the frames as `zstd -dc` would: 4 MB chunks, across frame borders."""
    blob = b"".join(frames)
    dctx = zstandard.ZstdDecompressor()
    for _ in range(repeat):
        reader = dctx.stream_reader(io.BytesIO(blob), read_across_frames=True)
        while reader.read(4 * 1024 * 1024):
            pass


def _append_all(raw: Path, pool: list[tuple[str, str, bytes]], repeat: int) -> None:
    rng = random.Random(1)
    heads = [_headers(rng, len(b)) for _, _, b in pool]
    with archive.ArchiveWriter.open(raw) as w:
        for i, (path, kind, body) in enumerate(_stream(pool, repeat)):
            w.append(
                kind=kind,
                run_id="bench",
                fetched_at=f"2026-11-25T08:{i // 600000 % 60:02d}:00.{i % 1000000:06d}Z",
                enterprise_id="contoso",
                org="contoso-web",
                repo="contoso-web/app",
                request={
                    "method": "GET",
                    "url": f"https://api.github.com{path}?per_page=100&page=1",
                    "path": path,
                    "params": {},
                    "query": {"per_page": "100", "page": "1"},
                    "headers": {"accept": "application/vnd.github+json"},
                    "api_version": "2022-11-28",
                    "page": 1,
                    "credential": "0123456789abcdef",
                },
                response={"status": 200, "headers": heads[i % len(pool)], "elapsed_ms": 180},
                body=body,
            )


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--mb", type=int, default=300, help="raw body megabytes to write")
    parser.add_argument("--pool-mb", type=int, default=60, help="distinct page megabytes")
    parser.add_argument("--dir", default=None, help="where to build the archive (a temp dir)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    args = parser.parse_args()
    n = args.repeat
    pool = build_pages(min(args.pool_mb, args.mb) * 1_000_000)
    pool_bytes = sum(len(p[2]) for p in pool)
    repeat = max(1, round(args.mb * 1_000_000 / pool_bytes))
    total = pool_bytes * repeat
    print(f"{len(pool) * repeat} pages, {total / 1e6:.0f} MB of bodies ({len(pool)} distinct)")

    cctx = zstandard.ZstdCompressor(level=3)
    frames = [cctx.compress(b) for _, _, b in pool]  # warm-up, and the frames to decompress
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    floor_c = _timed(
        "floor: zstd-3 compress",
        total,
        lambda: [cctx.compress(b) for _, _, b in _stream(pool, repeat)],
        n,
    )
    floor_d = _timed(
        "floor: zstd decompress (streamed)", total, lambda: _decompress_all(frames, repeat), n
    )
    plain_ratio = pool_bytes / sum(len(f) for f in frames)

    workdir = Path(tempfile.mkdtemp(prefix="ghmc-bench-", dir=args.dir))
    raw = workdir / "raw"
    append = _timed(
        "archive: append (to disk, sealed)",
        total,
        lambda: _append_all(raw, pool, repeat),
        n,
        setup=lambda: shutil.rmtree(raw, ignore_errors=True),
    )
    stats = archive.archive_stats(raw)
    read_e = _timed("archive: read_events (all, body)", total, lambda: _read_events(raw), n)
    read_d = _timed("archive: read_dicts (all, body)", total, lambda: _read_dicts(raw), n)
    _timed("archive: verify_archive", total, lambda: archive.verify_archive(raw), 1)
    stored = stats.bytes_stored / 1e6
    print(f"segments {stats.segments}, events {stats.events}, stored {stored:.1f} MB")
    print(
        f"ratio: archive {stats.ratio or 0:.1f}x "
        f"(plain zstd-3, one frame per page: {plain_ratio:.1f}x)"
    )
    print(f"append = {append / floor_c:.0%} of the zstd compress floor")
    print(
        f"read_events = {read_e / floor_d:.0%}, read_dicts = {read_d / floor_d:.0%} "
        "of the decompress floor"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
