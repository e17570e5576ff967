"""Load and validate `config.toml` into one frozen, typed object.

Every key of design §8 is checked before anything else happens: unknown keys, wrong types, a
missing token variable or one holding anything but printable ASCII, an `http://` URL to a host
other than loopback, a bad port, numbers beyond their upper bound, enterprise ids equal but for
case, an organization listed twice (within an enterprise, or in two enterprises on one API host).
`export.dir` and `backup.dir` default to `<data_dir>/export` and `<data_dir>/backup`.
A problem raises `ConfigError` whose message names the key (exit 2). Tokens are read from the
environment on demand and are never stored in the object's repr, a file or a message.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_API_VERSION = "2022-11-28"
BENCHMARK_YEARS = ("2021", "2023", "2024")
EXPORT_FORMATS = ("csv.gz", "parquet")
_ENTERPRISE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """The configuration is invalid; the message names the key and what is wrong."""


@dataclass(frozen=True)
class EnterpriseConfig:
    """One GitHub Enterprise Cloud enterprise to collect from."""

    id: str
    slug: str
    api_url: str
    token_env: str
    billing_token_env: str
    orgs: tuple[str, ...]
    repos: tuple[str, ...]
    exclude_repos: tuple[str, ...]

    def token(self) -> str:
        """The API token, read from the environment variable named by `token_env`."""
        return _read_token(self.token_env, f"enterprises[{self.id}].token_env")

    def billing_token(self) -> str:
        """The billing token (`billing_token_env`), or the API token when none is configured."""
        if not self.billing_token_env:
            return self.token()
        return _read_token(self.billing_token_env, f"enterprises[{self.id}].billing_token_env")


@dataclass(frozen=True)
class DoraConfig:
    """How deployments and incidents are recognised, and which benchmark year grades them."""

    production_environments: tuple[str, ...] = ("production", "prod")
    deploy_workflows: tuple[str, ...] = ("deploy*",)
    incident_labels: tuple[str, ...] = ("incident",)
    benchmark: str = "2023"


@dataclass(frozen=True)
class VelocityConfig:
    """Extra bot logins beyond `*[bot]` and type=Bot."""

    bots: tuple[str, ...] = ()


@dataclass(frozen=True)
class BillingConfig:
    """Billing collection options."""

    per_user: bool = False


@dataclass(frozen=True)
class ExportConfig:
    """Where CSV.GZ files go, and how long dated copies are kept."""

    dir: Path = Path("data/export")
    onedrive_dir: Path | None = None
    keep_days: int = 90
    formats: tuple[str, ...] = ("csv.gz",)
    """File formats written per table: `csv.gz` (always) and optionally `parquet`."""


@dataclass(frozen=True)
class BackupConfig:
    """Where backups go, and how long they are kept (extension of design §8)."""

    dir: Path = Path("data/backup")
    keep_days: int = 14
    keep_weeks: int = 8


@dataclass(frozen=True)
class RetentionConfig:
    """How long raw segments and logs are kept, in days."""

    raw_days: int = 1095
    logs_days: int = 30


@dataclass(frozen=True)
class IngestConfig:
    """How per-item detail is read: `graphql` (batched `nodes(ids:)` queries, own points budget)
    or `rest` (one request per PR detail, reviews, commits, deployment statuses)."""

    detail: str = "graphql"


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    data_dir: Path
    history_days: int
    api_version: str
    enterprises: tuple[EnterpriseConfig, ...]
    dora: DoraConfig = field(default_factory=DoraConfig)
    velocity: VelocityConfig = field(default_factory=VelocityConfig)
    billing: BillingConfig = field(default_factory=BillingConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    source: Path | None = None
    ingest: IngestConfig = field(default_factory=IngestConfig)

    @property
    def raw_dir(self) -> Path:
        """The event archive."""
        return self.data_dir / "raw"

    @property
    def db_path(self) -> Path:
        """The projections database."""
        return self.data_dir / "metrics.db"

    @property
    def logs_dir(self) -> Path:
        """Run logs."""
        return self.data_dir / "logs"

    def check_tokens(self) -> None:
        """Raise ConfigError naming the key when a configured token variable is unset."""
        for ent in self.enterprises:
            ent.token()
            if ent.billing_token_env:
                ent.billing_token()

    def enterprise(self, enterprise_id: str) -> EnterpriseConfig:
        """Return the enterprise with this id, or raise ConfigError."""
        for ent in self.enterprises:
            if ent.id == enterprise_id:
                return ent
        known = ", ".join(e.id for e in self.enterprises)
        raise ConfigError(f"--enterprise {enterprise_id!r}: not configured (known: {known})")


_TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")
"""A token is printable ASCII without spaces (GitHub tokens are letters, digits and `_`)."""


def _read_token(env_name: str, key: str) -> str:
    value = os.environ.get(env_name, "")
    if not value.strip():
        raise ConfigError(f"{key}: environment variable {env_name} is not set or empty")
    # fullmatch: `$` alone lets a final line break through. Never echo the value: it is secret.
    if not _TOKEN_CHARS.fullmatch(value):
        raise ConfigError(
            f"{key}: environment variable {env_name} holds whitespace, control or non-ASCII "
            "characters; set it to the token alone (a stray space or line break is the usual cause)"
        )
    return value


# --- validation helpers -------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return type(value).__name__


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        key = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ConfigError(f"{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _get_str(table: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}{key}: expected a string, got {_type_name(value)}")
    return value


MAX_DAYS = 36_500
"""Upper bound of every day count (a century): beyond it date arithmetic overflows."""
MAX_HISTORY_DAYS = 3_660
"""Upper bound of `history_days` (ten years; GitHub keeps Copilot reports one year, billing two)."""
MAX_WEEKS = MAX_DAYS // 7


def _get_int(
    table: Mapping[str, Any], key: str, where: str, default: int, bounds: tuple[int, int]
) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}{key}: expected an integer, got {_type_name(value)}")
    minimum, maximum = bounds
    if value < minimum:
        raise ConfigError(f"{where}{key}: must be at least {minimum}, got {value}")
    if value > maximum:
        raise ConfigError(f"{where}{key}: must be at most {maximum}, got {value}")
    return value


def _get_bool(table: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}{key}: expected true or false, got {_type_name(value)}")
    return value


def _get_strs(
    table: Mapping[str, Any], key: str, where: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}{key}: expected a list of strings")
    return tuple(value)


def _get_table(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table [{key}], got {_type_name(value)}")
    return value


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def is_loopback(host: str) -> bool:
    """Tell whether `host` names this machine (the only place plain http is allowed)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_api_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}api_url: {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{where}api_url: plain http is only allowed to loopback hosts; use https for "
            f"{parts.hostname}"
        )
    if parts.username or parts.password:
        raise ConfigError(f"{where}api_url: credentials do not belong in the URL; use token_env")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (port is None and ":" in parts.netloc.rsplit("]", 1)[-1]):
        raise ConfigError(f"{where}api_url: {url!r} has no valid port (1 to 65535)")
    return url.rstrip("/")


# --- sections ---------------------------------------------------------------------------------

_TOP_KEYS = {
    "data_dir",
    "history_days",
    "api_version",
    "enterprises",
    "dora",
    "velocity",
    "billing",
    "export",
    "backup",
    "retention",
    "ingest",
}
_ENTERPRISE_KEYS = {
    "id",
    "slug",
    "api_url",
    "token_env",
    "billing_token_env",
    "orgs",
    "repos",
    "exclude_repos",
}


def _enterprise(raw: object, index: int, check_env: bool) -> EnterpriseConfig:
    where = f"enterprises[{index}]."
    if not isinstance(raw, dict):
        raise ConfigError(f"enterprises[{index}]: expected a table [[enterprises]]")
    _check_keys(raw, _ENTERPRISE_KEYS, f"enterprises[{index}]")
    ent_id = _get_str(raw, "id", where, "")
    if not _ENTERPRISE_ID.match(ent_id):
        raise ConfigError(f"{where}id: required; letters, digits, '-', '_' or '.', got {ent_id!r}")
    token_env = _get_str(raw, "token_env", where, "")
    billing_env = _get_str(raw, "billing_token_env", where, "")
    for key, name in (("token_env", token_env), ("billing_token_env", billing_env)):
        if name and not _ENV_NAME.match(name):
            raise ConfigError(f"{where}{key}: {name!r} is not an environment variable name")
    if not token_env:
        raise ConfigError(f"{where}token_env: required (the environment variable with the token)")
    orgs = _get_strs(raw, "orgs", where, ())
    if not orgs:
        raise ConfigError(f"{where}orgs: list at least one organization")
    ent = EnterpriseConfig(
        id=ent_id,
        slug=_get_str(raw, "slug", where, ent_id) or ent_id,
        api_url=_check_api_url(_get_str(raw, "api_url", where, DEFAULT_API_URL), where),
        token_env=token_env,
        billing_token_env=billing_env,
        orgs=orgs,
        repos=_get_strs(raw, "repos", where, ("*",)),
        exclude_repos=_get_strs(raw, "exclude_repos", where, ()),
    )
    if check_env:
        ent.token()
        if billing_env:
            ent.billing_token()
    return ent


def _check_unique(enterprises: tuple[EnterpriseConfig, ...]) -> None:
    """Refuse enterprise ids equal but for case, and an org collected twice from one API host
    (GitHub names are case-insensitive: the same data would be fetched and counted twice)."""
    ids: dict[str, str] = {}
    orgs: dict[tuple[str, str], str] = {}
    for index, ent in enumerate(enterprises):
        first_id = ids.get(ent.id.casefold())
        if first_id is not None:
            case = "" if first_id == ent.id else f" as {first_id!r} (ids must differ beyond case)"
            raise ConfigError(
                f"enterprises[{index}].id: duplicate id {ent.id!r}, already used{case}"
            )
        ids[ent.id.casefold()] = ent.id
        host = urlsplit(ent.api_url).netloc.casefold()
        for org in ent.orgs:
            first = orgs.get((host, org.casefold()))
            if first is not None:
                where = "twice" if first == ent.id else f"also in enterprise {first!r}"
                raise ConfigError(
                    f"enterprises[{index}].orgs: {org!r} is listed {where} for {host} "
                    "(it would be collected and counted twice)"
                )
            orgs[(host, org.casefold())] = ent.id


def _dora(raw: Mapping[str, Any]) -> DoraConfig:
    table = _get_table(raw, "dora")
    _check_keys(
        table,
        {"production_environments", "deploy_workflows", "incident_labels", "benchmark"},
        "dora",
    )
    defaults = DoraConfig()
    benchmark = _get_str(table, "benchmark", "dora.", defaults.benchmark)
    if benchmark not in BENCHMARK_YEARS:
        raise ConfigError(f"dora.benchmark: one of {', '.join(BENCHMARK_YEARS)}, got {benchmark!r}")
    return DoraConfig(
        production_environments=_get_strs(
            table, "production_environments", "dora.", defaults.production_environments
        ),
        deploy_workflows=_get_strs(table, "deploy_workflows", "dora.", defaults.deploy_workflows),
        incident_labels=_get_strs(table, "incident_labels", "dora.", defaults.incident_labels),
        benchmark=benchmark,
    )


def _dir_in(table: Mapping[str, Any], where: str, base: Path, data_dir: Path) -> Path:
    """`<where>.dir` resolved from the config's folder, or `<data_dir>/<where>` when unset."""
    if "dir" not in table:
        return data_dir / where
    return _resolve(base, _get_str(table, "dir", f"{where}.", ""))


def _export(raw: Mapping[str, Any], base: Path, data_dir: Path) -> ExportConfig:
    table = _get_table(raw, "export")
    _check_keys(table, {"dir", "onedrive_dir", "keep_days", "formats"}, "export")
    onedrive = _get_str(table, "onedrive_dir", "export.", "")
    formats = _get_strs(table, "formats", "export.", ExportConfig.formats)
    unknown = sorted(set(formats) - set(EXPORT_FORMATS))
    if unknown or "csv.gz" not in formats:
        raise ConfigError(
            f"export.formats: a list of {', '.join(EXPORT_FORMATS)} that includes csv.gz (the "
            f"format Power BI's queries and the manifest contract read), got {list(formats)!r}"
        )
    return ExportConfig(
        dir=_dir_in(table, "export", base, data_dir),
        onedrive_dir=_resolve(base, onedrive) if onedrive else None,
        keep_days=_get_int(table, "keep_days", "export.", 90, (1, MAX_DAYS)),
        formats=tuple(f for f in EXPORT_FORMATS if f in formats),
    )


def _retention(raw: Mapping[str, Any]) -> RetentionConfig:
    table = _get_table(raw, "retention")
    _check_keys(table, {"raw_days", "logs_days"}, "retention")
    return RetentionConfig(
        raw_days=_get_int(table, "raw_days", "retention.", 1095, (1, MAX_DAYS)),
        logs_days=_get_int(table, "logs_days", "retention.", 30, (1, MAX_DAYS)),
    )


def parse(raw: Mapping[str, Any], base: Path, *, check_env: bool = True) -> Config:
    """Validate a decoded TOML document; relative paths are taken from `base`."""
    _check_keys(raw, _TOP_KEYS, "")
    api_version = _get_str(raw, "api_version", "", DEFAULT_API_VERSION)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", api_version):
        raise ConfigError(f"api_version: expected a date like 2022-11-28, got {api_version!r}")
    ents_raw = raw.get("enterprises", [])
    if not isinstance(ents_raw, list) or not ents_raw:
        raise ConfigError("enterprises: add at least one [[enterprises]] table")
    enterprises = tuple(_enterprise(e, i, check_env) for i, e in enumerate(ents_raw))
    _check_unique(enterprises)
    velocity = _get_table(raw, "velocity")
    _check_keys(velocity, {"bots"}, "velocity")
    billing = _get_table(raw, "billing")
    _check_keys(billing, {"per_user"}, "billing")
    backup = _get_table(raw, "backup")
    _check_keys(backup, {"dir", "keep_days", "keep_weeks"}, "backup")
    data_dir = _resolve(base, _get_str(raw, "data_dir", "", "data"))
    return Config(
        data_dir=data_dir,
        history_days=_get_int(raw, "history_days", "", 90, (1, MAX_HISTORY_DAYS)),
        api_version=api_version,
        enterprises=enterprises,
        dora=_dora(raw),
        velocity=VelocityConfig(bots=_get_strs(velocity, "bots", "velocity.", ())),
        billing=BillingConfig(per_user=_get_bool(billing, "per_user", "billing.", False)),
        export=_export(raw, base, data_dir),
        backup=BackupConfig(
            dir=_dir_in(backup, "backup", base, data_dir),
            keep_days=_get_int(backup, "keep_days", "backup.", 14, (1, MAX_DAYS)),
            keep_weeks=_get_int(backup, "keep_weeks", "backup.", 8, (1, MAX_WEEKS)),
        ),
        retention=_retention(raw),
        ingest=_ingest(raw),
    )


def _ingest(raw: Mapping[str, Any]) -> IngestConfig:
    table = _get_table(raw, "ingest")
    _check_keys(table, {"detail"}, "ingest")
    detail = _get_str(table, "detail", "ingest.", "graphql")
    if detail not in ("graphql", "rest"):
        raise ConfigError(f'ingest.detail: expected "graphql" or "rest", got {detail!r}')
    return IngestConfig(detail=detail)


def load(path: Path, *, check_env: bool = True) -> Config:
    """Read and validate the config file at `path`.

    Relative paths in the file are taken relative to the file's folder, so a scheduled task that
    starts elsewhere finds the same data. `check_env=False` skips the token variables (for
    commands that never call GitHub, such as `verify` or `export`).
    """
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found (pass --config PATH, set GHMC_CONFIG, or copy "
            "config.example.toml to config.toml)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read it ({exc.strerror})") from None
    try:
        raw = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: invalid TOML: {exc}") from None
    cfg = parse(raw, path.resolve().parent, check_env=check_env)
    return replace(cfg, source=path)


def parse_time(value: str) -> dtime:
    """Parse HH:MM for `schedule --time`."""
    try:
        return dtime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--time: expected HH:MM, got {value!r}") from None


def describe(cfg: Config) -> str:
    """A readable summary of the effective configuration (token variable names, never values)."""
    lines = [
        f"config:       {cfg.source}",
        f"data_dir:     {cfg.data_dir}",
        f"history_days: {cfg.history_days}",
        f"api_version:  {cfg.api_version}",
    ]
    for ent in cfg.enterprises:
        billing = f", billing token from ${ent.billing_token_env}" if ent.billing_token_env else ""
        lines.append(
            f"enterprise {ent.id} (slug {ent.slug}) at {ent.api_url}: token from "
            f"${ent.token_env}{billing}; orgs {', '.join(ent.orgs)}; repos {', '.join(ent.repos)}"
            + (f" except {', '.join(ent.exclude_repos)}" if ent.exclude_repos else "")
        )
    lines.append(f"export:       {cfg.export.dir} (OneDrive: {cfg.export.onedrive_dir or 'off'})")
    lines.append(
        f"backup:       {cfg.backup.dir} (daily copies kept {cfg.backup.keep_days} days, "
        f"weekly dumps {cfg.backup.keep_weeks} weeks)"
    )
    return "\n".join(lines)
