"""DORA, all of it: built on the repository activity snapshot (`activity`).

- `repo`: one repository's deployments, changes (lead time) and incidents, each definition beside
  its code with its source (dora.dev, DevLake);
- `tables`: those records as dora_deployments, dora_changes and dora_incidents rows;
- `metrics`: dora_metrics, the four keys and rework rate per repo, org and enterprise, by ISO week
  and month;
- `levels`: the performance levels by benchmark year (State of DevOps 2021, 2023, 2024);
- `schema`: the four tables' columns, keys and indexes.
"""

from projections.definitions.dora import schema

TABLES = tuple(t.name for t in schema.TABLES)
BUILT_ON = ("activity",)
