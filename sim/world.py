"""The static world: enterprises → orgs → repositories, users, teams, seats.

Built eagerly (it is small even at `large` scale); everything that happens day by day is
generated lazily elsewhere (`activity.py`, `copilot.py`) from hashes of (seed, entity, day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sim.config import Scale
from sim.ids import DAY_S, day_start, h64, rng, unit

ENTERPRISE_NAMES = ("contoso", "fabrikam", "northwind", "tailspin", "woodgrove", "litware")
ORG_SUFFIXES = ("web", "platform", "data", "mobile", "infra", "ml", "payments", "tools")
REPO_WORDS = (
    "api",
    "web",
    "billing",
    "auth",
    "search",
    "gateway",
    "worker",
    "portal",
    "catalog",
    "orders",
    "ledger",
    "notify",
    "infra",
    "mobile",
    "analytics",
    "sdk",
    "docs",
    "cli",
)
FIRST_NAMES = (
    "ada",
    "alan",
    "grace",
    "linus",
    "margaret",
    "ken",
    "barbara",
    "dennis",
    "frances",
    "edsger",
    "radia",
    "donald",
    "hedy",
    "tim",
    "katherine",
    "guido",
    "anita",
    "bjarne",
)
LANGUAGES = ("Python", "TypeScript", "Go", "Java", "C#", "Rust", "JavaScript")
IDES = ("vscode", "visualstudio", "intellij", "neovim", "xcode", "eclipse")
DEPLOY_STYLES = ("deployments", "workflow", "none")


@dataclass(frozen=True, slots=True)
class User:
    """A GitHub account: a human of one enterprise, a bot, or Copilot."""

    id: int
    login: str
    kind: str  # human | bot | copilot
    name: str
    enterprise: str | None = None
    orgs: tuple[str, ...] = ()
    propensity: float = 0.0  # chance of Copilot activity on a workday (0 = never active)
    seat_day: dt.date | None = None  # Copilot seat assigned on this day (None = no seat)
    ide: str = "vscode"
    languages: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        """GitHub's `type` field."""
        return "User" if self.kind == "human" else "Bot"

    @property
    def email(self) -> str:
        """Commit e-mail (noreply form)."""
        return f"{self.id}+{self.login}@users.noreply.github.com"


BOTS = (
    User(49699333, "dependabot[bot]", "bot", "dependabot[bot]"),
    User(41898282, "github-actions[bot]", "bot", "github-actions[bot]"),
    User(198982749, "Copilot", "copilot", "Copilot"),
    User(175728472, "copilot-pull-request-reviewer[bot]", "bot", "Copilot"),
)


@dataclass(frozen=True, slots=True)
class Org:
    """An organization of an enterprise."""

    id: int
    login: str
    enterprise: str


@dataclass(frozen=True, slots=True)
class Team:
    """An org team; members are logins."""

    id: int
    slug: str
    name: str
    org: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Repo:
    """A repository; `idx` is its global index, used inside generated ids."""

    idx: int
    id: int
    name: str
    org: Org
    language: str
    visibility: str
    deploy_style: str  # deployments | workflow | none
    activity: float  # mean PRs per day
    contributors: tuple[str, ...]
    created_at: int

    @property
    def full_name(self) -> str:
        """`org/name`."""
        return f"{self.org.login}/{self.name}"

    @property
    def enterprise(self) -> str:
        """Slug of the owning enterprise."""
        return self.org.enterprise


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An enterprise account with its orgs and members."""

    id: int
    slug: str
    name: str
    orgs: tuple[str, ...]
    users: tuple[str, ...]


@dataclass
class World:
    """Lookup tables of the static world."""

    seed: int
    first_day: dt.date
    scale: Scale
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    orgs: dict[str, Org] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)  # by full_name, lowercase
    repos_by_id: dict[int, Repo] = field(default_factory=dict)
    repos_by_org: dict[str, list[Repo]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by login, lowercase
    teams: dict[str, list[Team]] = field(default_factory=dict)  # by org login

    def user(self, login: str) -> User:
        """The user with this login (case-insensitive)."""
        return self.users[login.lower()]

    def org(self, login: str) -> Org | None:
        """The org with this login (case-insensitive), or None."""
        return self.orgs.get(login.lower())

    def repo(self, owner: str, name: str) -> Repo | None:
        """The repository `owner/name` (case-insensitive), or None."""
        return self.repos.get(f"{owner}/{name}".lower())

    def humans(self, enterprise: str) -> list[User]:
        """Human members of an enterprise, in id order."""
        return [self.users[login.lower()] for login in self.enterprises[enterprise].users]

    def enterprise_repos(self, enterprise: str) -> list[Repo]:
        """All repositories of an enterprise."""
        ent = self.enterprises[enterprise]
        return [repo for org in ent.orgs for repo in self.repos_by_org[org]]


def build_world(seed: int, scale: Scale, first_day: dt.date) -> World:
    """Create the static world for a seed and scale."""
    world = World(seed=seed, first_day=first_day, scale=scale)
    for bot in BOTS:
        world.users[bot.login.lower()] = bot
    for e_idx in range(scale.enterprises):
        _build_enterprise(world, e_idx)
    return world


def _build_enterprise(world: World, e_idx: int) -> None:
    scale = world.scale
    slug = ENTERPRISE_NAMES[e_idx % len(ENTERPRISE_NAMES)]
    if e_idx >= len(ENTERPRISE_NAMES):
        slug = f"{slug}{e_idx}"
    orgs = [
        f"{slug}-{ORG_SUFFIXES[i % len(ORG_SUFFIXES)]}" for i in range(scale.orgs_per_enterprise)
    ]
    for o_idx, login in enumerate(orgs):
        org = Org(50_000_000 + e_idx * 1000 + o_idx, login, slug)
        world.orgs[login.lower()] = org
    humans = [
        _make_human(world, e_idx, u_idx, slug, orgs) for u_idx in range(scale.humans_per_enterprise)
    ]
    for user in humans:
        world.users[user.login.lower()] = user
    world.enterprises[slug] = Enterprise(
        id=100 + e_idx,
        slug=slug,
        name=slug.capitalize(),
        orgs=tuple(orgs),
        users=tuple(u.login for u in humans),
    )
    for o_idx, login in enumerate(orgs):
        members = [u.login for u in humans if login in u.orgs]
        _build_org_repos(world, world.orgs[login.lower()], e_idx, o_idx, members)
        _build_teams(world, login, e_idx, o_idx, members)


def _make_human(world: World, e_idx: int, u_idx: int, slug: str, orgs: list[str]) -> User:
    seed = world.seed
    r = rng(seed, "user", e_idx, u_idx)
    first = FIRST_NAMES[(u_idx + e_idx * 7) % len(FIRST_NAMES)]
    login = f"{first}-{slug[:3]}{u_idx}"
    primary = orgs[u_idx % len(orgs)]
    member_of = [primary]
    if len(orgs) > 1 and r.random() < 0.3:
        member_of.append(orgs[(u_idx + 1) % len(orgs)])
    propensity = 0.0 if r.random() < 0.1 else round(0.3 + 0.65 * r.random(), 3)
    seat_day: dt.date | None = None
    if r.random() < 0.88:
        offset = r.randint(-120, max(1, world.scale.days // 2))
        seat_day = world.first_day + dt.timedelta(days=offset)
    return User(
        id=10_000_000 + e_idx * 100_000 + u_idx,
        login=login,
        kind="human",
        name=f"{first.capitalize()} {slug.capitalize()} {u_idx}",
        enterprise=slug,
        orgs=tuple(member_of),
        propensity=propensity,
        seat_day=seat_day,
        ide=IDES[int(r.random() ** 2 * len(IDES))],
        languages=tuple(r.sample(LANGUAGES, 2)),
    )


def _build_org_repos(world: World, org: Org, e_idx: int, o_idx: int, members: list[str]) -> None:
    scale = world.scale
    repos: list[Repo] = []
    base_idx = (e_idx * scale.orgs_per_enterprise + o_idx) * scale.repos_per_org
    for r_idx in range(scale.repos_per_org):
        idx = base_idx + r_idx
        r = rng(world.seed, "repo", idx)
        word = REPO_WORDS[(r_idx + o_idx) % len(REPO_WORDS)]
        name = word if r_idx < len(REPO_WORDS) else f"{word}-{r_idx // len(REPO_WORDS)}"
        contributors = tuple(sorted(r.sample(members, min(len(members), 12)))) if members else ()
        created = day_start(world.first_day) - DAY_S * r.randint(200, 1500) + r.randint(0, DAY_S)
        repo = Repo(
            idx=idx,
            id=700_000_000 + idx,
            name=name,
            org=org,
            language=LANGUAGES[h64(world.seed, "lang", idx) % len(LANGUAGES)],
            visibility="internal" if r.random() < 0.4 else "private",
            deploy_style=DEPLOY_STYLES[(idx + world.seed) % len(DEPLOY_STYLES)],
            activity=scale.prs_per_repo_day * (0.4 + 1.2 * unit(world.seed, "act", idx)),
            contributors=contributors,
            created_at=created,
        )
        repos.append(repo)
        world.repos[repo.full_name.lower()] = repo
        world.repos_by_id[repo.id] = repo
    world.repos_by_org[org.login] = repos


def _build_teams(world: World, org: str, e_idx: int, o_idx: int, members: list[str]) -> None:
    teams: list[Team] = []
    for t_idx in range(world.scale.teams_per_org):
        r = rng(world.seed, "team", e_idx, o_idx, t_idx)
        size = min(len(members), max(3, len(members) * 2 // max(1, world.scale.teams_per_org)))
        chosen = tuple(sorted(r.sample(members, size))) if members else ()
        slug = f"team-{REPO_WORDS[(t_idx + o_idx) % len(REPO_WORDS)]}-{t_idx}"
        team_id = 9_000_000 + e_idx * 10_000 + o_idx * 100 + t_idx
        teams.append(Team(team_id, slug, slug.replace("-", " ").title(), org, chosen))
    world.teams[org] = teams
