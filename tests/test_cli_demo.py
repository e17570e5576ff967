"""`demo` refuses to wipe a folder it did not make."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main


def test_demo_refuses_foreign_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A non-empty --dir without the demo marker is exit 2, and nothing in it is touched."""
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["demo", "--dir", str(tmp_path), "--days", "1"])
    assert done.value.code == 2
    assert "--dir" in capsys.readouterr().err
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me"
