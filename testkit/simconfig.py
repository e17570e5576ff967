"""A config.toml for every enterprise a running simulator serves (tests and benchmarks)."""

from __future__ import annotations

from pathlib import Path

from sim import Simulator


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def write_sim_config(
    sim: Simulator,
    folder: Path,
    *,
    env_prefix: str,
    history_days: int,
    data_dir: str | Path = "data",
    repos: list[str] | None = None,
    tokens: dict[str, str] | None = None,
    extra: str = "",
) -> tuple[Path, dict[str, str]]:
    """Write `folder/config.toml`: `data_dir`, `history_days`, one `[[enterprises]]` table per
    simulated enterprise (all its orgs; `repos` if given) reading its token from
    `<env_prefix><index>`, then `extra`. Returns the path and the token variables to set (the
    simulator's tokens, or `tokens[enterprise]` where given)."""
    env: dict[str, str] = {}
    lines = [f'data_dir = "{data_dir}"', f"history_days = {history_days}", ""]
    for i, slug in enumerate(sim.enterprises):
        var = f"{env_prefix}{i}"
        env[var] = (tokens or {}).get(slug) or sim.token(slug)
        lines += [
            "[[enterprises]]",
            f'id = "{slug}"',
            f'api_url = "{sim.base_url}"',
            f'token_env = "{var}"',
            f"orgs = {_toml_list(list(sim.orgs(slug)))}",
            *([f"repos = {_toml_list(repos)}"] if repos is not None else []),
            "",
        ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return path, env
