"""Repository activity: the event kinds DORA and velocity read (`snapshot.KINDS`), kept as the
latest known state of each PR, review, commit, run, deployment, status and issue, sliced per
repository (`snapshot.slices`). Defines no table itself; `dora` and `velocity` are built on it."""

TABLES: tuple[str, ...] = ()
BUILT_ON: tuple[str, ...] = ()
