"""A deterministic GitHub API simulator (stdlib only). See sim/README.md."""

from sim.config import FaultConfig, SimConfig
from sim.simulator import Simulator

__all__ = ["FaultConfig", "SimConfig", "Simulator"]
