"""``reframe run`` and ``reframe jobs``: the job system from a terminal.

``reframe run TYPE --params JSON`` runs any job type through the same store and
manager as the desktop app (it appears in the app's Jobs tab), with a progress bar;
Ctrl-C cancels it cleanly. The params are checked with the job type's request model
(media_core/jobs/requests.py) before anything is queued: every bad field is listed on one
line and the exit code is 2. It is what the Jobs tab's "Copy CLI command" gives.
``reframe jobs`` lists the history and shows, cancels, retries or resumes one job.
"""

from __future__ import annotations

import argparse
import json
import sys

from media_core.errors import InvalidParameterError
from media_core.jobs.models import STATUSES, JobStatus


def register(subparsers) -> None:
    run = subparsers.add_parser(
        "run",
        help="run one job of any type (as the app would) and wait for it",
        description="Run a job through the shared job store: it shows up in the app's Jobs tab too.",
    )
    run.add_argument("type", help="job type, e.g. captions, burn, render_styled, shorts (see 'reframe jobs types')")
    run.add_argument("--params", default="{}", help="job parameters as JSON (as the Jobs tab shows them)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--remote",
        metavar="URL",
        default=None,
        help="run it on that Reframe server (local inputs are uploaded, outputs downloaded here)",
    )
    run.add_argument(
        "--token-file",
        default=None,
        help="with --remote: file holding the server's token (default: REFRAME_REMOTE_TOKEN, "
        "REFRAME_REMOTE_TOKEN_FILE, or the token saved in Settings)",
    )
    run.set_defaults(func=_run)

    jobs = subparsers.add_parser(
        "jobs",
        help="list, inspect, cancel, retry or resume jobs",
        description="The job history shared with the desktop app.",
    )
    actions = jobs.add_subparsers(dest="action", metavar="ACTION")
    lst = actions.add_parser("list", help="recent jobs (the default)")
    for parser in (jobs, lst):
        parser.add_argument("--status", help=f"only jobs in this state: {', '.join(STATUSES)}")
        parser.add_argument("--type", help="only jobs of this type")
        parser.add_argument("--limit", type=int, default=30)
    for name, helptext in (
        ("show", "one job's parameters, outputs and error"),
        ("log", "one job's log"),
        ("cancel", "cancel a queued or running job"),
        ("retry", "run a finished job again (as a new job) and wait"),
        ("resume", "re-queue an interrupted, failed or cancelled job and wait"),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("id", help="job id (a unique prefix is enough)")
    actions.add_parser("types", help="the job types this build can run")
    jobs.set_defaults(func=_jobs)


def _manager():
    from media_core.jobs import JobManager
    from media_core.jobs.store import take_store_notice

    manager = JobManager()
    # Once: whichever front end starts first after the damage tells the user.
    notice = take_store_notice(manager.store.path)
    if notice:
        print(f"reframe: {notice}", file=sys.stderr, flush=True)
    return manager


def _remote_manager(url: str, token_file: str | None):
    """A manager whose remote jobs use this token; the server is checked before anything is queued."""
    from media_core.remote import RemoteClient, remote_manager
    from media_core.remote.token import load_remote_token

    token = load_remote_token(token_file)
    if token is None:
        raise InvalidParameterError(
            "No token for the server: use --token-file FILE or REFRAME_REMOTE_TOKEN "
            "(the server prints it with 'reframe serve --show-token')."
        )
    with RemoteClient(url, token) as client:
        client.test_connection()
    manager, _runner = remote_manager(token_for=lambda _url: token)
    return manager


def _wait_with_progress(manager, job_id: str, quiet: bool) -> int:
    from .progress_bar import ProgressBar

    bar = ProgressBar(enabled=not quiet)
    remove = manager.add_listener(
        on_progress=lambda jid, fraction, stage: bar(fraction, stage) if jid == job_id else None
    )
    try:
        job = manager.wait(job_id)
    except KeyboardInterrupt:  # the job stops at its next safe point and cleans up
        manager.cancel(job_id)
        job = manager.wait(job_id, timeout=10)
    finally:
        remove()
        bar.close()
        manager.shutdown()
    print(
        json.dumps(
            {"id": job.id, "status": job.status, "outputs": job.outputs, "error": job.error},
            ensure_ascii=False,
            indent=2,
        )
    )
    if job.status == JobStatus.CANCELLED:
        return 130
    return 0 if job.status == JobStatus.SUCCEEDED else 2


def _run(args: argparse.Namespace) -> int:
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"--params is not valid JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise InvalidParameterError('--params must be a JSON object, e.g. \'{"input": "video.mp4"}\'.')
    if args.remote:
        manager = _remote_manager(args.remote, args.token_file)
        job_id = manager.submit(args.type, params, remote_url=args.remote)
        print(f"job {job_id} ({args.type}) on {args.remote}", file=sys.stderr)
    else:
        manager = _manager()
        job_id = manager.submit(args.type, params)
        print(f"job {job_id} ({args.type})", file=sys.stderr)
    return _wait_with_progress(manager, job_id, args.quiet)


def _resolve(manager, prefix: str) -> str:
    matches = [job.id for job in manager.list_jobs(limit=None, with_assets=False) if job.id.startswith(prefix)]
    if len(matches) != 1:
        raise InvalidParameterError(
            f"No job matches {prefix!r}."
            if not matches
            else f"{len(matches)} jobs start with {prefix!r}; give more of the id."
        )
    return matches[0]


def _jobs(args: argparse.Namespace) -> int:
    manager = _manager()
    action = args.action or "list"
    if action == "types":
        for name in manager.job_types():
            print(name)
        return 0
    if action == "list":
        for job in manager.list_jobs(status=args.status, type=args.type, limit=args.limit):
            error = f"  {job.error}" if job.error else ""
            print(f"{job.id[:12]}  {job.type:<20} {job.status:<11} {job.progress:5.0%}{error}")
        return 0
    job_id = _resolve(manager, args.id)
    if action == "show":
        job = manager.get(job_id)
        print(
            json.dumps(
                job.model_dump(mode="json", exclude={"assets"}) | {"inputs": job.inputs, "outputs": job.outputs},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if action == "log":
        print(manager.store.get_log(job_id), end="")
        return 0
    if action == "cancel":
        if not manager.cancel(job_id):
            raise InvalidParameterError(
                "That job is not queued or running in a process that can be reached "
                "from here; cancel it in the app that runs it."
            )
        return 0
    new_id = manager.retry(job_id) if action == "retry" else manager.resume(job_id)
    return _wait_with_progress(manager, new_id, quiet=False)
