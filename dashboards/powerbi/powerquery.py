"""Power Query (M): the one source parameter, the shared file list, and every table's partition.

`GhmcSource` is the only parameter: a local folder (read with `Folder.Contents`, so the dated
`history/` sub-folder is never read) or the https URL of the SharePoint / OneDrive folder the export
is copied to (read with `SharePoint.Files` on the site root derived from it, keeping only the files
directly in that folder, so it works whether the export lands in `onedrive_dir` itself or deeper).
`GhmcFiles` lists that folder's files; `GhmcTable(name)` reads `<name>.csv.gz` (gzip, UTF-8,
RFC-4180 quoting, header row). Each fact partition types every column explicitly with the `en-US`
culture (never by detection: an all-empty column would become text), turns `…Z` timestamps into
UTC datetimes, and adds the text keys the relationships use (lower-cased, because DAX compares
keys case-insensitively while Power Query's distinct does not).
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.powerbi.columns import ModelColumn

PARAMETER = "GhmcSource"
FILES = "GhmcFiles"
READ_TABLE = "GhmcTable"
INDENT = "    "

FILES_M = f"""let
    Source = Text.Replace(Text.Trim({PARAMETER}), "%20", " "),
    IsWeb = Text.StartsWith(Source, "https://", Comparer.OrdinalIgnoreCase),
    Target = Text.TrimEnd(Source, {{"/", "\\"}}) & "/",
    Parts = Text.Split(Target, "/"),
    IsSite = List.Count(Parts) > 5
        and List.Contains({{"personal", "sites", "teams"}}, Text.Lower(Parts{{3}})),
    Site = Text.Combine(List.FirstN(Parts, if IsSite then 5 else 3), "/") & "/",
    InFolder = (path as text) as logical =>
        Comparer.Equals(Comparer.OrdinalIgnoreCase, Text.TrimEnd(path, "/") & "/", Target),
    Listed = if IsWeb then SharePoint.Files(Site, [ApiVersion = 15]) else null,
    Web = if IsWeb then Table.SelectRows(Listed, each InFolder([Folder Path])) else null,
    Local = if IsWeb then null else Folder.Contents(Source),
    Files = if IsWeb then Web else Local
in
    Table.SelectColumns(Files, {{"Name", "Content"}})"""

READ_TABLE_M = f"""(name as text) as table =>
let
    File = {FILES}{{[Name = name & ".csv.gz"]}}[Content],
    Csv = Csv.Document(
        Binary.Decompress(File, Compression.GZip),
        [Delimiter = ",", Encoding = 65001, QuoteStyle = QuoteStyle.Csv]),
    Header = Table.PromoteHeaders(Csv, [PromoteAllScalars = true])
in
    Header"""


def m_string(text: str) -> str:
    """An M text literal."""
    return '"' + text.replace('"', '""') + '"'


def m_name(name: str) -> str:
    """An M identifier (quoted with #"…" unless it is a plain name)."""
    plain = name.replace("_", "a").isalnum() and not name[0].isdigit()
    return name if plain else "#" + m_string(name)


def parameter_m(default: str) -> str:
    """The GhmcSource parameter with its default value."""
    meta = '[IsParameterQuery = true, Type = "Text", IsParameterQueryRequired = true]'
    return f"{m_string(default)} meta {meta}"


def shared_expressions(default: str) -> tuple[tuple[str, str, str], ...]:
    """(name, M, kind) of the shared queries: the parameter, the file list, the reader."""
    return (
        (PARAMETER, parameter_m(default), "parameter"),
        (FILES, FILES_M, "table"),
        (READ_TABLE, READ_TABLE_M, "function"),
    )


def _key_expression(parts: Sequence[str]) -> str:
    fields = [f'(if [{p}] = null then "" else [{p}])' for p in parts]
    return "Text.Lower(Text.Combine({" + ", ".join(fields) + '}, "|"))'


def _let(steps: list[tuple[str, str]]) -> str:
    body = ",\n".join(f"{INDENT}{m_name(name)} = {expr}" for name, expr in steps)
    return f"let\n{body}\nin\n{INDENT}{m_name(steps[-1][0])}"


def _type_list(columns: Sequence[ModelColumn], indent: str) -> str:
    items = [f"{indent}{{{m_string(c.name)}, {c.m_type}}}" for c in columns]
    return "{\n" + ",\n".join(items) + "}"


def fact_partition(
    table: str,
    columns: Sequence[ModelColumn],
    keys: Sequence[tuple[str, tuple[str, ...]]],
    day: tuple[str, str | None] | None,
) -> str:
    """M that reads `<table>.csv.gz`, types its columns and adds the relationship keys."""
    derived = {k for k, _ in keys} | ({day[0]} if day and day[1] else set())
    stored = [c for c in columns if c.name not in derived]
    pad = INDENT * 2
    steps = [
        ("Source", f"{READ_TABLE}({m_string(table)})"),
        ("Typed", f'Table.TransformColumnTypes(Source, {_type_list(stored, pad)}, "en-US")'),
    ]
    zoned = [c for c in stored if c.zoned]
    if zoned:
        changes = ", ".join(
            f"{{{m_string(c.name)}, DateTimeZone.RemoveZone, type datetime}}" for c in zoned
        )
        steps.append(("Utc", f"Table.TransformColumns(Typed, {{{changes}}})"))
    for key, parts in keys:
        previous = steps[-1][0]
        add = f"Table.AddColumn({m_name(previous)}, {m_string(key)}, each {_key_expression(parts)}"
        steps.append((key, add + ", type text)"))
    if day is not None and day[1] is not None:
        previous, (name, stamp) = steps[-1][0], day
        expr = f"each if [{stamp}] = null then null else DateTime.Date([{stamp}]), type date"
        steps.append((name, f"Table.AddColumn({m_name(previous)}, {m_string(name)}, {expr})"))
    return _let(steps)


def dimension_partition(
    name: str, key: str, parts: Sequence[str], facts: Sequence[tuple[str, tuple[str, ...]]]
) -> str:
    """M for a dimension: the distinct key parts of every fact that carries them."""
    pad = INDENT * 2
    selects = []
    for fact, columns in facts:
        chosen = "{" + ", ".join(m_string(c) for c in columns) + "}"
        select = f"Table.SelectColumns({m_name(fact)}, {chosen})"
        renames = [(c, p) for c, p in zip(columns, parts, strict=True) if c != p]
        if renames:
            pairs = ", ".join(f"{{{m_string(c)}, {m_string(p)}}}" for c, p in renames)
            select = f"Table.RenameColumns({select}, {{{pairs}}})"
        selects.append(pad + select)
    steps = [("Source", "Table.Combine({\n" + ",\n".join(selects) + "})")]
    if key not in parts:
        keyed = f"each {_key_expression(parts)}, type text"
        steps.append(("Keyed", f"Table.AddColumn(Source, {m_string(key)}, {keyed})"))
    steps.append(("Distinct", f"Table.Distinct({steps[-1][0]}, {{{m_string(key)}}})"))
    if name == "Repository":
        org = 'each Text.BeforeDelimiter([repo], "/"), type text'
        steps.append(("WithOrg", f'Table.AddColumn(Distinct, "org", {org})'))
    return _let(steps)


def manifest_partition(columns: Sequence[ModelColumn]) -> str:
    """M for export_files: the files listed in manifest.json, with the lineage beside them."""
    listed = (
        "{" + ", ".join(m_string(c) for c in ("name", "table", "rows", "bytes", "sha256")) + "}"
    )
    steps = [
        ("Doc", f'Json.Document({FILES}{{[Name = "manifest.json"]}}[Content], 65001)'),
        ("Files", f"Table.FromRecords(Doc[files], {listed}, MissingField.UseNull)"),
        ("Head", 'Table.AddColumn(Files, "archive_head", each Doc[archive_head], type text)'),
        (
            "Definitions",
            'Table.AddColumn(Head, "definitions", '
            "each Text.FromBinary(Json.FromValue(Doc[definitions]), 65001), type text)",
        ),
        (
            "Typed",
            f'Table.TransformColumnTypes(Definitions, {_type_list(columns, INDENT * 2)}, "en-US")',
        ),
    ]
    return _let(steps)
