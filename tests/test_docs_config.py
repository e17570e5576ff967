"""The configuration reference (docs/configuration.md) and config.example.toml agree with config.py.

Every key of config.example.toml is documented; every documented key is accepted by config.py,
and its documented default (when the row gives a TOML value) is the default config.py uses;
every key config.py accepts is documented. The example itself loads.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from docs_support import ROOT, code_spans, table_under

import config as config_mod

REFERENCE = ROOT / "docs" / "configuration.md"
ROWS = table_under(REFERENCE, "Every key")
MINIMAL: dict[str, Any] = {
    "enterprises": [{"id": "contoso", "token_env": "GHMC_TOKEN_CONTOSO", "orgs": ["contoso-web"]}]
}
SCALARS = ("data_dir", "history_days", "api_version", "enterprises")


def documented() -> dict[str, str]:
    """Documented key (dotted, `enterprises.id` for keys of each [[enterprises]]) → default cell."""
    keys: dict[str, str] = {}
    for row in ROWS:
        (key,) = code_spans(row["key"])
        if not key.startswith("["):
            keys[key] = row["default"]
    return keys


def example_keys() -> set[str]:
    """The dotted keys config.example.toml sets."""
    doc = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    keys: set[str] = set()
    for key, value in doc.items():
        if isinstance(value, dict):
            keys |= {f"{key}.{k}" for k in value}
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            keys |= {f"{key}.{k}" for table in value for k in table}
        else:
            keys.add(key)
    return keys


def with_key(dotted: str, value: Any) -> dict[str, Any]:
    """The minimal config plus one key."""
    raw: dict[str, Any] = {"enterprises": [dict(MINIMAL["enterprises"][0])]}
    section, _, key = dotted.rpartition(".")
    if section == "enterprises":
        raw["enterprises"][0][key] = value
    elif section:
        raw[section] = {key: value}
    else:
        raw[key] = value
    return raw


def allowed_in(where: str) -> set[str]:
    """The keys config.py allows in a section ('' = top level), from its 'unknown key' message."""
    with pytest.raises(config_mod.ConfigError) as err:
        config_mod.parse(
            with_key(f"{where}.zz_unknown".lstrip("."), 1), Path("/x"), check_env=False
        )
    return set(str(err.value).split("(allowed: ", 1)[1].rstrip(")").split(", "))


def accepted_keys() -> set[str]:
    """Every key config.py accepts (dotted), section by section."""
    sections = allowed_in("") - set(SCALARS)
    keys = {k for k in allowed_in("") if k in SCALARS and k != "enterprises"}
    for where in ("enterprises", *sections):
        keys |= {f"{where}.{k}" for k in allowed_in(where)}
    return keys


def example_value(dotted: str) -> Any:
    """The value config.example.toml gives a key (first enterprise for enterprise keys)."""
    doc: Any = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    for part in dotted.split("."):
        doc = doc[0] if isinstance(doc, list) else doc
        doc = doc[part]
    return doc


def toml_default(cell: str) -> tuple[bool, Any]:
    """(True, value) when the default cell is one TOML value in backquotes; else (False, None)."""
    spans = code_spans(cell)
    if len(spans) != 1 or cell.strip() != f"`{spans[0]}`":
        return False, None
    try:
        return True, tomllib.loads(f"v = {spans[0]}")["v"]
    except tomllib.TOMLDecodeError:
        return False, None


def test_example_loads() -> None:
    """config.example.toml is valid as shipped (token variables aside)."""
    config_mod.load(ROOT / "config.example.toml", check_env=False)


def test_every_example_key_is_documented() -> None:
    """Each key the example sets has a row in the reference."""
    assert sorted(example_keys() - set(documented())) == []


def test_every_accepted_key_is_documented() -> None:
    """Each key config.py accepts has a row in the reference."""
    assert sorted(accepted_keys() - set(documented())) == []


@pytest.mark.parametrize("key", sorted(documented()))
def test_documented_key_is_accepted_with_its_default(key: str) -> None:
    """config.py accepts the key; a documented TOML default is the value config.py assumes."""
    has_default, default = toml_default(documented()[key])
    value = default if has_default else example_value(key)
    parsed = config_mod.parse(with_key(key, value), Path("/x"), check_env=False)
    if has_default:
        assert parsed == config_mod.parse(MINIMAL, Path("/x"), check_env=False)


def ranges() -> dict[str, tuple[int, int]]:
    """Documented key → the `(1 to N)` range its row states."""
    found = {}
    for row in ROWS:
        match = re.search(r"\((\d+) to (\d+)\)", row["meaning"])
        if match:
            (key,) = code_spans(row["key"])
            found[key] = (int(match.group(1)), int(match.group(2)))
    return found


def test_every_number_has_a_documented_range() -> None:
    """Each integer key of the example states its range (so the test below covers them all)."""
    integers = {k for k in example_keys() if type(example_value(k)) is int}
    assert integers == set(ranges())


@pytest.mark.parametrize("key", sorted(ranges()))
def test_documented_range_holds(key: str) -> None:
    """Both ends of the range are accepted, one beyond either end is exit 2 naming the key."""
    low, high = ranges()[key]
    for value in (low, high):
        config_mod.parse(with_key(key, value), Path("/x"), check_env=False)
    for value in (low - 1, high + 1):
        with pytest.raises(config_mod.ConfigError, match=re.escape(key.rpartition(".")[2])):
            config_mod.parse(with_key(key, value), Path("/x"), check_env=False)


def test_export_and_backup_follow_data_dir() -> None:
    """Unset, export/backup dirs follow `data_dir`; set, relative ones start at the config."""
    moved = config_mod.parse({**MINIMAL, "data_dir": "/d"}, Path("/x"), check_env=False)
    assert (moved.export.dir, moved.backup.dir) == (Path("/d/export"), Path("/d/backup"))
    raw = {**MINIMAL, "data_dir": "/d", "export": {"dir": "out"}, "backup": {"dir": "bak"}}
    given = config_mod.parse(raw, Path("/x"), check_env=False)
    assert (given.export.dir, given.backup.dir) == (Path("/x/out"), Path("/x/bak"))


OTHER_VALUE = {"dora.benchmark": "2024"}
"""A valid value other than the default, where a one-item list of strings would not do."""


@pytest.mark.parametrize(
    "key", sorted(k for k in documented() if k.startswith(("dora.", "velocity.")))
)
def test_a_setting_change_is_a_definition_change(key: str) -> None:
    """A changed [dora]/[velocity] setting re-versions exactly the DORA and velocity tables."""
    import projections

    base = config_mod.parse(MINIMAL, Path("/x"), check_env=False)
    changed = config_mod.parse(
        with_key(key, OTHER_VALUE.get(key, ["zz-other"])), Path("/x"), check_env=False
    )
    before = projections.definition_versions(projections.Settings.from_config(base))
    after = projections.definition_versions(projections.Settings.from_config(changed))
    rebuilt = {t for t in before if before[t] != after[t]}
    assert rebuilt == {t for t in before if t.startswith(("dora_", "velocity_"))}
    text = " ".join(REFERENCE.read_text(encoding="utf-8").split())
    assert "setting changes the definition of the DORA and velocity tables" in text


def test_slug_defaults_to_the_id() -> None:
    """`enterprises.slug` defaults to the id, as its row ("the id") and docs/github-setup.md say."""
    assert documented()["enterprises.slug"] == "the id"
    (ent,) = config_mod.parse(MINIMAL, Path("/x"), check_env=False).enterprises
    assert ent.slug == ent.id == "contoso"


def test_ghe_com_api_url_is_accepted() -> None:
    """The GHE.com data-residency form the reference gives for `api_url` is accepted as is."""
    (row,) = [r for r in ROWS if "`enterprises.api_url`" in r["key"]]
    form = next(s for s in code_spans(row["meaning"]) if "ghe.com" in s)
    url = form.replace("SUBDOMAIN", "octocorp")
    parsed = config_mod.parse(with_key("enterprises.api_url", url), Path("/x"), check_env=False)
    assert parsed.enterprises[0].api_url == "https://api.octocorp.ghe.com"
