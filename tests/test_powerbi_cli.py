"""`ghmc powerbi`: thin command, exit codes, the PBIP folder and its zip (design §7)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import cli


def _config(tmp_path: Path, onedrive: str = "") -> Path:
    cfg = tmp_path / "config.toml"
    extra = f'[export]\nonedrive_dir = "{onedrive}"\n' if onedrive else ""
    cfg.write_text(
        'data_dir = "data"\n[[enterprises]]\nid = "contoso"\ntoken_env = "GHMC_T"\n'
        'orgs = ["web"]\n' + extra
    )
    return cfg


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    return int(done.value.code or 0)


def _tree(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".zip"
    }


def test_powerbi_writes_folder_and_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`powerbi --out DIR` exits 0, writes the .pbip, model and report, and a zip of the same."""
    out = tmp_path / "pbi"
    assert _run(["--config", str(_config(tmp_path)), "powerbi", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out / "ghmc.pbip") in printed
    assert str(out / "ghmc-powerbi.zip") in printed
    files = _tree(out)
    assert {
        "ghmc.pbip",
        "ghmc.SemanticModel/definition.pbism",
        "ghmc.Report/definition.pbir",
    } < files
    assert "ghmc.SemanticModel/definition/tables/dora_metrics.tmdl" in files
    with zipfile.ZipFile(out / "ghmc-powerbi.zip") as archive:
        assert set(archive.namelist()) == files
        pbip = json.loads(archive.read("ghmc.pbip"))
    assert pbip["artifacts"] == [{"report": {"path": "ghmc.Report"}}]


def test_powerbi_default_folder_and_parameter(tmp_path: Path) -> None:
    """Without --out it goes to <data_dir>/powerbi; the parameter is the OneDrive folder."""
    assert _run(["--config", str(_config(tmp_path, "onedrive")), "powerbi"]) == 0
    expressions = tmp_path / "data/powerbi/ghmc.SemanticModel/definition/expressions.tmdl"
    first = expressions.read_text().splitlines()[0]
    assert first.startswith(f'expression GhmcSource = "{(tmp_path / "onedrive").resolve()}"')


def test_powerbi_sharepoint_source(tmp_path: Path) -> None:
    """`--source sharepoint` makes the parameter default a SharePoint URL to replace."""
    out = tmp_path / "pbi"
    args = ["--config", str(_config(tmp_path)), "powerbi", "--out", str(out)]
    assert _run([*args, "--source", "sharepoint"]) == 0
    text = (out / "ghmc.SemanticModel/definition/expressions.tmdl").read_text()
    assert 'expression GhmcSource = "https://' in text


def test_powerbi_rewrite_is_identical(tmp_path: Path) -> None:
    """Writing twice gives the same zip bytes and leaves no temporary entries behind."""
    out = tmp_path / "pbi"
    args = ["--config", str(_config(tmp_path)), "powerbi", "--out", str(out)]
    assert _run(args) == 0
    first = (out / "ghmc-powerbi.zip").read_bytes()
    assert _run(args) == 0
    assert (out / "ghmc-powerbi.zip").read_bytes() == first
    assert sorted(p.name for p in out.iterdir()) == [
        ".gitignore",
        "ghmc-powerbi.zip",
        "ghmc.Report",
        "ghmc.SemanticModel",
        "ghmc.pbip",
    ]


def test_powerbi_bad_source_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown --source is exit 2 with click's message naming the choices."""
    args = ["--config", str(_config(tmp_path)), "powerbi", "--source", "ftp"]
    assert _run(args) == 2
    assert "folder" in capsys.readouterr().err


def test_powerbi_unwritable_out_is_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --out that cannot be created (a file is in the way) is exit 1 with a message."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = str(blocker / "pbi")
    assert _run(["--config", str(_config(tmp_path)), "powerbi", "--out", out]) == 1
    err = capsys.readouterr().err
    assert "cannot write the Power BI project" in err
    assert "Traceback" not in err
