"""`python -m sim serve --seed S --today YYYY-MM-DD --scale small|medium|large …`"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import signal
import sys
import threading

from sim.config import SCALES, FaultConfig, SimConfig
from sim.simulator import Simulator


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m sim", description="A deterministic GitHub API simulator."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="serve the API and report downloads on loopback until interrupted"
    )
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument(
        "--today", type=dt.date.fromisoformat, default=dt.datetime.now(dt.UTC).date()
    )
    serve.add_argument("--scale", choices=sorted(SCALES), default="small")
    serve.add_argument(
        "--faults",
        type=FaultConfig.parse,
        default=FaultConfig(),
        help="e.g. rate=0.05,kinds=500|reset|secondary_429,patterns=/repos/*",
    )
    serve.add_argument("--latency-ms", type=int, default=0)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--download-port", type=int, default=0)
    serve.add_argument("--rate-limit", type=int, default=5000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the simulator and block until SIGINT/SIGTERM."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = SimConfig(
        seed=args.seed,
        today=args.today,
        scale=args.scale,
        faults=args.faults,
        latency_ms=args.latency_ms,
        port=args.port,
        download_port=args.download_port,
        rate_limit=args.rate_limit,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Simulator(config) as sim:
        lines = [
            f"api:       {sim.base_url}",
            f"downloads: {sim.download_base_url}",
            f"today:     {sim.today}",
        ]
        lines += [
            f"token {slug}: {sim.token(slug)}  orgs: {', '.join(sim.orgs(slug))}"
            for slug in sim.enterprises
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
