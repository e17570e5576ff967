"""The generated Power BI project: schemas, references, TMDL well-formedness, registry coverage."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from powerbi_support import schema_errors

from dashboards.powerbi import checks, project, report, tmdl
from dashboards.powerbi.model import BRIDGE, SemanticModel, build
from projections import TABLES

SOURCE = "C:\\ghmc\\export"


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    """The model of the real registry."""
    return build(TABLES, SOURCE)


@pytest.fixture(scope="module")
def files(model: SemanticModel) -> dict[str, str]:
    """Every file of the project, by path."""
    return project.project_files(model)


def _json_files(files: dict[str, str]) -> dict[str, dict[str, object]]:
    kinds = (".json", ".pbir", ".pbism")
    return {
        p: json.loads(t)
        for p, t in files.items()
        if p.endswith(kinds) and not p.endswith(".pbip") and "/" in p
    }


def test_every_pbir_and_pbism_file_validates(files: dict[str, str]) -> None:
    """Every PBIR file and definition.pbism validates against its pinned Microsoft schema."""
    docs = _json_files(files)
    assert any(p.endswith("definition.pbism") for p in docs)
    assert sum(p.endswith("visual.json") for p in docs) > 40
    errors = {p: schema_errors(d) for p, d in docs.items()}
    assert {p: e for p, e in errors.items() if e} == {}


def test_every_file_names_a_pinned_schema(files: dict[str, str]) -> None:
    """Each JSON file names exactly the schema version pinned for its kind."""
    pinned = set(report.SCHEMAS.values())
    for path, doc in _json_files(files).items():
        assert doc["$schema"] in pinned, path


def test_schema_validation_rejects_a_broken_visual(files: dict[str, str]) -> None:
    """The validator resolves cross-file $refs: a malformed projection deep inside is caught."""
    path = next(p for p in files if p.endswith("visual.json"))
    doc = json.loads(files[path])
    role = next(iter(doc["visual"]["query"]["queryState"].values()))
    role["projections"][0]["field"] = {"Colum": {"Property": "x"}}
    assert schema_errors(doc)
    del doc["position"]
    assert any("position" in e for e in schema_errors(doc))


def test_report_has_the_five_pages(files: dict[str, str]) -> None:
    """pages.json orders Copilot adoption, Spend, DORA, Velocity, Data, each with a page.json."""
    pages = json.loads(files["ghmc.Report/definition/pages/pages.json"])["pageOrder"]
    titles = [
        json.loads(files[f"ghmc.Report/definition/pages/{p}/page.json"])["displayName"]
        for p in pages
    ]
    assert titles == ["Copilot adoption", "Spend", "DORA", "Velocity", "Data"]


def test_every_field_a_visual_uses_exists(model: SemanticModel, files: dict[str, str]) -> None:
    """Every table, column and measure named by a visual or a measure exists in the model."""
    used = report.visuals_in(files)
    assert {f.kind for _, f in used} == {"Column", "Measure"}
    assert project.reference_problems(model, files) == []


def test_a_missing_field_is_reported(model: SemanticModel, files: dict[str, str]) -> None:
    """A visual naming a column the model lacks, or a measure naming a lost column, is reported."""
    path = next(p for p in files if p.endswith("visual.json"))
    doc = json.loads(files[path])
    role = next(iter(doc["visual"]["query"]["queryState"].values()))
    role["projections"][0]["field"] = {
        "Column": {"Expression": {"SourceRef": {"Entity": "dora_metrics"}}, "Property": "nope"}
    }
    broken = {**files, path: json.dumps(doc)}
    assert any("dora_metrics.nope" in p for p in project.reference_problems(model, broken))
    dm = model.table("dora_metrics")
    fewer = replace(dm, columns=tuple(c for c in dm.columns if c.name != "rework_rate"))
    shrunk = replace(model, tables=tuple(fewer if t is dm else t for t in model.tables))
    problems = project.reference_problems(shrunk, files)
    assert any("dora_metrics[rework_rate]" in p for p in problems)


def test_generated_tmdl_is_well_formed(files: dict[str, str]) -> None:
    """Every TMDL file passes the well-formedness check."""
    tmdl = {p: t for p, t in files.items() if p.endswith(".tmdl")}
    assert len(tmdl) == 4 + len(TABLES) + 7
    assert [p for path, text in tmdl.items() for p in checks.tmdl_problems(path, text)] == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda t: t.replace("\tcolumn org\n", "    column org\n", 1), "spaces"),
        (lambda t: t.replace("\t\tdataType: string", "\t\tdataType: text", 1), "dataType"),
        (lambda t: t.replace("RETURN SUMX(Latest", "RETURN SUMX((Latest", 1), "unclosed"),
        (lambda t: t.replace('"month")', '"month)', 1), "quote"),
        (lambda t: t.replace("\tcolumn org\n", "\t\t\t\tcolumn org\n", 1), "jumps"),
        (
            lambda t: t.replace("\tcolumn repo\n", "\tcolumn org\n", 1),
            "column org declared 2 times",
        ),
    ],
    ids=["spaces", "datatype", "paren", "quote", "indent", "duplicate"],
)
def test_tmdl_check_catches(files: dict[str, str], mutate: object, expected: str) -> None:
    """The TMDL check reports bad indentation, types, DAX balance and duplicate names."""
    path = "ghmc.SemanticModel/definition/tables/dora_metrics.tmdl"
    text = files[path]
    assert callable(mutate)
    broken = mutate(text)
    assert broken != text
    assert any(expected in p for p in checks.tmdl_problems(path, broken))


def _body_after(text: str, head: str, depth: int) -> str:
    """The expression under the line `head`, its `depth` leading tabs removed."""
    lines = text.split("\n")
    start = lines.index(head) + 1
    body = []
    for line in lines[start:]:
        if line and not line.startswith("\t" * depth):
            break
        body.append(line[depth:])
    return "\n".join(body).strip("\n")


def test_tmdl_expressions_read_back_unchanged(model: SemanticModel, files: dict[str, str]) -> None:
    """A partition's M and a measure's DAX, read back from the TMDL text, are what was written."""
    text = files["ghmc.SemanticModel/definition/tables/dora_metrics.tmdl"]
    assert _body_after(text, "\t\tsource =", 4) == model.table("dora_metrics").source
    measure = next(m for m in model.table("dora_metrics").measures if m.name == "Rework rate")
    assert _body_after(text, "\tmeasure 'Rework rate' =", 3) == measure.expression


def test_tmdl_names_are_quoted_when_needed() -> None:
    """Plain names stay bare; spaces, quotes and keyword-like names are single-quoted."""
    assert tmdl.name("dora_metrics") == "dora_metrics"
    assert tmdl.name("Net spend") == "'Net spend'"
    assert tmdl.name("it's") == "'it''s'"
    assert tmdl.name("table") == "'table'"


def test_every_registry_column_is_typed_in_the_model(model: SemanticModel) -> None:
    """Each registry table is a model table with every column, typed from its SQLite type."""
    expected = {"INTEGER": {"int64"}, "REAL": {"double"}, "TEXT": {"string", "dateTime"}}
    for table in TABLES.values():
        columns = {c.name: c for c in model.table(table.name).columns}
        for name, sqlite_type in table.columns:
            assert columns[name].data_type in expected[sqlite_type], (table.name, name)
    assert columns["started_at"].data_type == "dateTime"
    assert model.table("dora_metrics").columns[4].m_type == "type date"


def test_a_new_column_reaches_the_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A column added to a registry table appears, typed, in its TMDL table and M partition."""
    dm = TABLES["dora_metrics"]
    grown = replace(dm, columns=(*dm.columns, ("deploys_per_dev", "REAL")))
    monkeypatch.setattr(project, "TABLES", {**TABLES, "dora_metrics": grown})
    written = project.write(tmp_path, export_folder=tmp_path)
    tmdl = (written.folder / "ghmc.SemanticModel/definition/tables/dora_metrics.tmdl").read_text()
    assert "\tcolumn deploys_per_dev\n\t\tdataType: double\n" in tmdl
    assert '{"deploys_per_dev", type number}' in tmdl


def test_a_new_table_reaches_the_model_with_its_relationships() -> None:
    """A table added to the registry gets a TMDL table, a partition and its dimension links."""
    extra = replace(
        TABLES["copilot_daily_metrics"],
        name="copilot_new_family",
        columns=(("enterprise_id", "TEXT"), ("org", "TEXT"), ("day", "TEXT"), ("n", "INTEGER")),
        key=("enterprise_id", "org", "day"),
        date_column="day",
    )
    grown = build({**TABLES, extra.name: extra}, SOURCE)
    links = {(r.to_table, r.from_column) for r in grown.relationships if r.from_table == extra.name}
    assert links == {("Enterprise", "enterprise_id"), ("Organization", "org_key"), ("Date", "day")}
    files = project.project_files(grown)
    assert (
        'GhmcTable("copilot_new_family")'
        in files["ghmc.SemanticModel/definition/tables/copilot_new_family.tmdl"]
    )
    assert "ref table copilot_new_family" in files["ghmc.SemanticModel/definition/model.tmdl"]
    assert project.check(grown, files) == []


def test_relationships_join_keys_of_the_same_type(model: SemanticModel) -> None:
    """Each relationship joins a fact column to the key column of a dimension, same data type."""
    assert len(model.relationships) > 30
    for r in model.relationships:
        one = model.table(r.to_table)
        many = {c.name: c for c in model.table(r.from_table).columns}
        assert one.key == r.to_column, r.name
        to_type = next(c.data_type for c in one.columns if c.name == r.to_column)
        assert many[r.from_column].data_type == to_type, r.name


def test_no_two_filter_paths_join_the_same_tables(model: SemanticModel) -> None:
    """Filters reach each table along at most one path, so Power BI sees no ambiguity."""
    edges: dict[str, list[str]] = {}
    for r in model.relationships:
        edges.setdefault(r.to_table, []).append(r.from_table)
        if r.both_directions:
            edges.setdefault(r.from_table, []).append(r.to_table)

    def paths(node: str, seen: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [(*seen, node)]
        for nxt in edges.get(node, []):
            if nxt not in seen and nxt != node:
                found += paths(nxt, (*seen, node))
        return found

    for start in edges:
        ends = [p[-1] for p in paths(start, ())[1:]]
        assert len(ends) == len(set(ends)), (start, sorted(e for e in ends if ends.count(e) > 1))
    assert "Team" in edges
    assert BRIDGE in edges["Team"]


HEADLINES = [
    "Daily active users",
    "Weekly active users",
    "Monthly active users",
    "Assigned seats",
    "Active seats (30 days)",
    "Monthly active chat users",
    "Monthly active agent users",
    "Daily active CLI users",
    "Acceptance rate (count)",
    "Acceptance rate (lines)",
    "Seats never used",
    "Seats inactive 7+ days",
    "Seats inactive 30+ days",
    "Seats inactive 90+ days",
    "PRs created by Copilot",
    "PRs reviewed by Copilot",
    "Gross spend",
    "Discount",
    "Net spend",
    "Net spend month to date",
    "Net spend last month",
    "Net spend per active user",
    "Net spend per seat",
    "Deployments",
    "Lead time median (minutes)",
    "Lead time p75 (minutes)",
    "Lead time sample (changes)",
    "Change failure rate",
    "Recovery median (minutes)",
    "Recovery sample (incidents)",
    "Rework rate",
    "Deployment frequency level",
    "PRs opened",
    "PRs merged",
    "Cycle time median (minutes)",
    "Cycle time p75 (minutes)",
    "Cycle time sample (PRs)",
    "Coding time median (minutes)",
    "Pickup time median (minutes)",
    "Review time median (minutes)",
    "PR size median (lines)",
    "Reviews per PR",
    "PRs merged without review",
    "Last successful run",
]


def test_every_headline_number_is_a_formatted_measure(model: SemanticModel) -> None:
    """Each headline number of the dashboards is a measure with a format string."""
    measures = {m.name: m for t in model.tables for m in t.measures}
    missing = [h for h in HEADLINES if h not in measures]
    assert missing == []
    assert all(measures[h].format_string for h in HEADLINES if "level" not in h)


def test_every_median_has_a_sample_size_beside_it(model: SemanticModel) -> None:
    """For each median measure there is a sample-size measure of the same metric."""
    names = {m.name for t in model.tables for m in t.measures}
    medians = [n for n in names if "median" in n and "(median)" not in n and "size" not in n]
    assert medians
    for n in medians:
        metric = n.split(" median")[0]
        assert any(s.startswith(metric) and "sample" in s for s in names), n


def test_sharepoint_source_sets_a_url_default() -> None:
    """`--source sharepoint` makes the parameter default an https URL; folder keeps the path."""
    sp = build(TABLES, project.default_source("sharepoint", Path("/x")))
    folder = build(TABLES, project.default_source("folder", Path("/data/export")))
    assert sp.expressions[0][1].startswith('"https://')
    assert folder.expressions[0][1].startswith('"/data/export"')
    with pytest.raises(project.PowerBIError):
        project.default_source("ftp", None)
