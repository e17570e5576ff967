"""Users, organizations, teams and repositories as GitHub renders them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.ids import iso, node_id
from sim.world import Org, Repo, Team, User

Json = dict[str, Any]
WEB = "https://github.com"
WEB_FLOW = User(19864447, "web-flow", "human", "GitHub")


@dataclass(frozen=True)
class Ctx:
    """What a renderer needs: the API base URL and the moment that is "now" in the world."""

    api: str
    now: int


def user_json(ctx: Ctx, user: User) -> Json:
    """A simple-user object."""
    login = user.login
    api = f"{ctx.api}/users/{login}"
    return {
        "login": login,
        "id": user.id,
        "node_id": node_id("User" if user.kind == "human" else "Bot", user.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": user.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def org_owner_json(ctx: Ctx, org: Org) -> Json:
    """An organization in the simple-user shape (as `owner` of a repository)."""
    out = user_json(ctx, User(org.id, org.login, "human", org.login))
    out["node_id"] = node_id("Organization", org.id)
    out["type"] = "Organization"
    return out


def org_simple_json(ctx: Ctx, org: Org) -> Json:
    """An organization-simple object."""
    api = f"{ctx.api}/orgs/{org.login}"
    return {
        "login": org.login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org.id}?v=4",
        "description": None,
    }


def team_json(ctx: Ctx, team: Team, org: Org) -> Json:
    """A team object."""
    api = f"{ctx.api}/organizations/{org.id}/team/{team.id}"
    return {
        "id": team.id,
        "node_id": node_id("Team", team.id),
        "url": api,
        "html_url": f"{WEB}/orgs/{org.login}/teams/{team.slug}",
        "name": team.name,
        "slug": team.slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "type": "organization",
        "organization_id": org.id,
        "parent": None,
    }


_TEMPLATED = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "statuses_url": "/statuses/{sha}",
    "trees_url": "/git/trees{/sha}",
}
_PLAIN = (
    "contributors",
    "deployments",
    "downloads",
    "events",
    "forks",
    "hooks",
    "languages",
    "merges",
    "stargazers",
    "subscribers",
    "subscription",
    "tags",
    "teams",
)


def repo_json(ctx: Ctx, repo: Repo, pushed_at: int | None = None) -> Json:
    """A full repository object (a superset of minimal-repository)."""
    api = f"{ctx.api}/repos/{repo.full_name}"
    html = f"{WEB}/{repo.full_name}"
    out: Json = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": True,
        "owner": org_owner_json(ctx, repo.org),
        "html_url": html,
        "description": f"The {repo.name} service of {repo.org.login}.",
        "fork": False,
        "url": api,
    }
    for key, suffix in _TEMPLATED.items():
        out[key] = api + suffix
    for name in _PLAIN:
        out[f"{name}_url"] = f"{api}/{name}"
    created = iso(repo.created_at)
    out.update(
        {
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": repo.language,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "size": 1024 + repo.id % 50_000,
            "default_branch": "main",
            "open_issues_count": 0,
            "is_template": False,
            "topics": [],
            "has_issues": True,
            "has_projects": True,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "visibility": repo.visibility,
            "pushed_at": iso(pushed_at or repo.created_at),
            "created_at": created,
            "updated_at": iso(pushed_at or repo.created_at),
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
            "allow_forking": False,
            "web_commit_signoff_required": False,
            "license": None,
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
        }
    )
    return out
