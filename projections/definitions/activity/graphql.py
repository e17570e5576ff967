"""GitHub's GraphQL answers as the records the REST extractors produce (`snapshot.py`).

A pure translation: a parsed `graphql.pull_requests` or `graphql.deployments` body plus envelope
fields in, `(key, record)` pairs out, keyed exactly as the REST extractors key them, so an archive
written by either ingest path (`[ingest] detail = "rest" | "graphql"`) projects to the same rows.
Nodes that came back null (NOT_FOUND, internal errors) yield nothing; a connection that is absent
(a follow-up page query asks only for the connection it pages) yields nothing for it.

Reconciled (github-api/graphql/README.md, "Known differences"):
- bot logins: GraphQL's `Bot` has no `[bot]` suffix (`dependabot`), REST says `dependabot[bot]`;
  Copilot is the exception REST itself spells without it (`Copilot`, type `Bot`);
- enum case: deployment status states are upper case in GraphQL (`SUCCESS`), lower in REST;
  review states are upper case in both; PR `state` is not used (REST's closed/merged times are);
- ids: the REST `id` is `fullDatabaseId` (a BigInt string) where a type has it; for types without
  one (deployment statuses, timeline events) the REST id is read from the global id (legacy
  `base64("0NN:TypeID")` or the newer `PREFIX_` + base64url(msgpack([... , id])) form), and a
  deployment's REST id comes from the envelope's `refs.rest_ids` (what the REST list said);
- timestamps are the same ISO-8601 UTC text in both (normalised by `norm_ts` all the same);
- a commit's author is a `GitActor` whose `user` is a `User` (null for a bot): such commits get an
  empty login, as REST gives for commits by authors without an account (PR commits' logins enter
  no table; only their authored dates do).
"""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Hashable, Mapping
from typing import Any

from projections.definitions.activity.snapshot import (
    Commit,
    PrEvent,
    Pull,
    PullSize,
    Review,
    Status,
)
from projections.definitions.shared.timeutil import norm_ts

Pairs = list[tuple[Hashable, Any]]
REST_LOGINS_WITHOUT_SUFFIX = frozenset({"Copilot"})
"""Bot logins REST itself spells without `[bot]`."""
TIMELINE_EVENTS = {
    "ReadyForReviewEvent": "ready_for_review",
    "ConvertToDraftEvent": "convert_to_draft",
}


def rest_login(actor: Any) -> tuple[str, str]:
    """(login, type) as REST's `user` object spells them, from a GraphQL `Actor`."""
    if not isinstance(actor, dict):
        return "", ""
    login, typename = str(actor.get("login") or ""), str(actor.get("__typename") or "")
    if (
        typename == "Bot"
        and login
        and not login.endswith("[bot]")
        and login not in REST_LOGINS_WITHOUT_SUFFIX
    ):
        login += "[bot]"
    return login, typename


def database_id(global_id: Any) -> int | None:
    """The REST (database) id inside a GraphQL global id, legacy or new format; None if none."""
    if not isinstance(global_id, str) or not global_id:
        return None
    prefix, sep, rest = global_id.partition("_")
    if sep and prefix.isalnum() and rest:
        return _msgpack_last_int(rest)
    try:
        raw = base64.b64decode(global_id.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    head, _, tail = raw.partition(":")
    if not head.startswith("0") or not head[1:].isdigit():
        return None
    digits = tail[int(head[1:]) :]
    return int(digits) if digits.isdigit() else None


def _msgpack_last_int(text: str) -> int | None:
    """The last integer of a msgpack array of integers (base64url, unpadded)."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if not data or not 0x90 <= data[0] <= 0x9F:
        return None
    pos, last = 1, None
    sizes = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}
    for _ in range(data[0] & 0x0F):
        if pos >= len(data):
            return None
        tag = data[pos]
        if tag <= 0x7F:
            last, pos = tag, pos + 1
        elif tag in sizes:
            n = sizes[tag]
            chunk = data[pos + 1 : pos + 1 + n]
            if len(chunk) != n:
                return None
            last = int.from_bytes(chunk, "big", signed=tag >= 0xD0)
            pos += 1 + n
        else:
            return None
    return last


def _nodes(data: Any, field: str) -> list[dict[str, Any]]:
    conn = data.get(field) if isinstance(data, dict) else None
    nodes = conn.get("nodes") if isinstance(conn, dict) else None
    return [n for n in nodes or () if isinstance(n, dict)]


def _roots(body: Any) -> list[dict[str, Any]]:
    """The objects an answer holds: `data.nodes[*]` and `data.node` (nulls dropped)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return []
    out = [n for n in data.get("nodes") or () if isinstance(n, dict)]
    if isinstance(data.get("node"), dict):
        out.append(data["node"])
    return out


def _repo(node: dict[str, Any], repo: str | None) -> str:
    if repo and "/" in repo:
        return sys.intern(repo)
    owner = node.get("repository")
    name = owner.get("nameWithOwner") if isinstance(owner, dict) else None
    return sys.intern(str(name or repo or ""))


def pull_request_records(body: Any, enterprise_id: str, repo: str | None) -> Pairs:
    """Pull, PullSize, Review, Commit and PrEvent pairs of a `graphql.pull_requests` body."""
    ent = sys.intern(enterprise_id)
    out: Pairs = []
    for node in _roots(body):
        number = node.get("number")
        if node.get("__typename") != "PullRequest" or not isinstance(number, int):
            continue
        full = _repo(node, repo)
        key = (ent, full, number)
        if "createdAt" in node:
            out.append((key, _pull(node, ent, full, number)))
        if "additions" in node:
            commits = node.get("commits")
            total = commits.get("totalCount") if isinstance(commits, dict) else None
            out.append(
                (
                    key,
                    PullSize(
                        _int(node.get("additions")),
                        _int(node.get("deletions")),
                        _int(node.get("changedFiles")),
                        _int(total),
                    ),
                )
            )
        for rv in _nodes(node, "reviews"):
            ident = _big(rv.get("fullDatabaseId")) or database_id(rv.get("id")) or 0
            login, utype = rest_login(rv.get("author"))
            review = Review(
                login, utype, str(rv.get("state") or ""), norm_ts(rv.get("submittedAt"))
            )
            out.append(((ent, full, number, ident), review))
        for item in _nodes(node, "commits"):
            commit = _commit(item.get("commit"))
            if commit is not None:
                out.append(((ent, full, number, commit.sha), commit))
        for ev in _nodes(node, "timelineItems"):
            event = TIMELINE_EVENTS.get(str(ev.get("__typename")))
            event_id = database_id(ev.get("id"))
            if event is not None and event_id is not None:
                out.append(
                    (
                        (ent, full, number, event_id),
                        PrEvent(event_id, event, norm_ts(ev.get("createdAt"))),
                    )
                )
    return out


def deployment_records(
    body: Any, enterprise_id: str, repo: str | None, rest_ids: Mapping[str, Any] | None = None
) -> Pairs:
    """Status pairs of a `graphql.deployments` body, keyed like `repo.deployment_statuses`."""
    ent = sys.intern(enterprise_id)
    out: Pairs = []
    for node in _roots(body):
        if node.get("__typename") != "Deployment":
            continue
        gid = node.get("id")
        known = (rest_ids or {}).get(str(gid))
        dep_id = _int(known) if known is not None else database_id(gid)
        if dep_id is None:
            continue
        full = _repo(node, repo)
        for st in _nodes(node, "statuses"):
            status_id = database_id(st.get("id"))
            if status_id is None:
                continue
            status = Status(
                status_id, str(st.get("state") or "").lower(), norm_ts(st.get("createdAt"))
            )
            out.append(((ent, full, dep_id, status_id), status))
    return out


def _pull(node: dict[str, Any], ent: str, full: str, number: int) -> Pull:
    login, utype = rest_login(node.get("author"))
    base_repo = node.get("baseRepository")
    branch_ref = base_repo.get("defaultBranchRef") if isinstance(base_repo, dict) else None
    default_branch = branch_ref.get("name") if isinstance(branch_ref, dict) else None
    return Pull(
        ent,
        full,
        number,
        str(node.get("title") or ""),
        login,
        utype,
        bool(node.get("isDraft")),
        norm_ts(node.get("createdAt")),
        norm_ts(node.get("closedAt")),
        norm_ts(node.get("mergedAt")),
        str(node.get("baseRefName") or ""),
        default_branch if isinstance(default_branch, str) else None,
    )


def _commit(inner: Any) -> Commit | None:
    if not isinstance(inner, dict) or not inner.get("oid"):
        return None
    author = inner.get("author")
    user = author.get("user") if isinstance(author, dict) else None
    login, utype = rest_login(user) if isinstance(user, dict) else ("", "")
    return Commit(
        str(inner["oid"]),
        login,
        utype,
        norm_ts(inner.get("authoredDate")),
        norm_ts(inner.get("committedDate")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _big(value: Any) -> int | None:
    """A BigInt (GitHub sends it as a string of digits)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return _int(value)
