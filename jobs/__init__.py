"""jobs: the daily job and the demo, the two places besides cli.py that use every package.

    from jobs.daily import run_daily          ingest → project → export → backup → clean-up
    from jobs.demo import run_demo            the daily job for N days against the simulator

Design §2 keeps `export` reading only metrics.db and `archive` importing nothing of the project,
so the orchestration that calls ingest, projections, export and archive in turn lives here rather
than in one of them; cli.py stays a thin layer of options and exit codes over it. Nothing here
knows about exit codes: a step's error is handed back, and cli.py maps it (design §7).
"""
