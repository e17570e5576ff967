"""config.toml validation: every mistake is exit 2 with a message naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import config

TOKEN_ENV = "GHMC_TEST_TOKEN_CFG"
GOOD = f"""
data_dir = "data"
[[enterprises]]
id = "contoso"
api_url = "http://127.0.0.1:9"
token_env = "{TOKEN_ENV}"
orgs = ["web"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run_check(path: Path, env_token: str | None = "x") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin"}
    if env_token is not None:
        env[TOKEN_ENV] = env_token
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        [sys.executable, str(root / "cli.py"), "--config", str(path), "check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=root,
    )


def test_good_config_loads_with_defaults(tmp_path: Path) -> None:
    """A minimal config gets the documented defaults and paths relative to the file."""
    cfg = config.load(_write(tmp_path, GOOD), check_env=False)
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.raw_dir == tmp_path / "data" / "raw"
    assert cfg.history_days == 90
    assert cfg.api_version == "2022-11-28"
    ent = cfg.enterprises[0]
    assert (ent.slug, ent.repos, ent.exclude_repos) == ("contoso", ("*",), ())
    assert cfg.dora.production_environments == ("production", "prod")
    assert cfg.export.onedrive_dir is None
    assert cfg.export.dir == tmp_path / "data" / "export"


def test_example_config_is_valid(project_root: Path) -> None:
    """The shipped config.example.toml passes validation (tokens aside)."""
    cfg = config.load(project_root / "config.example.toml", check_env=False)
    assert [e.id for e in cfg.enterprises] == ["contoso", "fabrikam"]


BAD_CASES = [
    ("colour = 1\n" + GOOD, "colour"),
    (GOOD.replace('data_dir = "data"', "data_dir = 5"), "data_dir"),
    (GOOD.replace('orgs = ["web"]', 'orgs = "web"'), "orgs"),
    (GOOD.replace("http://127.0.0.1:9", "http://github.example.com"), "api_url"),
    (GOOD.replace("http://127.0.0.1:9", "ftp://x"), "api_url"),
    (GOOD + "[dora]\nbenchmark = '2019'\n", "dora.benchmark"),
    (GOOD + "[dora]\nfoo = 1\n", "dora.foo"),
    (GOOD + "[export]\nkeep_days = 'x'\n", "export.keep_days"),
    (GOOD + "[billing]\nper_user = 1\n", "billing.per_user"),
    (GOOD + GOOD.split("data_dir", 1)[1].split("\n", 1)[1], "duplicate id"),
    (GOOD.replace('id = "contoso"', 'id = "contoso"\nsecret = "x"'), "enterprises[0].secret"),
    ("history_days = 0\n" + GOOD, "history_days"),
    ("this is not toml", "invalid TOML"),
    ("data_dir = 'data'\n", "enterprises"),
]


@pytest.mark.parametrize(("text", "key"), BAD_CASES)
def test_bad_config_is_exit_2_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    """Each kind of config mistake exits 2 and the message names the offending key."""
    result = _run_check(_write(tmp_path, text))
    assert result.returncode == 2, result.stderr
    assert key in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_env_prefixiable_is_exit_2(tmp_path: Path) -> None:
    """An unset token variable is reported by name (not value) before any request."""
    result = _run_check(_write(tmp_path, GOOD), env_token=None)
    assert result.returncode == 2
    assert TOKEN_ENV in result.stderr
    assert "token_env" in result.stderr


def test_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    """A config path that does not exist says how to create one."""
    result = _run_check(tmp_path / "nope.toml")
    assert result.returncode == 2
    assert "config.example.toml" in result.stderr


def test_check_never_prints_the_token(tmp_path: Path) -> None:
    """`check` shows the token variable's name but never its value."""
    token = "ghp_sentinelTOKENvalue1234567890abcdef"
    result = _run_check(_write(tmp_path, GOOD), env_token=token)
    assert result.returncode == 0, result.stderr
    assert TOKEN_ENV in result.stdout
    assert token not in result.stdout + result.stderr


def test_repr_of_config_holds_no_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The config object never carries the token itself."""
    token = "ghp_reprSENTINEL000000000000000000000000"
    monkeypatch.setenv(TOKEN_ENV, token)
    cfg = config.load(_write(tmp_path, GOOD))
    assert token not in repr(cfg)
    assert cfg.enterprises[0].token() == token
