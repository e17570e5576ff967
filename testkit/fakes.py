"""Fake GitHub event logs for tests and benchmarks, with bodies shaped like the official examples.

`LogBuilder` appends `archive.Event`s the way ingest would (request path/params/query, refs, 304s);
`scenario(rng, …)` simulates days of repository activity, Copilot reports, seats and billing;
`rerun`, `reseq` and `with_not_modified` derive logs that must project to the same rows.
Nothing here is used by the projections themselves.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from archive import kinds
from archive.envelope import Event, body_digest, encode_body
from projections.definitions.copilot import schema

API = "https://api.github.com"


def _user(login: str, utype: str = "User") -> dict[str, Any]:
    return {
        "login": login,
        "id": int(hashlib.sha256(login.encode()).hexdigest()[:8], 16),
        "node_id": "MDQ6VXNlcjE=",
        "avatar_url": f"https://github.com/images/{login}.gif",
        "gravatar_id": "",
        "url": f"{API}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": utype,
        "site_admin": False,
    }


@dataclass
class LogBuilder:
    """Appends events with increasing seq and fetched_at (one microsecond apart at least)."""

    enterprise_id: str = "contoso"
    events: list[Event] = field(default_factory=list)
    run_id: str = "run-0001"
    _last: datetime = field(default=datetime(2000, 1, 1, tzinfo=UTC))

    def at(self, when: datetime) -> str:
        """A fetched_at not earlier than `when` and strictly after the previous one."""
        when = max(when, self._last + timedelta(microseconds=1))
        self._last = when
        return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def add(
        self,
        kind: str,
        when: datetime,
        body: Any,
        *,
        org: str | None = None,
        repo: str | None = None,
        status: int = 200,
        path: str = "",
        params: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        refs: dict[str, Any] | None = None,
        raw: bytes | None = None,
        url: str | None = None,
    ) -> Event:
        """Append one event; `body` is JSON-encoded unless `raw` bytes are given."""
        data = raw if raw is not None else (None if body is None else orjson.dumps(body))
        text, enc = encode_body(data)
        sha, size = body_digest(data)
        seq = len(self.events) + 1
        q = "&".join(f"{k}={v}" for k, v in sorted((query or {}).items()))
        url = url or API + path.format(**(params or {})) + (f"?{q}" if q else "")
        fetched_at = self.at(when)
        ev = Event(
            seq=seq,
            event_id=hashlib.sha256(f"{self.run_id}:{seq}:{sha}".encode()).hexdigest()[:32],
            run_id=self.run_id,
            kind=kind,
            fetched_at=fetched_at,
            enterprise_id=self.enterprise_id,
            org=org,
            repo=repo,
            request={
                "method": "GET",
                "url": url,
                "path": path,
                "params": params or {},
                "query": query or {},
                "headers": {},
                "api_version": "2022-11-28",
                "page": 1,
            },
            response={"status": status, "headers": {}, "elapsed_ms": 12},
            body_sha256=sha,
            body_size=size,
            body=text,
            body_encoding=enc,
            refs=refs or {},
        )
        self.events.append(ev)
        return ev

    def not_modified(self, of: Event, when: datetime) -> Event:
        """Append a bodiless 304 re-confirming `of`."""
        ev = replace(
            of,
            seq=len(self.events) + 1,
            fetched_at=self.at(when),
            run_id=self.run_id,
            event_id=hashlib.sha256(f"304:{of.event_id}:{len(self.events)}".encode()).hexdigest()[
                :32
            ],
            response={"status": 304, "headers": {}, "elapsed_ms": 5},
            body=None,
            body_encoding=None,
            body_sha256=None,
            body_size=0,
            refs={**of.refs, "not_modified_of": of.event_id},
        )
        self.events.append(ev)
        return ev


def iso(dt: datetime) -> str:
    """GitHub's timestamp form (seconds, Z)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upto(dt: datetime | None, now: datetime) -> str | None:
    """The timestamp if it already happened at `now`, else null."""
    return iso(dt) if dt is not None and dt <= now else None


def pull_body(  # noqa: PLR0917 - mirrors the body's fields
    repo: str,
    number: int,
    title: str,
    author: str,
    created: datetime,
    now: datetime,
    *,
    merged: datetime | None = None,
    ready: datetime | None = None,
    author_type: str = "User",
    base: str = "main",
    detail: bool = False,
    size: tuple[int, int, int, int] = (10, 2, 1, 1),
) -> dict[str, Any]:
    """A PR as /pulls lists it (or /pulls/{n} answers when `detail`), as of `now`."""
    owner = repo.split("/", maxsplit=1)[0]
    merged_at = upto(merged, now)
    body: dict[str, Any] = {
        "url": f"{API}/repos/{repo}/pulls/{number}",
        "id": number * 1000 + 7,
        "node_id": "MDExOlB1bGxSZXF1ZXN0MQ==",
        "html_url": f"https://github.com/{repo}/pull/{number}",
        "number": number,
        "state": "closed" if merged_at else "open",
        "locked": False,
        "title": title,
        "user": _user(author, author_type),
        "body": "Please pull these changes in!",
        "labels": [],
        "created_at": iso(created),
        "updated_at": iso(min(now, merged or now)),
        "closed_at": merged_at,
        "merged_at": merged_at,
        "merge_commit_sha": None,
        "assignees": [],
        "requested_reviewers": [],
        "head": {"label": f"{owner}:topic-{number}", "ref": f"topic-{number}", "sha": "6dcb09b5"},
        "base": {
            "label": f"{owner}:{base}",
            "ref": base,
            "sha": "6dcb09b5",
            "repo": {"full_name": repo, "default_branch": "main"},
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "draft": ready is not None and ready > now,
    }
    if detail:
        body.update(
            {
                "merged": merged_at is not None,
                "mergeable": True,
                "comments": 0,
                "additions": size[0],
                "deletions": size[1],
                "changed_files": size[2],
                "commits": size[3],
            }
        )
    return body


def review_body(
    review_id: int, login: str, at: datetime, *, state: str = "APPROVED", user_type: str = "User"
) -> dict[str, Any]:
    """A submitted review."""
    return {
        "id": review_id,
        "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=",
        "user": _user(login, user_type),
        "body": "Looks good.",
        "state": state,
        "submitted_at": iso(at),
        "commit_id": "ecdd80bb57125d7b",
        "author_association": "MEMBER",
    }


def commit_body(
    sha: str, login: str, at: datetime, message: str = "Fix all the bugs"
) -> dict[str, Any]:
    """A commit as /commits and /pulls/{n}/commits list it."""
    who = {"name": login, "email": f"{login}@example.com", "date": iso(at)}
    return {
        "sha": sha,
        "node_id": "MDY6Q29tbWl0",
        "url": f"{API}/commits/{sha}",
        "commit": {"author": who, "committer": who, "message": message, "comment_count": 0},
        "author": _user(login),
        "committer": _user(login),
        "parents": [{"sha": "0" * 40}],
    }


def run_body(  # noqa: PLR0917 - mirrors the body's fields
    run_id: int,
    name: str,
    branch: str,
    at: datetime,
    done: datetime,
    now: datetime,
    conclusion: str,
) -> dict[str, Any]:
    """A workflow run as of `now`."""
    finished = done <= now
    return {
        "id": run_id,
        "name": name,
        "node_id": "MDEyOldvcmtmbG93IFJ1bjI2OTI4OQ==",
        "head_branch": branch,
        "head_sha": f"{run_id:040x}",
        "path": ".github/workflows/d.yml",
        "run_number": run_id,
        "event": "push",
        "display_title": name,
        "status": "completed" if finished else "in_progress",
        "conclusion": conclusion if finished else None,
        "workflow_id": 159038,
        "created_at": iso(at),
        "updated_at": iso(done if finished else at),
        "run_attempt": 1,
        "run_started_at": iso(at),
    }


def deployment_body(dep_id: int, env: str, at: datetime) -> dict[str, Any]:
    """A deployment."""
    return {
        "id": dep_id,
        "node_id": "MDEwOkRlcGxveW1lbnQx",
        "sha": f"{dep_id:040x}",
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": env,
        "environment": env,
        "description": "Deploy request",
        "creator": _user("hubot"),
        "created_at": iso(at),
        "updated_at": iso(at),
        "transient_environment": False,
        "production_environment": env == "production",
    }


def status_body(status_id: int, state: str, at: datetime, env: str) -> dict[str, Any]:
    """A deployment status."""
    return {
        "id": status_id,
        "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMx",
        "state": state,
        "creator": _user("hubot"),
        "description": f"Deployment {state}",
        "environment": env,
        "created_at": iso(at),
        "updated_at": iso(at),
    }


def issue_body(  # noqa: PLR0917 - mirrors the body's fields
    number: int,
    title: str,
    labels: Sequence[str],
    opened: datetime,
    closed: datetime | None,
    now: datetime,
    *,
    is_pull: bool = False,
) -> dict[str, Any]:
    """An issue (or, with `is_pull`, a PR as /issues lists it)."""
    closed_at = upto(closed, now)
    body: dict[str, Any] = {
        "id": number,
        "node_id": "MDU6SXNzdWUx",
        "number": number,
        "state": "closed" if closed_at else "open",
        "title": title,
        "body": "It broke.",
        "user": _user("octocat"),
        "labels": [{"id": 1, "name": lb, "color": "f29513"} for lb in labels],
        "comments": 0,
        "closed_at": closed_at,
        "created_at": iso(opened),
        "updated_at": iso(min(now, closed or now)),
        "author_association": "MEMBER",
    }
    if is_pull:
        body["pull_request"] = {"url": f"{API}/pulls/{number}"}
    return body


def issue_event_body(
    ident: int, event: str, at: datetime, number: int, *, actor: str = "octocat"
) -> dict[str, Any]:
    """An `issue-event` of a PR as the repository list returns it."""
    return {
        "id": ident,
        "node_id": "MDEwOklzc3VlRXZlbnQx",
        "url": f"{API}/issues/events/{ident}",
        "actor": _user(actor),
        "event": event,
        "commit_id": None,
        "commit_url": None,
        "created_at": iso(at),
        "issue": {"number": number, "pull_request": {"url": f"{API}/pulls/{number}"}},
        "performed_via_github_app": None,
    }


def seat_body(
    login: str, created: datetime, last_activity: datetime | None, team: str | None = None
) -> dict[str, Any]:
    """A Copilot seat (org seat list)."""
    return {
        "created_at": created.astimezone(timezone_minus6()).isoformat(),
        "updated_at": iso(created),
        "pending_cancellation_date": None,
        "last_activity_at": None
        if last_activity is None
        else last_activity.astimezone(timezone_minus6()).isoformat(),
        "last_activity_editor": "vscode/1.77.3/copilot/1.86.82",
        "last_authenticated_at": iso(last_activity or created),
        "plan_type": "business",
        "assignee": _user(login),
        "assigning_team": None if team is None else {"id": 1, "name": team, "slug": team},
    }


def timezone_minus6() -> Any:
    """The -06:00 offset of the official seat example."""
    from datetime import timezone  # noqa: PLC0415

    return timezone(timedelta(hours=-6))


def usage_body(
    items: list[tuple[str, str, str, float]],
    year: int,
    month: int,
    day: int,
    *,
    credits: bool = False,
) -> dict[str, Any]:
    """A billing usage answer: items are (product, sku, model, quantity)."""
    price, unit = (0.01, "credits") if credits else (0.04, "requests")
    return {
        "timePeriod": {"year": year, "month": month, "day": day},
        "enterprise": "contoso",
        "usageItems": [
            {
                "product": p,
                "sku": s,
                "model": m,
                "unitType": unit,
                "pricePerUnit": price,
                "grossQuantity": q,
                "grossAmount": round(q * price, 4),
                "discountQuantity": 0,
                "discountAmount": 0,
                "netQuantity": q,
                "netAmount": round(q * price, 4),
            }
            for p, s, m, q in items
        ],
    }


def feature_row(feature: str, gen: int, acc: int, **dims: str) -> dict[str, Any]:
    """One `totals_by_*` element."""
    return {
        **dims,
        "feature": feature,
        "code_generation_activity_count": gen,
        "code_acceptance_activity_count": acc,
        "loc_added_sum": acc * 3,
        "loc_deleted_sum": 0,
        "loc_suggested_to_add_sum": gen * 4,
        "loc_suggested_to_delete_sum": 0,
        "user_initiated_interaction_count": gen // 2,
    }


def user_record(  # noqa: PLR0917 - mirrors the body's fields
    day: str, uid: int, login: str, gen: int, acc: int, chat: int = 0
) -> dict[str, Any]:
    """A users-1-day record like the official example (plus later-added fields)."""
    feats = [feature_row("code_completion", gen, acc)]
    if chat:
        feats.append(feature_row("chat_panel_agent_mode", chat, chat // 2))
    return {
        "day": day,
        "enterprise_id": "1",
        "user_id": uid,
        "user_login": login,
        "user_initiated_interaction_count": gen // 2 + chat // 2,
        "code_generation_activity_count": gen + chat,
        "code_acceptance_activity_count": acc + chat // 2,
        "loc_suggested_to_add_sum": gen * 4,
        "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": acc * 3,
        "loc_deleted_sum": 0,
        "totals_by_ide": [
            {
                **feature_row("x", gen, acc, ide="vscode"),
                "last_known_ide_version": {"ide_version": "1.85.0", "sampled_at": day},
            }
        ],
        "totals_by_feature": feats,
        "totals_by_language_feature": [feature_row("code_completion", gen, acc, language="python")],
        "totals_by_language_model": [],
        "totals_by_model_feature": [],
        "used_agent": chat > 0,
        "used_chat": chat > 0,
        "used_cli": False,
        "used_copilot_coding_agent": False,
        "used_copilot_cloud_agent": False,
        "used_copilot_code_review_active": None,
        "ai_credits_used": 1.5,
        "ai_adoption_phase": {"phase_number": 2, "phase": "Phase 2", "version": "1"},
        "etl_id": "green",
        "day_partition": day,
        "entity_id_partition": 1,
    }


def aggregate_record(
    day: str, users: list[dict[str, Any]], *, org_id: str | None = None
) -> dict[str, Any]:
    """An enterprise-1-day / organization-1-day record summing `users`."""
    gen = sum(u["totals_by_feature"][0]["code_generation_activity_count"] for u in users)
    acc = sum(u["totals_by_feature"][0]["code_acceptance_activity_count"] for u in users)
    rec: dict[str, Any] = {
        "day": day,
        "enterprise_id": "1",
        "daily_active_users": len(users),
        "weekly_active_users": len(users),
        "monthly_active_users": len(users),
        "monthly_active_chat_users": 0,
        "monthly_active_agent_users": 0,
        "user_initiated_interaction_count": gen // 2,
        "code_generation_activity_count": gen,
        "code_acceptance_activity_count": acc,
        "loc_suggested_to_add_sum": gen * 4,
        "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": acc * 3,
        "loc_deleted_sum": 0,
        "totals_by_feature": [feature_row("code_completion", gen, acc)],
        "totals_by_ide": [feature_row("x", gen, acc, ide="vscode")],
        "totals_by_language_feature": [],
        "totals_by_language_model": [],
        "totals_by_model_feature": [],
        "pull_requests": {
            "total_created": 2,
            "total_reviewed": 1,
            "total_merged": 1,
            "median_minutes_to_merge": 2.5,
            "total_created_by_copilot": 0,
            "total_reviewed_by_copilot": 1,
            "total_suggestions": 1,
            "total_applied_suggestions": 1,
            "total_merged_created_by_copilot": 0,
        },
    }
    if org_id is not None:
        rec["organization_id"] = org_id
    return rec


def ndjson(records: list[dict[str, Any]]) -> bytes:
    """Records as an NDJSON file."""
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def add_report(
    log: LogBuilder,
    kind: str,
    day: str,
    when: datetime,
    files: list[bytes] | None,
    *,
    org: str | None = None,
) -> Event:
    """A report link answer (204 when `files` is None) and its downloaded files."""
    ent = log.enterprise_id
    slug = kind.rsplit(".", maxsplit=1)[-1].replace("_", "-")
    path = (
        f"/orgs/{{org}}/copilot/metrics/reports/{slug}"
        if org
        else f"/enterprises/{{enterprise}}/copilot/metrics/reports/{slug}"
    )
    params = {"org": org} if org else {"enterprise": ent}
    if files is None:
        return log.add(
            kind, when, None, org=org, status=204, path=path, params=params, query={"day": day}
        )
    links = [f"https://copilot-reports.example/{day}/{i}.ndjson?sig=abc" for i in range(len(files))]
    link = log.add(
        kind,
        when,
        {"download_links": links, "report_day": day},
        org=org,
        path=path,
        params=params,
        query={"day": day},
    )
    for i, data in enumerate(files):
        log.add(
            kinds.COPILOT_REPORT_FILE,
            when,
            None,
            org=org,
            path="download",
            raw=data,
            url=links[i],
            refs={
                "report_event_id": link.event_id,
                "report_kind": kind,
                "report_day": day,
                "file_index": i,
            },
        )
    return link


@dataclass
class PlannedPull:
    """A PR's whole life, decided up front; bodies show it as of each fetch."""

    repo: str
    number: int
    title: str
    author: str
    author_type: str
    created: datetime
    ready: datetime | None
    merged: datetime | None
    commits: list[tuple[str, str, datetime]]
    reviews: list[tuple[int, str, str, datetime]]
    size: tuple[int, int, int, int]

    def draft_events(self) -> list[tuple[str, datetime]]:
        """(event, time) of its draft-state issue events: `ready_for_review` when a draft became
        ready; every fifth such PR is then converted back to draft and readied again (the pull
        bodies do not show that second draft spell: only the events do)."""
        if self.ready is None:
            return []
        out = [("ready_for_review", self.ready)]
        if self.number % 5 == 0:
            out.append(("convert_to_draft", self.ready + timedelta(minutes=30)))
            out.append(("ready_for_review", self.ready + timedelta(minutes=90)))
        return out

    def times(self) -> list[datetime]:
        """Every moment the PR changed."""
        out = [self.created, *(r[3] for r in self.reviews)]
        out += [t for t in (self.ready, self.merged) if t is not None]
        return out


@dataclass
class PlannedDeploy:
    """A deployment (GitHub deployment or deploy workflow run)."""

    repo: str
    ident: int
    via_run: bool
    name: str
    start: datetime
    done: datetime
    outcome: str


@dataclass
class PlannedIssue:
    """An issue."""

    repo: str
    number: int
    title: str
    labels: tuple[str, ...]
    opened: datetime
    closed: datetime | None


HUMANS = ("alice", "bob", "carol", "dave", "erin", "frank")
BOTS = (("dependabot[bot]", "Bot"), ("Copilot", "Bot"))
REVIEW_BOTS = (("copilot-pull-request-reviewer[bot]", "Bot"), ("ci-helper[bot]", "Bot"))


@dataclass
class World:
    """A planned history of some repositories; `fetch_day` archives one daily collection run."""

    rng: random.Random
    start: datetime
    repos: list[str]
    pulls: list[PlannedPull] = field(default_factory=list)
    deploys: list[PlannedDeploy] = field(default_factory=list)
    issues: list[PlannedIssue] = field(default_factory=list)
    next_id: int = 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _when(self, day: int) -> datetime:
        return self.start + timedelta(days=day, seconds=self.rng.randrange(86_400))

    def plan_pull(
        self, repo: str, day: int, title: str | None = None, created: datetime | None = None
    ) -> PlannedPull:
        """Plan one PR created on `day`."""
        r = self.rng
        created = created or self._when(day)
        author, atype = (r.choice(HUMANS), "User") if r.random() < 0.8 else r.choice(BOTS)
        commits = [
            (f"{self._id():040x}", author, created - timedelta(minutes=r.randrange(1, 4000)))
            for _ in range(r.randrange(1, 4))
        ]
        ready = created + timedelta(minutes=r.randrange(5, 600)) if r.random() < 0.25 else None
        reviewers = [(h, "User") for h in HUMANS if h != author and r.random() < 0.3]
        reviewers += [b for b in REVIEW_BOTS if r.random() < 0.3]
        reviews = [
            (self._id(), lg, ut, created + timedelta(minutes=r.randrange(1, 2000)))
            for lg, ut in reviewers
        ]
        merged = created + timedelta(minutes=r.randrange(30, 3000)) if r.random() < 0.75 else None
        size = (r.randrange(1, 500), r.randrange(0, 200), r.randrange(1, 20), len(commits))
        pull = PlannedPull(
            repo,
            self._id(),
            title or f"Change {self.next_id}",
            author,
            atype,
            created,
            ready,
            merged,
            commits,
            reviews,
            size,
        )
        self.pulls.append(pull)
        return pull

    def plan_day(self, day: int) -> None:
        """Plan the activity of one day on every repository."""
        r = self.rng
        for i, repo in enumerate(self.repos):
            for _ in range(r.randrange(0, 4)):
                pull = self.plan_pull(repo, day)
                if pull.merged and r.random() < 0.1:
                    at = pull.merged + timedelta(minutes=r.randrange(60, 600))
                    self.plan_pull(repo, day, f'Revert "{pull.title}"', at)
            for _ in range(r.randrange(0, 3)):
                at = self._when(day)
                outcome = "failure" if r.random() < 0.15 else "success"
                name = (
                    ("deploy-prod" if r.random() < 0.9 else "build")
                    if i % 2
                    else ("production" if r.random() < 0.8 else "staging")
                )
                self.deploys.append(
                    PlannedDeploy(
                        repo,
                        self._id(),
                        bool(i % 2),
                        name,
                        at,
                        at + timedelta(minutes=r.randrange(3, 30)),
                        outcome,
                    )
                )
            if r.random() < 0.3:
                at = self._when(day)
                closed = at + timedelta(minutes=r.randrange(30, 900)) if r.random() < 0.6 else None
                labels = ("incident",) if r.random() < 0.7 else ("bug",)
                self.issues.append(PlannedIssue(repo, self._id(), "Outage", labels, at, closed))


def _in(t: datetime | None, lo: datetime, hi: datetime) -> bool:
    return t is not None and lo < t <= hi


@dataclass
class Collector:
    """Archives what a daily run would fetch from a `World` at `now`."""

    world: World
    log: LogBuilder
    last_by_url: dict[str, Event] = field(default_factory=dict)

    def get(
        self,
        kind: str,
        now: datetime,
        body: Any,
        path: str,
        params: dict[str, Any],
        *,
        org: str | None = None,
        repo: str | None = None,
        refs: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Event:
        """A GET that answers 304 when the body did not change since the last fetch of its URL."""
        ev = self.log.add(
            kind, now, body, org=org, repo=repo, path=path, params=params, refs=refs, query=query
        )
        prev = self.last_by_url.get(ev.request["url"])
        if prev is not None and prev.body_sha256 == ev.body_sha256:
            self.log.events.pop()
            return self.log.not_modified(prev, now)
        self.last_by_url[ev.request["url"]] = ev
        return ev

    def pulls(self, repo: str, lo: datetime, now: datetime) -> None:
        """Changed PRs: list page, then detail, reviews and commits of each."""
        owner, name = repo.split("/")
        p = {"owner": owner, "repo": name}
        changed = [
            pl
            for pl in self.world.pulls
            if pl.repo == repo and any(_in(t, lo, now) for t in pl.times())
        ]
        if not changed:
            return
        self.log.add(
            kinds.REPO_PULLS,
            now,
            [self._pull(pl, now) for pl in changed],
            org=owner,
            repo=repo,
            path="/repos/{owner}/{repo}/pulls",
            params=p,
            query={"state": "all", "sort": "updated", "direction": "desc"},
        )
        for pl in changed:
            pp = {**p, "pull_number": pl.number}
            refs = {"pull_number": pl.number}
            self.log.add(
                kinds.REPO_PULL,
                now,
                self._pull(pl, now, detail=True),
                org=owner,
                repo=repo,
                path="/repos/{owner}/{repo}/pulls/{pull_number}",
                params=pp,
                refs=refs,
            )
            reviews = [
                review_body(i, lg, at, user_type=ut) for i, lg, ut, at in pl.reviews if at <= now
            ]
            self.get(
                kinds.REPO_PULL_REVIEWS,
                now,
                reviews,
                "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                pp,
                org=owner,
                repo=repo,
                refs=refs,
            )
            commits = [commit_body(s, lg, at) for s, lg, at in pl.commits]
            self.get(
                kinds.REPO_PULL_COMMITS,
                now,
                commits,
                "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
                pp,
                org=owner,
                repo=repo,
                refs=refs,
            )

    def issue_events(self, repo: str, lo: datetime, now: datetime) -> None:
        """The draft-state issue events of the last two days, newest first (one page; a day of
        overlap with the previous run, as a walk down to its watermark would re-read)."""
        owner, name = repo.split("/")
        items = [
            (at, pl.number * 100 + i, event, pl.number)
            for pl in self.world.pulls
            if pl.repo == repo
            for i, (event, at) in enumerate(pl.draft_events())
            if _in(at, lo - timedelta(days=1), now)
        ]
        items.sort(reverse=True)
        self.get(
            kinds.REPO_ISSUE_EVENTS,
            now,
            [issue_event_body(ident, event, at, number) for at, ident, event, number in items],
            "/repos/{owner}/{repo}/issues/events",
            {"owner": owner, "repo": name},
            org=owner,
            repo=repo,
            query={"per_page": "100"},
        )

    @staticmethod
    def _pull(pl: PlannedPull, now: datetime, *, detail: bool = False) -> dict[str, Any]:
        return pull_body(
            pl.repo,
            pl.number,
            pl.title,
            pl.author,
            pl.created,
            now,
            merged=pl.merged,
            ready=pl.ready,
            author_type=pl.author_type,
            detail=detail,
            size=pl.size,
        )

    def commits(self, repo: str, lo: datetime, now: datetime) -> None:
        """Default-branch commits: one squash commit per PR merged in the window."""
        owner, name = repo.split("/")
        merged = [pl for pl in self.world.pulls if pl.repo == repo and _in(pl.merged, lo, now)]
        body = [
            commit_body(f"{pl.number:040x}", pl.author, pl.merged or now, pl.title) for pl in merged
        ]
        self.log.add(
            kinds.REPO_COMMITS,
            now,
            body,
            org=owner,
            repo=repo,
            path="/repos/{owner}/{repo}/commits",
            params={"owner": owner, "repo": name},
            query={"since": iso(lo)},
        )

    def deployments(self, repo: str, lo: datetime, now: datetime) -> None:
        """Deployments and their statuses, or deploy workflow runs, touched in the window."""
        owner, name = repo.split("/")
        p = {"owner": owner, "repo": name}
        mine = [d for d in self.world.deploys if d.repo == repo and d.start <= now]
        runs = [
            run_body(d.ident, d.name, "main", d.start, d.done, now, d.outcome)
            for d in mine
            if d.via_run and (_in(d.start, lo, now) or _in(d.done, lo, now))
        ]
        if runs:
            self.log.add(
                kinds.REPO_WORKFLOW_RUNS,
                now,
                {"total_count": len(runs), "workflow_runs": runs},
                org=owner,
                repo=repo,
                path="/repos/{owner}/{repo}/actions/runs",
                params=p,
            )
        deps = [d for d in mine if not d.via_run and d.start > lo - timedelta(days=2)]
        if deps:
            self.log.add(
                kinds.REPO_DEPLOYMENTS,
                now,
                [deployment_body(d.ident, d.name, d.start) for d in deps],
                org=owner,
                repo=repo,
                path="/repos/{owner}/{repo}/deployments",
                params=p,
            )
        for d in deps:
            sts = [status_body(d.ident * 10 + 1, "in_progress", d.start, d.name)]
            if d.done <= now:
                sts.append(status_body(d.ident * 10 + 2, d.outcome, d.done, d.name))
            self.get(
                kinds.REPO_DEPLOYMENT_STATUSES,
                now,
                sts[::-1],
                "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
                {**p, "deployment_id": d.ident},
                org=owner,
                repo=repo,
                refs={"deployment_id": d.ident},
            )

    def issues(self, repo: str, lo: datetime, now: datetime) -> None:
        """Issues with an incident label updated in the window (plus one PR item to skip)."""
        owner, name = repo.split("/")
        items = [
            issue_body(i.number, i.title, i.labels, i.opened, i.closed, now)
            for i in self.world.issues
            if i.repo == repo
            and i.opened <= now
            and (_in(i.opened, lo, now) or _in(i.closed, lo, now))
        ]
        items.append(issue_body(99_999, "A PR", ("incident",), lo, None, now, is_pull=True))
        self.log.add(
            kinds.REPO_ISSUES,
            now,
            items,
            org=owner,
            repo=repo,
            path="/repos/{owner}/{repo}/issues",
            params={"owner": owner, "repo": name},
            query={"labels": "incident", "state": "all", "since": iso(lo)},
        )

    def copilot(self, orgs: list[str], now: datetime, day: int) -> None:
        """Seats, billing and the previous day's Copilot reports (re-fetching the day before)."""
        r = self.world.rng
        for org in orgs:
            seats = [
                seat_body(
                    h, self.world.start, self.world.start + timedelta(days=r.randrange(0, day + 1))
                )
                for h in HUMANS[: 3 + day % 3]
            ]
            self.get(
                kinds.COPILOT_SEATS,
                now,
                {"total_seats": len(seats), "seats": seats},
                "/orgs/{org}/copilot/billing/seats",
                {"org": org},
                org=org,
            )
        prev = (now - timedelta(days=1)).date()
        for kind, credits in (
            (kinds.BILLING_PREMIUM_REQUEST_USAGE, False),
            (kinds.BILLING_AI_CREDIT_USAGE, True),
        ):
            items = [
                ("Copilot", "Copilot Premium Request", m, float(r.randrange(0, 50)))
                for m in ("GPT-5", "Claude Sonnet 4.6")
            ]
            slug = "premium_request" if not credits else "ai_credit"
            self.get(
                kind,
                now,
                usage_body(items, prev.year, prev.month, prev.day, credits=credits),
                f"/enterprises/{{enterprise}}/settings/billing/{slug}/usage",
                {"enterprise": self.log.enterprise_id},
                query={"year": str(prev.year), "month": str(prev.month), "day": str(prev.day)},
            )
        for back in (1, 2):
            rday = (now - timedelta(days=back)).date().isoformat()
            self._reports(orgs, rday, now, revise=back == 2 and r.random() < 0.4)

    def _reports(self, orgs: list[str], day: str, now: datetime, *, revise: bool) -> None:
        r = random.Random(f"{day}:{revise}")
        if r.random() < 0.15:
            for kind in (kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, kinds.COPILOT_REPORT_USERS_1_DAY):
                add_report(self.log, kind, day, now, None)
            return
        users = [
            user_record(
                day, i + 1, h, r.randrange(0, 40) + revise, r.randrange(0, 10), r.randrange(0, 6)
            )
            for i, h in enumerate(HUMANS[:4])
        ]
        add_report(
            self.log,
            kinds.COPILOT_REPORT_USERS_1_DAY,
            day,
            now,
            [ndjson(users[:2]), ndjson(users[2:])],
        )
        add_report(
            self.log,
            kinds.COPILOT_REPORT_ENTERPRISE_1_DAY,
            day,
            now,
            [ndjson([aggregate_record(day, users)])],
        )
        teams = [
            {
                "user_id": i + 1,
                "user_login": h,
                "day": day,
                "enterprise_id": "1",
                "team_id": 7,
                "slug": "web",
            }
            for i, h in enumerate(HUMANS[:3])
        ]
        add_report(self.log, kinds.COPILOT_REPORT_USER_TEAMS_1_DAY, day, now, [ndjson(teams)])
        for org in orgs:
            add_report(
                self.log,
                kinds.COPILOT_REPORT_ORGANIZATION_1_DAY,
                day,
                now,
                [ndjson([aggregate_record(day, users[:3], org_id="42")])],
                org=org,
            )
        repos = [
            repo_record(day, org, j, r.randrange(0, 5) + revise) for org in orgs for j in (0, 1)
        ]
        add_report(self.log, kinds.COPILOT_REPORT_REPOS_1_DAY, day, now, [ndjson(repos)])


def repo_record(day: str, org: str, j: int, merged: int) -> dict[str, Any]:
    """A repos-1-day record shaped like the official example (plus one unknown field)."""
    pr: dict[str, float | None] = {n: merged for n in schema.REPO_PR if n.startswith("total")}
    pr |= {name: (30.0 * merged if merged else None) for name in schema.REPO_PR if "median" in name}
    times = (
        [
            {
                "authored_by": "human",
                "reviewed_by": "human",
                "total_merged": merged,
                **dict.fromkeys(schema.REVIEW_TIMES[1:], 12.5 * merged),
            }
        ]
        if merged
        else []
    )
    return {
        "day": day,
        "enterprise_id": "1",
        "organization_id": "42",
        "repo_id": 1000 + j,
        "repo_owner_name": org,
        "repo_name": f"repo{j}",
        "repo_visibility": "INTERNAL",
        "pull_requests": pr,
        "pull_request_review_times": times,
        "some_future_field": {"x": 1},
    }


def scenario(
    rng: random.Random,
    *,
    days: int = 4,
    orgs: int = 1,
    repos_per_org: int = 2,
    start: datetime = datetime(2026, 3, 2, tzinfo=UTC),
    enterprise_id: str = "contoso",
) -> list[Event]:
    """Simulate `days` days of activity and one collection run each morning; return the log."""
    org_names = [f"org{i}" for i in range(orgs)]
    repos = [f"{o}/repo{j}" for o in org_names for j in range(repos_per_org)]
    world = World(rng, start, repos)
    for d in range(days):
        world.plan_day(d)
    log = LogBuilder(enterprise_id)
    col = Collector(world, log)
    for d in range(days):
        now = start + timedelta(days=d + 1, hours=8)
        lo = now - timedelta(days=1)
        log.run_id = f"run-{d:04d}"
        log.add(
            kinds.RUN_STARTED,
            now,
            {"run_id": log.run_id, "enterprise_id": enterprise_id, "started_at": iso(now)},
        )
        for org in org_names:
            log.add(
                kinds.ORG_REPOS,
                now,
                [
                    {"id": i, "name": r.split("/")[1], "full_name": r, "default_branch": "main"}
                    for i, r in enumerate(repos)
                    if r.startswith(org + "/")
                ],
                org=org,
                path="/orgs/{org}/repos",
                params={"org": org},
            )
        for repo in repos:
            col.pulls(repo, lo, now)
            col.issue_events(repo, lo, now)
            col.commits(repo, lo, now)
            col.deployments(repo, lo, now)
            col.issues(repo, lo, now)
        col.copilot(org_names, now, d)
        done = now + timedelta(minutes=10)
        log.add(
            kinds.RUN_FINISHED,
            done,
            {
                "run_id": log.run_id,
                "enterprise_id": enterprise_id,
                "started_at": iso(now),
                "finished_at": iso(done),
                "status": "ok",
                "requests": len(log.events),
                "not_modified": 0,
                "charged": 1,
                "events": len(log.events),
                "bytes_received": 1,
                "bytes_stored": 1,
                "rate_limit_remaining_min": 4000,
                "errors": [],
                "warnings": [],
            },
        )
    return log.events


def reseq(events: Sequence[Event], order: Sequence[int]) -> list[Event]:
    """The same fetches written in another order: seq renumbered along `order` (a permutation)."""
    return [replace(events[i], seq=n + 1) for n, i in enumerate(order)]


def rerun(events: Sequence[Event], rng: random.Random, *, not_modified: float = 0.3) -> list[Event]:
    """`events` plus a rerun that re-archives the latest answer of every URL (same bodies, later,
    same UTC day), some of them as 304s; run markers are not responses and are not repeated."""
    latest: dict[str, Event] = {}
    for ev in sorted(events, key=lambda e: (e.fetched_at, e.seq)):
        if ev.kind in (kinds.RUN_STARTED, kinds.RUN_FINISHED, kinds.COPILOT_REPORT_FILE):
            continue
        if ev.response.get("status") in (200, 204):
            latest[ev.request["url"]] = ev
    files: dict[str, list[Event]] = {}
    for ev in events:
        if ev.kind == kinds.COPILOT_REPORT_FILE:
            files.setdefault(str(ev.refs.get("report_event_id")), []).append(ev)
    last = max(ev.fetched_at for ev in events)
    log = LogBuilder(events[0].enterprise_id or "", list(events), "run-rerun")
    log._last = datetime.fromisoformat(last) + timedelta(minutes=30)
    for ev in sorted(latest.values(), key=lambda e: (e.fetched_at, e.seq)):
        if ev.body is not None and ev.kind not in _LINK_KINDS and rng.random() < not_modified:
            log.not_modified(ev, log._last)
            continue
        new = _copy(log, ev, {})
        for f in files.get(ev.event_id, []):
            _copy(log, f, {"report_event_id": new.event_id})
    return log.events


_LINK_KINDS = frozenset(
    {
        kinds.COPILOT_REPORT_ENTERPRISE_1_DAY,
        kinds.COPILOT_REPORT_USERS_1_DAY,
        kinds.COPILOT_REPORT_REPOS_1_DAY,
        kinds.COPILOT_REPORT_USER_TEAMS_1_DAY,
        kinds.COPILOT_REPORT_ORGANIZATION_1_DAY,
    }
)


def _copy(log: LogBuilder, ev: Event, refs: dict[str, Any]) -> Event:
    seq = len(log.events) + 1
    new = replace(
        ev,
        seq=seq,
        run_id=log.run_id,
        fetched_at=log.at(log._last),
        event_id=hashlib.sha256(f"{log.run_id}:{seq}".encode()).hexdigest()[:32],
        refs={**ev.refs, **refs},
    )
    log.events.append(new)
    return new
