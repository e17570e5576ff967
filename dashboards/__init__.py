"""Dashboards: views of metrics.db and the projection table registry (design §2); they compute no
metric that metrics.db does not hold. `dashboards.report` writes the offline HTML report."""
