"""The Power BI Project (PBIP): assemble every file, check it, write the folder and the zip.

    <out>/ghmc.pbip                    opens the report (and its model) in Power BI Desktop
    <out>/ghmc.SemanticModel/          definition.pbism + definition/*.tmdl (TMDL)
    <out>/ghmc.Report/                 definition.pbir + definition/** (PBIR)
    <out>/ghmc-powerbi.zip             the same three entries, for a release or a mail

Nothing is written unless the project passes its own checks (TMDL well-formedness, every DAX
and visual reference resolves). Each entry is built in a temporary folder and renamed into place.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.durable import TMP_PREFIX, open_temp, replace_durably, temp_path
from dashboards.powerbi import checks, report, tmdl
from dashboards.powerbi.model import RegistryTable, SemanticModel, build
from projections import TABLES

NAME = "ghmc"
MODEL_FOLDER = f"{NAME}.SemanticModel"
REPORT_FOLDER = f"{NAME}.Report"
PBIP = f"{NAME}.pbip"
ZIP = f"{NAME}-powerbi.zip"
SOURCES = ("folder", "sharepoint")
SHAREPOINT_PLACEHOLDER = "https://YOUR-TENANT-my.sharepoint.com/personal/YOUR_USER/Documents/ghmc"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_GITIGNORE = "**/.pbi/localSettings.json\n**/.pbi/cache.abf\n"


class PowerBIError(Exception):
    """The project could not be generated (a check failed) or written."""


@dataclass(frozen=True, slots=True)
class WrittenProject:
    """Where the project went."""

    folder: Path
    pbip: Path
    zip_path: Path
    files: int


def _json(doc: object) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def project_files(model: SemanticModel) -> dict[str, str]:
    """Every file of the PBIP, by path relative to the output folder."""
    files = {
        PBIP: _json(
            {
                "$schema": "https://developer.microsoft.com/json-schemas/fabric/pbip/"
                "pbipProperties/1.0.0/schema.json",
                "version": "1.0",
                "artifacts": [{"report": {"path": REPORT_FOLDER}}],
                "settings": {"enableAutoRecovery": True},
            }
        ),
        ".gitignore": _GITIGNORE,
        f"{MODEL_FOLDER}/definition.pbism": _json(
            {"$schema": report.SCHEMAS["definition.pbism"], "version": "4.2", "settings": {}}
        ),
    }
    for path, text in tmdl.model_files(model).items():
        files[f"{MODEL_FOLDER}/definition/{path}"] = text
    for path, text in report.report_files(MODEL_FOLDER).items():
        files[f"{REPORT_FOLDER}/{path}"] = text
    return files


def reference_problems(model: SemanticModel, files: Mapping[str, str]) -> list[str]:
    """Every table, column or measure named by a measure or a visual that the model lacks."""
    columns = {t.name: {c.name for c in t.columns} for t in model.tables}
    measures = {t.name: {m.name for m in t.measures} for t in model.tables}
    every_measure = {m for names in measures.values() for m in names}
    problems = []
    for t in model.tables:
        for m in t.measures:
            refs = checks.dax_references(m.expression)
            where = f"measure {t.name}[{m.name}]"
            problems += [f"{where}: no table {x}" for x in refs.tables if x not in columns]
            problems += [
                f"{where}: no column {x}[{c}]"
                for x, c in refs.columns
                if x in columns and c not in columns[x]
            ]
            problems += [f"{where}: no measure [{x}]" for x in refs.measures - every_measure]
    for path, f in report.visuals_in(dict(files)):
        known = columns if f.kind == "Column" else measures
        if f.name not in known.get(f.table, set()):
            problems.append(f"{path}: {f.kind.lower()} {f.query_ref} is not in the model")
    return problems


def check(model: SemanticModel, files: Mapping[str, str]) -> list[str]:
    """All problems found in a generated project ([] when it is sound)."""
    problems = reference_problems(model, files)
    for path, text in files.items():
        if path.endswith(".tmdl"):
            problems += checks.tmdl_problems(path, text)
    return problems


def default_source(kind: str, folder: Path | None) -> str:
    """The GhmcSource default: the export folder, or a SharePoint URL to replace."""
    if kind not in SOURCES:
        raise PowerBIError(f"--source must be one of {', '.join(SOURCES)}, not {kind!r}")
    if kind == "sharepoint" or folder is None:
        return SHAREPOINT_PLACEHOLDER
    return str(folder.resolve())


def _write_zip(files: Mapping[str, str], target: Path) -> None:
    with open_temp(target) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zipped.writestr(info, files[path].encode("utf-8"))
    replace_durably(temp_path(target), target)


def _replace(staged: Path, target: Path) -> None:
    """Move a staged file or folder onto `target`, removing what was there."""
    if target.is_dir():
        old = target.with_name(f".ghmc-old-{target.name}")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        staged.rename(target)
        shutil.rmtree(old)
    else:
        staged.replace(target)


def write(
    out_dir: Path,
    *,
    source: str = "folder",
    export_folder: Path | None = None,
    registry: Mapping[str, RegistryTable] | None = None,
) -> WrittenProject:
    """Generate the PBIP for `registry` (default: projections.TABLES) into `out_dir`."""
    model = build(TABLES if registry is None else registry, default_source(source, export_folder))
    files = project_files(model)
    problems = check(model, files)
    if problems:
        raise PowerBIError("the generated Power BI project is not sound: " + "; ".join(problems))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=TMP_PREFIX, dir=out_dir) as tmp:
            staging = Path(tmp)
            for path, text in files.items():
                target = staging / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8", newline="\n")
            for entry in sorted({p.split("/", 1)[0] for p in files}):
                _replace(staging / entry, out_dir / entry)
        _write_zip(files, out_dir / ZIP)
    except OSError as exc:
        raise PowerBIError(f"cannot write the Power BI project to {out_dir}: {exc}") from exc
    return WrittenProject(out_dir, out_dir / PBIP, out_dir / ZIP, len(files))
