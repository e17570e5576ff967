"""Config edges through `cli.py check`: upper bounds, ports, ids equal but for case, duplicate
orgs, token variables of the wrong shape, and `data_dir` moving the default folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main

TOKEN_ENV = "GHMC_TEST_TOKEN_EDGES"
ENT = f"""
[[enterprises]]
id = "contoso"
api_url = "http://127.0.0.1:9"
token_env = "{TOKEN_ENV}"
orgs = ["web"]
"""


def check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, token: str = "ghp_x"
) -> tuple[int, str, str]:
    """Write config.toml, run `check` in-process; return (exit code, stdout, stderr)."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(TOKEN_ENV, token)
        with pytest.raises(SystemExit) as done:
            main(["--config", str(path), "check"])
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("history_days = 999999999\n" + ENT, "history_days: must be at most 3660"),
        (ENT + "[retention]\nraw_days = 99999999\n", "retention.raw_days: must be at most"),
        (ENT + "[retention]\nlogs_days = 40000\n", "retention.logs_days: must be at most"),
        (ENT + "[export]\nkeep_days = 10000000\n", "export.keep_days: must be at most"),
        (ENT + "[backup]\nkeep_days = 10000000\n", "backup.keep_days: must be at most"),
        (ENT + "[backup]\nkeep_weeks = 10000000\n", "backup.keep_weeks: must be at most"),
        (ENT.replace("127.0.0.1:9", "127.0.0.1:99999"), "enterprises[0].api_url: "),
        (ENT.replace("127.0.0.1:9", "127.0.0.1:0"), "enterprises[0].api_url: "),
        (ENT.replace("127.0.0.1:9", "127.0.0.1:x"), "enterprises[0].api_url: "),
        (ENT + ENT.replace('"contoso"', '"Contoso"'), "enterprises[1].id: duplicate id"),
        (ENT.replace('["web"]', '["web", "Web"]'), "enterprises[0].orgs: 'Web' is listed twice"),
        (
            ENT + ENT.replace('"contoso"', '"fabrikam"'),
            "enterprises[1].orgs: 'web' is listed also in enterprise 'contoso'",
        ),
    ],
)
def test_out_of_range_or_duplicate_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    """Each value that would fail later (overflow, retry loop, double counting) is exit 2 at
    `check`, with a message naming the key and no traceback."""
    code, _, err = check(tmp_path, capsys, text)
    assert code == 2, err
    assert key in err
    assert "Traceback" not in err


def test_same_org_on_two_hosts_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An org name may repeat in enterprises on different API hosts (different GitHubs)."""
    other = ENT.replace('"contoso"', '"ghes"').replace("127.0.0.1:9", "127.0.0.1:10")
    code, out, err = check(tmp_path, capsys, ENT + other)
    assert (code, err) == (0, "")
    assert "enterprise ghes" in out


def test_bounds_themselves_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The largest allowed values pass `check` (the bounds are inclusive)."""
    text = "history_days = 3660\n" + ENT + "[retention]\nraw_days = 36500\n"
    code, _, err = check(tmp_path, capsys, text.replace("127.0.0.1:9", "127.0.0.1:65535"))
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    "token",
    [
        "ghp_abc\ndef",
        "ghp_abc\r\n",
        " ghp_abc",
        "ghp_abc def",
        "ghp_abc\tdef",
        "ghp_abc\x07def",
        "ghp_abc\x7fdef",
        "ghp_abcdéf",
        "ghp_abc\u200bdef",
        "ghp_abc\u2028def",
    ],
)
def test_token_of_the_wrong_shape_is_exit_2_without_echo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], token: str
) -> None:
    """A token variable holding whitespace, control or non-ASCII characters is refused at
    start, naming the variable and never showing any part of the value."""
    code, out, err = check(tmp_path, capsys, ENT, token=token)
    assert code == 2
    assert TOKEN_ENV in err
    assert "whitespace, control or non-ASCII" in err
    assert "ghp_abc" not in out + err
    assert not (tmp_path / "data").exists()


def test_data_dir_moves_export_and_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without [export] dir / [backup] dir, both live under data_dir, so two configs with
    their own data_dir in one folder never overwrite each other's export."""
    code, out, _ = check(tmp_path, capsys, 'data_dir = "team-a"\n' + ENT)
    assert code == 0
    assert f"export:       {tmp_path / 'team-a' / 'export'} " in out
    assert f"backup:       {tmp_path / 'team-a' / 'backup'} " in out


def test_explicit_dirs_still_win(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Set keys are taken as written (relative to the config's folder), not under data_dir."""
    text = 'data_dir = "team-a"\n' + ENT + '[export]\ndir = "out"\n[backup]\ndir = "bk"\n'
    code, out, _ = check(tmp_path, capsys, text)
    assert code == 0
    assert f"export:       {tmp_path / 'out'} " in out
    assert f"backup:       {tmp_path / 'bk'} " in out
