"""The configuration a projection depends on, as one small frozen record.

cli.py builds it from config.toml (`Settings.from_config(cfg)`); tests build it directly. It is part
of the determinism contract: metrics.db is a pure function of (archive, definitions, Settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BENCHMARKS = ("2021", "2023", "2024")


@dataclass(frozen=True, slots=True)
class Settings:
    """What the DORA and velocity definitions need from config.toml."""

    production_environments: tuple[str, ...] = ("production", "prod")
    deploy_workflows: tuple[str, ...] = ("deploy*",)
    incident_labels: tuple[str, ...] = ("incident",)
    benchmark: str = "2023"
    bots: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.benchmark not in BENCHMARKS:
            msg = f"dora.benchmark must be one of {', '.join(BENCHMARKS)}, not {self.benchmark!r}"
            raise ValueError(msg)

    @classmethod
    def from_config(cls, cfg: Any) -> Settings:
        """Build settings from a loaded `config.Config` (`cfg.dora.*`, `cfg.velocity.bots`)."""
        return cls(
            production_environments=tuple(cfg.dora.production_environments),
            deploy_workflows=tuple(cfg.dora.deploy_workflows),
            incident_labels=tuple(cfg.dora.incident_labels),
            benchmark=str(cfg.dora.benchmark),
            bots=tuple(cfg.velocity.bots),
        )

    def fingerprint(self) -> str:
        """A stable text form, stored in metrics.db so a config change triggers a rebuild."""
        return repr(
            (
                sorted(self.production_environments),
                sorted(self.deploy_workflows),
                sorted(self.incident_labels),
                self.benchmark,
                sorted(self.bots),
            )
        )
