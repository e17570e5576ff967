"""Rules shared by every definition: latest fetch wins (`observe`), median and percentiles
(`stats`), UTC days, ISO weeks and durations (`timeutil`). A change here re-versions every table."""

TABLES: tuple[str, ...] = ()
BUILT_ON: tuple[str, ...] = ()
