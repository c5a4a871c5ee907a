"""SQLite job store: safe for many threads (one connection per thread) and for a crash.

WAL mode lets readers (the Jobs tab) run while a worker writes; ``busy_timeout``
makes concurrent writers wait instead of failing with "database is locked";
read-modify-write transactions use ``BEGIN IMMEDIATE`` so two writers never
deadlock upgrading a read lock. The schema is versioned (``schema_version``) and
upgraded by the ordered :data:`MIGRATIONS` on open.

Logs live in one plain file per job (``data_dir()/jobs/<id>/job.log``): a log
can be long (ffmpeg stderr tails), is append-only, and must survive even when the
database is busy; the job's work dir sits beside it (``.../<id>/work``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psutil

from ..errors import InvalidParameterError, ReframeError
from ..paths import data_dir, file_sha256
from .models import FINISHED_STATES, STATUSES, Asset, Batch, Job, JobStatus

log = logging.getLogger(__name__)

#: Outputs bigger than this get size + mtime only (hashing would delay "succeeded" by seconds).
OUTPUT_HASH_LIMIT = 2 * 1024**3
BUSY_TIMEOUT_MS = 10_000


class JobNotFoundError(ReframeError):
    code = "job_not_found"


class StoreVersionError(ReframeError):
    code = "store_version"


#: SQLite's words for a file that is not (or no longer) a database. Anything else (locked,
#: no permission, I/O error) is not damage and must never get the file moved aside.
_DAMAGE_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
#: Written beside the database when a damaged one was moved aside; the first front end
#: that starts afterwards shows it and deletes it (see :func:`take_store_notice`).
NOTICE_SUFFIX = ".moved-aside.txt"


def _is_damage(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name:
        return name.split("(")[0] in _DAMAGE_CODES or name.startswith(tuple(_DAMAGE_CODES))
    return type(exc) is sqlite3.DatabaseError  # OperationalError & co. are not damage


class _Damaged(Exception):
    """integrity problems found by ``PRAGMA quick_check`` on an otherwise readable file."""


def take_store_notice(path: str | os.PathLike | None = None) -> str | None:
    """The message about a damaged job history moved aside, once: it is deleted when read."""
    db = Path(path) if path is not None else data_dir() / "jobs.sqlite3"
    notice = db.with_name(db.name + NOTICE_SUFFIX)
    try:
        text = notice.read_text(encoding="utf-8").strip()
        notice.unlink()
    except OSError:
        return None
    return text or None


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the surrounding migration transaction; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _jobs_v1_columns(table: str) -> str:
    """The columns of version 1's ``jobs`` table, referencing ``table``; version 3 rebuilds
    the table from these plus what versions 2 and 3 add."""
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    return f"""
            id            TEXT PRIMARY KEY,
            type          TEXT NOT NULL,
            params        TEXT NOT NULL DEFAULT '{{}}',
            status        TEXT NOT NULL CHECK (status IN ({statuses})),
            progress      REAL NOT NULL DEFAULT 0,
            stage         TEXT NOT NULL DEFAULT '',
            title         TEXT NOT NULL DEFAULT '',
            priority      INTEGER NOT NULL DEFAULT 0,
            heavy         INTEGER NOT NULL DEFAULT 0,
            created_at    REAL NOT NULL,
            started_at    REAL,
            finished_at   REAL,
            not_before    REAL,
            error_code    TEXT,
            error_message TEXT,
            error_detail  TEXT,
            attempts      INTEGER NOT NULL DEFAULT 0,
            max_attempts  INTEGER NOT NULL DEFAULT 3,
            retry_of      TEXT REFERENCES {table}(id) ON DELETE SET NULL,
            parent_id     TEXT REFERENCES {table}(id) ON DELETE SET NULL,
            owner         TEXT,
            result        TEXT NOT NULL DEFAULT '{{}}'"""


def _assets_table(name: str, jobs_table: str) -> str:
    return f"""
        CREATE TABLE {name} (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id     TEXT NOT NULL REFERENCES {jobs_table}(id) ON DELETE CASCADE,
            role       TEXT NOT NULL CHECK (role IN ('input', 'output')),
            kind       TEXT NOT NULL DEFAULT '',
            path       TEXT NOT NULL,
            size       INTEGER,
            mtime      REAL,
            sha256     TEXT,
            created_at REAL NOT NULL
        );"""


def _m1_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        f"""
        CREATE TABLE jobs (
            {_jobs_v1_columns("jobs")}
        );
        CREATE INDEX jobs_created ON jobs(created_at);
        CREATE INDEX jobs_status_created ON jobs(status, created_at);
        CREATE INDEX jobs_type_created ON jobs(type, created_at);
        {_assets_table("assets", "jobs")}
        CREATE INDEX assets_job ON assets(job_id);
    """,
    )


def _m2_remote(db: sqlite3.Connection) -> None:
    """Jobs run on another Reframe server: its address and the job's id there."""
    db.execute("ALTER TABLE jobs ADD COLUMN remote_url TEXT")
    db.execute("ALTER TABLE jobs ADD COLUMN remote_id TEXT")


def _m3_batches_and_pause(db: sqlite3.Connection) -> None:
    """Batches, the 'paused' status and cross-process control requests.

    SQLite cannot change a CHECK constraint in place, so ``jobs`` is rebuilt (and ``assets``
    with it: dropping the old ``jobs`` with foreign keys on would cascade-delete its assets).
    The new tables reference ``jobs_new``; renaming it rewrites those references to ``jobs``."""
    _run_script(
        db,
        f"""
        CREATE TABLE batches (
            id         TEXT PRIMARY KEY,
            title      TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE TABLE jobs_new (
            {_jobs_v1_columns("jobs_new")},
            remote_url    TEXT,
            remote_id     TEXT,
            batch_id      TEXT REFERENCES batches(id) ON DELETE SET NULL,
            control       TEXT
        );
        INSERT INTO jobs_new(id, type, params, status, progress, stage, title, priority, heavy, created_at,
            started_at, finished_at, not_before, error_code, error_message, error_detail, attempts,
            max_attempts, retry_of, parent_id, owner, result, remote_url, remote_id)
        SELECT id, type, params, status, progress, stage, title, priority, heavy, created_at,
            started_at, finished_at, not_before, error_code, error_message, error_detail, attempts,
            max_attempts, retry_of, parent_id, owner, result, remote_url, remote_id FROM jobs;
        {_assets_table("assets_new", "jobs_new")}
        INSERT INTO assets_new SELECT id, job_id, role, kind, path, size, mtime, sha256, created_at FROM assets;
        DROP TABLE assets;
        DROP TABLE jobs;
        ALTER TABLE jobs_new RENAME TO jobs;
        ALTER TABLE assets_new RENAME TO assets;
        CREATE INDEX jobs_created ON jobs(created_at);
        CREATE INDEX jobs_status_created ON jobs(status, created_at);
        CREATE INDEX jobs_type_created ON jobs(type, created_at);
        CREATE INDEX jobs_batch ON jobs(batch_id);
        CREATE INDEX jobs_control ON jobs(control) WHERE control IS NOT NULL;
        CREATE INDEX assets_job ON assets(job_id);
    """,
    )


#: Ordered (version, upgrade) pairs; never edit a released one, append a new one.
MIGRATIONS: list[tuple[int, Callable[[sqlite3.Connection], None]]] = [
    (1, _m1_initial),
    (2, _m2_remote),
    (3, _m3_batches_and_pause),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

_JOB_COLUMNS = (
    "id",
    "type",
    "params",
    "status",
    "progress",
    "stage",
    "title",
    "priority",
    "heavy",
    "created_at",
    "started_at",
    "finished_at",
    "not_before",
    "error_code",
    "error_message",
    "error_detail",
    "attempts",
    "max_attempts",
    "retry_of",
    "parent_id",
    "result",
    "remote_url",
    "remote_id",
    "batch_id",
)
_SELECT = f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs"


def new_job_id() -> str:
    return uuid.uuid4().hex


def process_owner() -> str:
    """This process as ``pid:start-time``: a queued job waits for the process that queued it,
    a running job belongs to the process running it, and recovery only touches the jobs
    of processes that are gone. The start time tells a reused PID from the original."""
    return _owner_of(os.getpid())


@functools.lru_cache(maxsize=64)
def _owner_of(pid: int) -> str:
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        return str(pid)
    return f"{pid}:{int(started * 1000)}"


def owner_alive(owner: str | None) -> bool:
    if not owner:
        return False
    pid_text, _, started = owner.partition(":")
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if not psutil.pid_exists(pid):
        return False
    if not started:  # written by an older Reframe: the PID is all there is to go on
        return True
    try:
        return f"{pid}:{int(psutil.Process(pid).create_time() * 1000)}" == owner
    except psutil.Error:
        return False


def _utc_stamp() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JobStore:
    """The persistent record of every job.

    ``JobStore(path=None)`` opens (creating and migrating) ``data_dir()/jobs.sqlite3``.
    Every method may be called from any thread.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, jobs_root: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else data_dir() / "jobs.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        #: Per-job folders (log + work dir); beside the database unless told otherwise.
        self.jobs_root = Path(jobs_root) if jobs_root is not None else self.path.parent / "jobs"
        self._local = threading.local()
        self._log_lock = threading.Lock()
        #: Where a damaged database found at start was moved (``None``: it was fine).
        self.moved_aside: Path | None = None
        try:
            self._open_checked()
        except (sqlite3.DatabaseError, _Damaged) as exc:
            if not isinstance(exc, _Damaged) and not _is_damage(exc):
                raise
            self.close()
            self.moved_aside = self._move_aside(exc)
            self._open_checked()

    def _open_checked(self) -> None:
        self._migrate()
        problem = self._conn().execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise _Damaged(problem)

    def _move_aside(self, exc: BaseException) -> Path:
        """Rename the damaged file (and its -wal/-shm) out of the way, keep it for the user,
        and leave a notice for the front ends. A fresh, empty history replaces it."""
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        message = (
            f"The job history ({self.path.name}) was damaged and could not be opened, so Reframe "
            f"started a new, empty one. The damaged file was kept as {target}. "
            f"Your output files are not affected."
        )
        log.info("%s (%s)", message, exc)  # the notice file is how the user hears of it, once
        with contextlib.suppress(OSError):
            self.path.with_name(self.path.name + NOTICE_SUFFIX).write_text(message + "\n", encoding="utf-8")
        return target

    # -- connections -----------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode survives a process crash (only an OS crash may lose the last commit).
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taking the write lock up front (no lock-upgrade deadlocks)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            # SQLite may already have rolled back (SQLITE_FULL does); a second ROLLBACK
            # would raise and hide the real error.
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                if conn.in_transaction:  # a failed COMMIT may leave the transaction open
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close this thread's connection (other threads' close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _migrate(self) -> None:
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > SCHEMA_VERSION:
                raise StoreVersionError(
                    "The job history was written by a newer version of Reframe; update Reframe to open it.",
                    detail=f"{self.path}: schema {current} > supported {SCHEMA_VERSION}",
                )
            for version, upgrade in MIGRATIONS:
                if version > current:
                    upgrade(db)
                    db.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))

    def schema_version(self) -> int:
        return self._conn().execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    def integrity_check(self) -> str:
        """``"ok"`` when SQLite finds the file intact."""
        return self._conn().execute("PRAGMA integrity_check").fetchone()[0]

    # -- rows <-> models --------------------------------------------------------------
    @staticmethod
    def _row_to_job(row: sqlite3.Row, assets: list[Asset] | None = None) -> Job:
        data = dict(row)
        data["params"] = json.loads(data["params"] or "{}")
        data["result"] = json.loads(data["result"] or "{}")
        data["heavy"] = bool(data["heavy"])
        data["assets"] = assets or []
        return Job.model_validate(data)

    def _assets_for(self, ids: Sequence[str]) -> dict[str, list[Asset]]:
        out: dict[str, list[Asset]] = {i: [] for i in ids}
        conn = self._conn()
        for start in range(0, len(ids), 500):  # stay under SQLite's bound-variable limit
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(
                f"SELECT job_id, role, kind, path, size, mtime, sha256, created_at FROM assets "
                f"WHERE job_id IN ({marks}) ORDER BY id",
                chunk,
            ):
                out[r["job_id"]].append(Asset.model_validate(dict(r)))
        return out

    # -- create / read ----------------------------------------------------------------
    def create(
        self,
        job_type: str,
        params: dict[str, Any] | None = None,
        *,
        title: str = "",
        heavy: bool = False,
        priority: int = 0,
        max_attempts: int = 3,
        retry_of: str | None = None,
        parent_id: str | None = None,
        inputs: Iterable[tuple[str | os.PathLike, str]] = (),
        job_id: str | None = None,
        created_at: float | None = None,
        remote_url: str | None = None,
        batch_id: str | None = None,
    ) -> Job:
        """Insert a queued job (and its input asset records); returns it.

        ``remote_url``: the job runs on that Reframe server (media_core.remote)."""
        params = dict(params or {})
        try:
            params_json = json.dumps(params, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(f"The job parameters cannot be saved: {exc}") from exc
        job_id = job_id or new_job_id()
        now = time.time() if created_at is None else created_at
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs(id, type, params, status, title, priority, heavy, created_at, max_attempts,"
                " retry_of, parent_id, owner, remote_url, batch_id)"
                " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    job_type,
                    params_json,
                    title,
                    priority,
                    int(heavy),
                    now,
                    max_attempts,
                    retry_of,
                    parent_id,
                    process_owner(),
                    remote_url,
                    batch_id,
                ),
            )
            for path, kind in inputs:
                self._insert_asset(db, job_id, "input", Path(path), kind, now, hash_it=False)
        return self.get(job_id)

    def get(self, job_id: str) -> Job:
        row = self._conn().execute(f"{_SELECT} WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"No job with id {job_id}.")
        return self._row_to_job(row, self._assets_for([job_id])[job_id])

    def exists(self, job_id: str) -> bool:
        return self._conn().execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is not None

    def list_jobs(
        self,
        *,
        status: str | Sequence[str] | None = None,
        type: str | Sequence[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        search: str | None = None,
        limit: int | None = 500,
        offset: int = 0,
        with_assets: bool = True,
    ) -> list[Job]:
        """Jobs newest first, filtered by status(es), type(s), creation time window and a text search.

        ``search`` matches (case-insensitively) the type, title, params JSON and error message.
        Indexed on (status, created_at), (type, created_at) and created_at.
        """
        where, args = self._filters(status, type, since, until, search)
        sql = f"{_SELECT}{where} ORDER BY created_at DESC, id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [int(limit), int(offset)]
        rows = self._conn().execute(sql, args).fetchall()
        assets = self._assets_for([r["id"] for r in rows]) if with_assets else {}
        return [self._row_to_job(r, assets.get(r["id"])) for r in rows]

    def count_jobs(self, *, status=None, type=None, since=None, until=None, search=None) -> int:
        where, args = self._filters(status, type, since, until, search)
        return self._conn().execute(f"SELECT COUNT(*) FROM jobs{where}", args).fetchone()[0]

    @staticmethod
    def _filters(status, type_, since, until, search) -> tuple[str, list]:
        clauses, args = [], []
        for column, value in (("status", status), ("type", type_)):
            if value:
                values = [value] if isinstance(value, str) else list(value)
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                args += values
        if since is not None:
            clauses.append("created_at >= ?")
            args.append(float(since))
        if until is not None:
            clauses.append("created_at < ?")
            args.append(float(until))
        if search:
            like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append(
                "(type LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' OR params LIKE ? ESCAPE '\\'"
                " OR IFNULL(error_message, '') LIKE ? ESCAPE '\\')"
            )
            args += [like] * 4
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args

    def runnable_jobs(self, now: float | None = None, *, owner: str | None = None) -> list[Job]:
        """Queued jobs whose backoff (if any) has passed, in start order (priority, then age).

        With ``owner``, only the jobs that process may start: its own, and those whose
        process is gone (queued before a quit or a crash). The desktop, a CLI run and a
        headless API server can share one store without running each other's jobs.
        """
        now = time.time() if now is None else now
        rows = (
            self._conn()
            .execute(
                f"SELECT {', '.join(_JOB_COLUMNS)}, owner FROM jobs WHERE status = 'queued'"
                " AND IFNULL(not_before, 0) <= ? ORDER BY priority DESC, created_at, id",
                (now,),
            )
            .fetchall()
        )
        alive: dict[str, bool] = {}
        jobs = []
        for row in rows:
            queued_by = row["owner"]
            if owner is not None and queued_by and queued_by != owner:
                if queued_by not in alive:
                    alive[queued_by] = owner_alive(queued_by)
                if alive[queued_by]:
                    continue
            jobs.append(self._row_to_job(row))
        return jobs

    def next_wakeup(self) -> float | None:
        """Earliest ``not_before`` of a queued job still waiting for its backoff."""
        row = (
            self._conn()
            .execute("SELECT MIN(not_before) FROM jobs WHERE status = 'queued' AND not_before IS NOT NULL")
            .fetchone()
        )
        return row[0]

    # -- state transitions ------------------------------------------------------------
    def claim(self, job_id: str, owner: str | None = None) -> Job | None:
        """Atomically move a queued job to running (one attempt more); ``None`` if someone else won."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'running', started_at = ?, finished_at = NULL, owner = ?,"
                " attempts = attempts + 1, progress = 0, stage = '', not_before = NULL"
                " WHERE id = ? AND status = 'queued'",
                (time.time(), owner or process_owner(), job_id),
            )
            if cur.rowcount != 1:
                return None
        return self.get(job_id)

    def update_progress(self, job_id: str, progress: float, stage: str | None = None) -> None:
        """Store progress (and stage). Cheap: one indexed UPDATE; callers throttle (see JobContext)."""
        progress = min(1.0, max(0.0, float(progress)))
        conn = self._conn()
        if stage is None:
            conn.execute("UPDATE jobs SET progress = ? WHERE id = ?", (progress, job_id))
        else:
            conn.execute("UPDATE jobs SET progress = ?, stage = ? WHERE id = ?", (progress, stage, job_id))

    def finish(
        self,
        job_id: str,
        status: JobStatus | str,
        *,
        outputs: Iterable[tuple[str | os.PathLike, str]] = (),
        error: tuple[str, str, str | None] | None = None,
        result: dict | None = None,
    ) -> Job:
        """End a running job: status + outputs (registered in the same transaction) or error."""
        if status not in FINISHED_STATES:
            raise ValueError(f"not a final status: {status}")
        status = JobStatus(status).value
        now = time.time()
        code, message, detail = error if error else (None, None, None)
        files = [(Path(p), kind) for p, kind in outputs]
        hashes = {p: _hash_if_small(p) for p, _ in files}  # outside the transaction: may take a while
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, error_code = ?, error_message = ?, error_detail = ?,"
                " result = ?, progress = CASE WHEN ? = 'succeeded' THEN 1.0 ELSE progress END,"
                " stage = CASE WHEN ? = 'succeeded' THEN 'Done' ELSE stage END, owner = NULL WHERE id = ?",
                (
                    status,
                    now,
                    code,
                    message,
                    detail,
                    json.dumps(result or {}, default=_json_default),
                    status,
                    status,
                    job_id,
                ),
            )
            for path, kind in files:
                self._insert_asset(db, job_id, "output", path, kind, now, sha256=hashes[path])
        return self.get(job_id)

    def requeue(
        self,
        job_id: str,
        *,
        not_before: float | None = None,
        error: tuple[str, str, str | None] | None = None,
        reset_attempts: bool = False,
    ) -> Job:
        """Put a job back in the queue (automatic retry after ``not_before``, or resume) for this process."""
        code, message, detail = error if error else (None, None, None)
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET status = 'queued', not_before = ?, error_code = ?, error_message = ?,"
                " error_detail = ?, owner = ?, finished_at = NULL,"
                " attempts = CASE WHEN ? THEN 0 ELSE attempts END WHERE id = ?",
                (not_before, code, message, detail, process_owner(), int(reset_attempts), job_id),
            )
        return self.get(job_id)

    def set_remote_id(self, job_id: str, remote_id: str) -> None:
        """Remember the id the remote server gave the job (set once it accepted it)."""
        with self._write() as db:
            db.execute("UPDATE jobs SET remote_id = ? WHERE id = ?", (remote_id, job_id))

    def cancel_queued(self, job_id: str) -> bool:
        """Queued → cancelled in one atomic step; ``False`` if the job is no longer queued."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'cancelled', finished_at = ?, not_before = NULL"
                " WHERE id = ? AND status = 'queued'",
                (time.time(), job_id),
            )
            return cur.rowcount == 1

    # -- pause ----------------------------------------------------------------------
    def set_paused(self, job_id: str, *, owner: str | None = "keep") -> bool:
        """Running → paused; ``owner=None`` also lets go of it (the process is closing: a later
        resume restarts it). ``False`` if the job was not running (or paused) any more."""
        sql = "UPDATE jobs SET status = 'paused'"
        args: list[Any] = []
        if owner != "keep":
            sql += ", owner = ?"
            args.append(owner)
        with self._write() as db:
            cur = db.execute(sql + " WHERE id = ? AND status IN ('running', 'paused')", (*args, job_id))
            return cur.rowcount == 1

    def set_unpaused(self, job_id: str) -> bool:
        """Paused → running again (the same attempt goes on in the process that holds it)."""
        with self._write() as db:
            cur = db.execute("UPDATE jobs SET status = 'running' WHERE id = ? AND status = 'paused'", (job_id,))
            return cur.rowcount == 1

    def owner(self, job_id: str) -> str | None:
        row = self._conn().execute("SELECT owner FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"No job with id {job_id}.")
        return row["owner"]

    def cancel_paused(self, job_id: str) -> bool:
        """A paused job no live process holds → cancelled."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'cancelled', finished_at = ?, owner = NULL, control = NULL,"
                " error_code = 'cancelled', error_message = 'Cancelled.' WHERE id = ? AND status = 'paused'",
                (time.time(), job_id),
            )
            return cur.rowcount == 1

    # -- requests to the process that runs a job ---------------------------------------
    def request_control(self, job_id: str, action: str) -> None:
        """Ask the process running ``job_id`` to ``pause``, ``resume`` or ``cancel`` it (its
        manager polls for these): how a CLI or API process acts on the desktop's jobs."""
        if action not in ("pause", "resume", "cancel"):
            raise ValueError(action)
        with self._write() as db:
            db.execute("UPDATE jobs SET control = ? WHERE id = ?", (action, job_id))

    def take_controls(self, owner: str) -> list[tuple[str, str]]:
        """The pending control requests for jobs ``owner`` holds, cleared as they are read."""
        # Polled every couple of seconds: a plain read first, the write lock only when needed.
        if self._conn().execute("SELECT 1 FROM jobs WHERE control IS NOT NULL LIMIT 1").fetchone() is None:
            return []
        with self._write() as db:
            rows = db.execute(
                "SELECT id, control FROM jobs WHERE control IS NOT NULL AND owner = ?", (owner,)
            ).fetchall()
            if rows:
                db.execute("UPDATE jobs SET control = NULL WHERE control IS NOT NULL AND owner = ?", (owner,))
        return [(r["id"], r["control"]) for r in rows]

    # -- batches ----------------------------------------------------------------------
    def create_batch(self, title: str = "") -> str:
        batch_id = new_job_id()
        with self._write() as db:
            db.execute("INSERT INTO batches(id, title, created_at) VALUES (?, ?, ?)", (batch_id, title, time.time()))
        return batch_id

    def get_batch(self, batch_id: str) -> Batch:
        row = self._conn().execute("SELECT id, title, created_at FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"No batch with id {batch_id}.")
        return self._batch_of(row)

    def list_batches(self, *, limit: int | None = 50) -> list[Batch]:
        """Batches newest first (those whose jobs were all deleted are left out)."""
        sql = (
            "SELECT id, title, created_at FROM batches b WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = b.id)"
            " ORDER BY created_at DESC"
        )
        rows = self._conn().execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [self._batch_of(r) for r in rows]

    def _batch_of(self, row: sqlite3.Row) -> Batch:
        conn = self._conn()
        jobs = conn.execute(
            "SELECT id, status, progress FROM jobs WHERE batch_id = ? ORDER BY created_at, id", (row["id"],)
        ).fetchall()
        counts: dict[str, int] = {}
        for job in jobs:
            counts[job["status"]] = counts.get(job["status"], 0) + 1
        done = [1.0 if job["status"] in FINISHED_STATES else float(job["progress"]) for job in jobs]
        first_output = conn.execute(
            "SELECT a.path FROM assets a JOIN jobs j ON j.id = a.job_id WHERE j.batch_id = ? AND a.role = 'output'"
            " ORDER BY a.id LIMIT 1",
            (row["id"],),
        ).fetchone()
        return Batch(
            id=row["id"],
            title=row["title"],
            created_at=row["created_at"],
            job_ids=[job["id"] for job in jobs],
            counts=counts,
            progress=sum(done) / len(done) if done else 0.0,
            folder=str(Path(first_output[0]).parent) if first_output else None,
        )

    def mark_interrupted(self) -> list[str]:
        """Jobs left 'running' by a process that no longer exists become 'interrupted'."""
        rows = self._conn().execute("SELECT id, owner FROM jobs WHERE status = 'running'").fetchall()
        dead = [r["id"] for r in rows if not owner_alive(r["owner"])]
        if dead:
            with self._write() as db:
                for job_id in dead:
                    db.execute(
                        "UPDATE jobs SET status = 'interrupted', finished_at = ?, owner = NULL,"
                        " error_code = 'interrupted', error_message = ? WHERE id = ? AND status = 'running'",
                        (time.time(), "Reframe stopped while this job was running.", job_id),
                    )
        return dead

    def delete(self, job_id: str) -> None:
        """Forget a job (its asset rows go with it); files are the caller's business."""
        with self._write() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def finished_before(self, cutoff: float) -> list[str]:
        rows = (
            self._conn()
            .execute(
                "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? AND status != 'running'",
                (cutoff,),
            )
            .fetchall()
        )
        return [r[0] for r in rows]

    # -- assets -----------------------------------------------------------------------
    def add_asset(self, job_id: str, role: str, path: str | os.PathLike, kind: str = "") -> None:
        with self._write() as db:
            self._insert_asset(db, job_id, role, Path(path), kind, time.time(), hash_it=(role == "output"))

    @staticmethod
    def _insert_asset(db, job_id, role, path: Path, kind, now, *, hash_it=False, sha256=None) -> None:
        size: int | None
        mtime: float | None
        try:
            st = path.stat()
            size, mtime = st.st_size, st.st_mtime
        except OSError:
            size = mtime = None
        if hash_it and sha256 is None:
            sha256 = _hash_if_small(path)
        db.execute(
            "INSERT INTO assets(job_id, role, kind, path, size, mtime, sha256, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, role, kind or path.suffix.lstrip(".").lower(), str(path), size, mtime, sha256, now),
        )

    # -- per-job folders and logs -----------------------------------------------------
    def job_dir(self, job_id: str) -> Path:
        return self.jobs_root / job_id

    def log_path(self, job_id: str) -> Path:
        return self.job_dir(job_id) / "job.log"

    def append_log(self, job_id: str, line: str) -> str:
        """Append one line (UTC-timestamped) to the job's log; returns the stamped line."""
        stamped = "\n".join(f"{_utc_stamp()} {part}" for part in str(line).splitlines() or [""])
        path = self.log_path(job_id)
        with self._log_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(stamped + "\n")
        return stamped

    def get_log(self, job_id: str) -> str:
        try:
            return self.log_path(job_id).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def _hash_if_small(path: Path) -> str | None:
    try:
        if path.is_file() and path.stat().st_size <= OUTPUT_HASH_LIMIT:
            return file_sha256(path)
    except OSError:
        pass
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
