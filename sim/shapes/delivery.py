"""Workflow runs, deployments, deployment statuses, releases and Copilot seats."""

from __future__ import annotations

from sim.ids import iso, node_id, sha1hex
from sim.records import Deployment, Release, Run
from sim.shapes.common import WEB, Ctx, Json, repo_json, user_json

WORKFLOW_FILES = {"CI": "ci.yml", "deploy": "deploy.yml", "Nightly": "nightly.yml"}
WORKFLOW_SLOTS = {"CI": 1, "deploy": 2, "Nightly": 3}


def run_view(run: Run, now: int) -> tuple[str, str | None, int, int, int]:
    """(status, conclusion, run_attempt, run_started_at, updated_at) at `now`."""
    attempt, (started, completed, conclusion) = 1, run.attempts[0]
    for number, (s, c, concl) in enumerate(run.attempts, start=1):
        if s <= now:
            attempt, started, completed, conclusion = number, s, c, concl
    if now < started:
        return "queued", None, attempt, run.created_at, run.created_at
    if now < completed:
        return "in_progress", None, attempt, started, started
    return "completed", conclusion, attempt, started, completed


def run_json(ctx: Ctx, run: Run, run_number: int) -> Json:
    """A workflow-run object."""
    repo = run.repo
    api = f"{ctx.api}/repos/{repo.full_name}/actions/runs/{run.id}"
    status, conclusion, attempt, started, updated = run_view(run, ctx.now)
    workflow_id = repo.id * 10 + WORKFLOW_SLOTS[run.workflow]
    path = f".github/workflows/{WORKFLOW_FILES[run.workflow]}"
    repo_obj = repo_json(ctx, repo)
    check_suite = run.id * 3 + 1
    return {
        "id": run.id,
        "name": run.workflow,
        "node_id": node_id("WorkflowRun", run.id),
        "check_suite_id": check_suite,
        "check_suite_node_id": node_id("CheckSuite", check_suite),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": path,
        "display_title": run.head_message,
        "run_number": run_number,
        "event": run.event,
        "status": status,
        "conclusion": conclusion,
        "workflow_id": workflow_id,
        "url": api,
        "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": _run_prs(ctx, run),
        "created_at": iso(run.created_at),
        "updated_at": iso(updated),
        "actor": user_json(ctx, run.actor),
        "run_attempt": attempt,
        "referenced_workflows": [],
        "run_started_at": iso(started),
        "triggering_actor": user_json(ctx, run.actor),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{ctx.api}/repos/{repo.full_name}/check-suites/{check_suite}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": f"{api}/attempts/{attempt - 1}" if attempt > 1 else None,
        "workflow_url": f"{ctx.api}/repos/{repo.full_name}/actions/workflows/{workflow_id}",
        "head_commit": {
            "id": run.head_sha,
            "tree_id": sha1hex("tree", run.head_sha),
            "message": run.head_message,
            "timestamp": iso(run.head_time),
            "author": {"name": run.actor.name, "email": run.actor.email},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repo_obj,
        "head_repository": repo_obj,
    }


def _run_prs(ctx: Ctx, run: Run) -> list[Json]:
    if run.pr_number is None:
        return []
    repo = run.repo
    ref = {"id": repo.id, "url": f"{ctx.api}/repos/{repo.full_name}", "name": repo.name}
    return [
        {
            "id": (repo.idx + 1) * 10**8 + run.pr_number,
            "number": run.pr_number,
            "url": f"{ctx.api}/repos/{repo.full_name}/pulls/{run.pr_number}",
            "head": {"ref": run.head_branch, "sha": run.head_sha, "repo": ref},
            "base": {"ref": "main", "sha": sha1hex("base", run.id), "repo": ref},
        }
    ]


def deployment_json(ctx: Ctx, dep: Deployment, updated_at: int) -> Json:
    """A deployment object."""
    repo = dep.repo
    api = f"{ctx.api}/repos/{repo.full_name}/deployments/{dep.id}"
    return {
        "url": api,
        "id": dep.id,
        "node_id": node_id("Deployment", dep.id),
        "sha": dep.sha,
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": dep.environment,
        "environment": dep.environment,
        "description": f"Deploy {dep.sha[:7]} to {dep.environment}",
        "creator": user_json(ctx, dep.creator),
        "created_at": iso(dep.created_at),
        "updated_at": iso(updated_at),
        "statuses_url": f"{api}/statuses",
        "repository_url": f"{ctx.api}/repos/{repo.full_name}",
        "transient_environment": False,
        "production_environment": dep.environment == "production",
    }


STATUS_TEXT = {
    "in_progress": "Deployment started.",
    "success": "Deployment finished successfully.",
    "failure": "Deployment failed.",
    "error": "Deployment errored.",
    "inactive": "Superseded by a newer deployment.",
}


def status_json(ctx: Ctx, dep: Deployment, k: int, state: str, t: int) -> Json:
    """A deployment status object."""
    repo = dep.repo
    ident = dep.id * 10 + k
    api = f"{ctx.api}/repos/{repo.full_name}/deployments/{dep.id}"
    env_url = f"https://{dep.environment}.{repo.name}.example.com"
    return {
        "url": f"{api}/statuses/{ident}",
        "id": ident,
        "node_id": node_id("DeploymentStatus", ident),
        "state": state,
        "creator": user_json(ctx, dep.creator),
        "description": STATUS_TEXT[state],
        "environment": dep.environment,
        "target_url": f"{WEB}/{repo.full_name}/actions",
        "created_at": iso(t),
        "updated_at": iso(t),
        "deployment_url": api,
        "repository_url": f"{ctx.api}/repos/{repo.full_name}",
        "environment_url": env_url if state == "success" else "",
        "log_url": f"{WEB}/{repo.full_name}/actions",
    }


def release_json(ctx: Ctx, rel: Release) -> Json:
    """A release object."""
    repo = rel.repo
    api = f"{ctx.api}/repos/{repo.full_name}/releases/{rel.id}"
    return {
        "url": api,
        "html_url": f"{WEB}/{repo.full_name}/releases/tag/{rel.tag}",
        "assets_url": f"{api}/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{rel.id}/assets{{?name,label}}",
        "tarball_url": f"{ctx.api}/repos/{repo.full_name}/tarball/{rel.tag}",
        "zipball_url": f"{ctx.api}/repos/{repo.full_name}/zipball/{rel.tag}",
        "id": rel.id,
        "node_id": node_id("Release", rel.id),
        "tag_name": rel.tag,
        "target_commitish": rel.target,
        "name": rel.name,
        "body": rel.body,
        "draft": False,
        "prerelease": rel.prerelease,
        "immutable": False,
        "created_at": iso(rel.created_at),
        "published_at": iso(rel.published_at),
        "updated_at": iso(rel.published_at),
        "author": user_json(ctx, rel.author),
        "assets": [],
    }
