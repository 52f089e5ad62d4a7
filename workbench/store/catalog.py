"""SQLite catalog of runs, tasks and artifact rows (WAL, versioned schema, fork-safe).

One connection per process, opened lazily and re-opened when `os.getpid()` changes; a lock
serializes use from threads. Writes are short `BEGIN IMMEDIATE` transactions. A run stored as
`running` whose process is gone (same host, dead pid) or whose heartbeat is older than
`STALE_AFTER` reads as `crashed`, and so do its `running` tasks; `reap_crashed` persists it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

import blake3

from .. import settings
from ..settings import current_user
from .errors import CorruptStoreError, SchemaTooNewError, StoreError
from .faults import fault
from .remote import is_pointer, rekey_fetched

SCHEMA_VERSION = 5
STALE_AFTER = 30.0  # seconds without a heartbeat before a running run reads as crashed
BUSY_TIMEOUT_MS = 30_000

RUN_KINDS = ("run", "spin", "resume", "metaflow")
RUN_STATUSES = ("running", "succeeded", "failed", "cancelled", "crashed")
TASK_STATUSES = RUN_STATUSES + ("pending",)

# MIGRATIONS[i] takes a catalog from schema version i to i + 1.
MIGRATIONS: list[tuple[str, ...]] = [
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            flow TEXT NOT NULL,
            number INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('run', 'spin', 'resume')),
            status TEXT NOT NULL
                CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'crashed')),
            flow_file TEXT NOT NULL,
            parameters TEXT NOT NULL DEFAULT '{}',
            origin_run INTEGER,
            spun_step TEXT,
            overrides TEXT,
            code_hash TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            user TEXT,
            host TEXT,
            pid INTEGER,
            started_at REAL NOT NULL,
            finished_at REAL,
            heartbeat_at REAL,
            UNIQUE (flow, number)
        )""",
        "CREATE INDEX runs_status ON runs (status)",
        """CREATE TABLE tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            step TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN
                ('running', 'succeeded', 'failed', 'cancelled', 'crashed', 'pending')),
            attempt INTEGER NOT NULL DEFAULT 0,
            split_index INTEGER,
            foreach_stack TEXT NOT NULL DEFAULT '[]',
            input_task_ids TEXT NOT NULL DEFAULT '[]',
            started_at REAL,
            finished_at REAL,
            exception TEXT,
            traceback TEXT,
            source_hash TEXT,
            cloned_from INTEGER,
            transition TEXT,
            stdout_bytes INTEGER NOT NULL DEFAULT 0,
            stderr_bytes INTEGER NOT NULL DEFAULT 0,
            log_truncated INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX tasks_run_step ON tasks (run_id, step, split_index, id)",
        """CREATE TABLE artifacts (
            task_id INTEGER NOT NULL REFERENCES tasks (id),
            name TEXT NOT NULL,
            key TEXT NOT NULL,
            type_name TEXT NOT NULL,
            size INTEGER NOT NULL,
            summary TEXT NOT NULL,
            PRIMARY KEY (task_id, name)
        ) WITHOUT ROWID""",
        "CREATE INDEX artifacts_key ON artifacts (key)",
    ),
    (
        # a spin's diff target chosen with --against (NULL: its lineage decides)
        "ALTER TABLE runs ADD COLUMN against_run INTEGER",
        # the foreach path of the one split a spin ran (JSON list), or "*" for every split
        "ALTER TABLE runs ADD COLUMN spun_split TEXT",
        # why a run ended as it did, when its tasks don't say (e.g. it never reached end)
        "ALTER TABLE runs ADD COLUMN message TEXT",
    ),
    (
        # the flow file's text as each run read it, content-addressed (the Source tab's diff
        # of the code that ran against the file now)
        "CREATE TABLE sources (key TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID",
        "ALTER TABLE runs ADD COLUMN source_key TEXT",
        # tags the system gives a run (``project:<name>``...), beside the user's ``tags``
        "ALTER TABLE runs ADD COLUMN system_tags TEXT NOT NULL DEFAULT '[]'",
    ),
    (
        # runs.kind gains 'metaflow' (a run Metaflow executed, imported). SQLite cannot change
        # a CHECK constraint, so the table is rebuilt (foreign keys are off while migrating).
        """CREATE TABLE runs_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            flow TEXT NOT NULL,
            number INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('run', 'spin', 'resume', 'metaflow')),
            status TEXT NOT NULL
                CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'crashed')),
            flow_file TEXT NOT NULL,
            parameters TEXT NOT NULL DEFAULT '{}',
            origin_run INTEGER,
            spun_step TEXT,
            overrides TEXT,
            code_hash TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            user TEXT,
            host TEXT,
            pid INTEGER,
            started_at REAL NOT NULL,
            finished_at REAL,
            heartbeat_at REAL,
            against_run INTEGER,
            spun_split TEXT,
            message TEXT,
            source_key TEXT,
            system_tags TEXT NOT NULL DEFAULT '[]',
            external_id TEXT,
            external TEXT,
            UNIQUE (flow, number)
        )""",
        "INSERT INTO runs_v4 (id, flow, number, kind, status, flow_file, parameters, origin_run,"
        " spun_step, overrides, code_hash, tags, user, host, pid, started_at, finished_at,"
        " heartbeat_at, against_run, spun_split, message, source_key, system_tags)"
        " SELECT id, flow, number, kind, status, flow_file, parameters, origin_run, spun_step,"
        " overrides, code_hash, tags, user, host, pid, started_at, finished_at, heartbeat_at,"
        " against_run, spun_split, message, source_key, system_tags FROM runs",
        "DROP TABLE runs",
        "ALTER TABLE runs_v4 RENAME TO runs",
        "CREATE INDEX runs_status ON runs (status)",
        # an imported run is found again by where it came from (``metaflow:Flow/run id``)
        "CREATE UNIQUE INDEX runs_external ON runs (flow, external_id)"
        " WHERE external_id IS NOT NULL",
        # the imported task's own pathspec (Metaflow's ``Flow/run/step/task``)
        "ALTER TABLE tasks ADD COLUMN external_id TEXT",
        # artifacts still in another system's datastore: rows of ``artifacts`` hold the
        # pointer key until the first load fetches the value and re-keys them (store/remote.py)
        """CREATE TABLE remote_blobs (
            key TEXT PRIMARY KEY,
            system TEXT NOT NULL,
            location TEXT NOT NULL,
            info TEXT NOT NULL,
            resolved TEXT
        ) WITHOUT ROWID""",
    ),
    (
        # the code fingerprint the task ran with: its step and every code of the user's it
        # reaches (flow/fingerprint.py); NULL for tasks recorded before it existed
        "ALTER TABLE tasks ADD COLUMN fingerprint TEXT",
        # what a succeeded task was computed from (its fingerprint, every input's content key,
        # its foreach path, the run's parameters): equal keys, equal results (run --reuse)
        "ALTER TABLE tasks ADD COLUMN reuse_key TEXT",
        # a task run --reuse did not execute: the task it was cloned from by reference
        "ALTER TABLE tasks ADD COLUMN reused_from INTEGER",
        "CREATE INDEX tasks_reuse_key ON tasks (reuse_key) WHERE reuse_key IS NOT NULL",
    ),
]
assert len(MIGRATIONS) == SCHEMA_VERSION

_RUN_COLS = (
    "id, flow, number, kind, status, flow_file, parameters, origin_run, spun_step, overrides,"
    " code_hash, tags, user, host, pid, started_at, finished_at, heartbeat_at, against_run,"
    " spun_split, message, source_key, system_tags, external_id, external"
)
_TASK_COLS = (
    "t.id, t.run_id, r.flow, r.number, t.step, t.status, t.attempt, t.split_index,"
    " t.foreach_stack, t.input_task_ids, t.started_at, t.finished_at, t.exception, t.traceback,"
    " t.source_hash, t.cloned_from, t.transition, t.stdout_bytes, t.stderr_bytes,"
    " t.log_truncated, r.status, r.host, r.pid, r.started_at, r.heartbeat_at, t.external_id,"
    " t.fingerprint, t.reused_from"
)
_TASK_FROM = "FROM tasks t JOIN runs r ON r.id = t.run_id"
_ART_COLS = "task_id, name, key, type_name, size, summary"

_RUN_JSON = {"parameters", "overrides", "tags", "spun_split", "system_tags", "external"}
_RUN_UPDATABLE = {
    "kind", "status", "flow_file", "parameters", "origin_run", "spun_step", "overrides",
    "code_hash", "tags", "user", "host", "pid", "started_at", "finished_at", "heartbeat_at",
    "against_run", "spun_split", "message", "external",
}
_TASK_JSON = {"foreach_stack", "input_task_ids", "transition"}
_TASK_UPDATABLE = {
    "step", "status", "attempt", "split_index", "foreach_stack", "input_task_ids", "started_at",
    "finished_at", "exception", "traceback", "source_hash", "cloned_from", "transition",
    "stdout_bytes", "stderr_bytes", "log_truncated", "fingerprint",
}

# SQLite primary result codes.
_CORRUPT, _NOTADB = 11, 26
_BUSY, _LOCKED = 5, 6
_ENV_ERRORS = {3, 8, 10, 13, 14}  # PERM, READONLY, IOERR, FULL, CANTOPEN

_HOST: str | None = None


def this_host() -> str:
    """The host name recorded on runs (for the dead-pid check)."""
    global _HOST
    if _HOST is None:
        _HOST = socket.gethostname()
    return _HOST


def _pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: exists, owned by someone else
        return True
    try:  # a killed process its parent has not reaped yet is dead for our purposes
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except OSError:
        return True


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


_decode = json.JSONDecoder().decode


def _loads(text: str | None) -> Any:
    if text is None or text == "null":
        return None
    if text == "[]":  # most stacks and input lists of a wide foreach's rows
        return []
    return _decode(text)


_BOOT_TIME: float | None = None


def _process_started(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from /proc; None where unknown."""
    global _BOOT_TIME
    try:
        if _BOOT_TIME is None:
            with open("/proc/stat", "rb") as fh:
                _BOOT_TIME = float(next(line.split()[1] for line in fh
                                        if line.startswith(b"btime")))
        with open(f"/proc/{pid}/stat", "rb") as fh:
            ticks = int(fh.read().rpartition(b")")[2].split()[19])
        return _BOOT_TIME + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _is_crashed(
    status: str, host: str | None, pid: int | None, started: float, heartbeat: float | None,
    now: float,
) -> bool:
    """A ``running`` run whose process is gone. On the run's own host the process decides:
    alive and the same process (it started before the run) is running, whatever its
    heartbeat (a run paused with Ctrl-Z, or blocked on a full output pipe, is not dead).
    Elsewhere only the heartbeat can tell."""
    if status != "running":
        return False
    if pid and host == this_host():
        if not _pid_alive(pid):
            return True
        began = _process_started(pid)
        return began is not None and began > started + 1.0  # the pid was reused since
    stale = settings.get("WORKBENCH_STALE_AFTER") or STALE_AFTER
    return (heartbeat if heartbeat is not None else started) < now - stale


# ------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class RunRecord:
    """One run. `status` is the effective one (a dead `running` run reads `crashed`)."""

    id: int
    flow: str
    number: int
    kind: str
    status: str
    flow_file: str
    parameters: dict
    origin_run: int | None
    spun_step: str | None
    overrides: dict | None
    code_hash: str | None
    tags: tuple[str, ...]
    user: str | None
    host: str | None
    pid: int | None
    started_at: float
    finished_at: float | None
    heartbeat_at: float | None
    against_run: int | None = None  # a spin's explicit diff target (``--against``)
    spun_split: Any = None  # a spin's one split as a foreach path (list of indices), or "*"
    message: str | None = None  # why the run ended so, when no task says it
    source_key: str | None = None  # the flow file's text it ran (``Catalog.source_text``)
    system_tags: tuple[str, ...] = ()  # given by the system (``project:<name>``...)
    external_id: str | None = None  # where an imported run came from: ``metaflow:Flow/id``
    external: dict | None = None  # how to reach it again (datastore, root, pathspec)

    @property
    def pathspec(self) -> str:
        return f"{self.flow}/{self.number}"

    @property
    def finished(self) -> bool:
        return self.status != "running"

    @property
    def successful(self) -> bool:
        return self.status == "succeeded"

    @property
    def duration(self) -> float:
        """Seconds from start to finish (or to now while running)."""
        end = self.finished_at if self.finished_at is not None else time.time()
        return max(0.0, end - self.started_at)


@dataclass(frozen=True)
class TaskRecord:
    """One task, with its run's flow name and number joined in."""

    id: int
    run_id: int
    flow: str
    run_number: int
    step: str
    status: str
    attempt: int
    split_index: int | None
    foreach_stack: tuple[tuple, ...]  # frames (step, var, index, num_splits), outermost first
    input_task_ids: tuple[int, ...]
    started_at: float | None
    finished_at: float | None
    exception: str | None
    traceback: str | None
    source_hash: str | None
    cloned_from: int | None
    transition: Any
    stdout_bytes: int
    stderr_bytes: int
    log_truncated: bool
    external_id: str | None = None  # an imported task's own pathspec (Metaflow's)
    fingerprint: str | None = None  # its step's code and the user's code it reaches
    reused_from: int | None = None  # not executed: run --reuse cloned this task from it

    @property
    def pathspec(self) -> str:
        return f"{self.flow}/{self.run_number}/{self.step}/{self.id}"

    @property
    def finished(self) -> bool:
        return self.status not in ("running", "pending")

    @property
    def successful(self) -> bool:
        return self.status == "succeeded"

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish (or to now while running); None if never started."""
        if self.started_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else time.time()
        return max(0.0, end - self.started_at)


@dataclass(frozen=True)
class ArtifactRecord:
    """One artifact row: which blob holds it, and what it is, without loading it."""

    task_id: int
    name: str
    key: str
    type_name: str
    size: int
    summary: str


class ChainLink(NamedTuple):
    """One run of a spin chain, as :meth:`Catalog.spin_chain` walks it (no JSON decoded)."""

    id: int
    number: int
    kind: str
    spun_step: str | None
    depth: int


def _run_record(row: Sequence[Any], now: float) -> RunRecord:
    (rid, flow, number, kind, status, flow_file, params, origin, spun, overrides, code_hash,
     tags, user, host, pid, started, finished, heartbeat, against, spun_split, message,
     source_key, system_tags, external_id, external) = row
    if _is_crashed(status, host, pid, started, heartbeat, now):
        status = "crashed"
        finished = max(started, heartbeat or started)
    return RunRecord(
        rid, flow, number, kind, status, flow_file, _loads(params) or {}, origin, spun,
        _loads(overrides), code_hash, tuple(_loads(tags) or ()), user, host, pid, started,
        finished, heartbeat, against, _loads(spun_split), message, source_key,
        tuple(_loads(system_tags) or ()), external_id, _loads(external),
    )


def _task_record(row: Sequence[Any], now: float) -> TaskRecord:
    (tid, run_id, flow, number, step, status, attempt, split_index, stack, inputs, started,
     finished, exc, tb, source_hash, cloned_from, transition, out_b, err_b, truncated,
     run_status, host, pid, run_started, heartbeat, external_id, fingerprint,
     reused_from) = row
    if status == "running" and _is_crashed(run_status, host, pid, run_started, heartbeat, now):
        status = "crashed"
        if finished is None:
            finished = max(started or run_started, heartbeat or run_started)
    return TaskRecord(
        tid, run_id, flow, number, step, status, attempt, split_index,
        tuple(tuple(frame) for frame in (_loads(stack) or ())),
        tuple(_loads(inputs) or ()), started, finished, exc, tb, source_hash, cloned_from,
        _loads(transition), out_b, err_b, bool(truncated), external_id, fingerprint,
        reused_from,
    )


def storable(text: str | None) -> str | None:
    """``text`` as SQLite can store it: a lone surrogate (an undecodable byte that
    ``os.fsdecode`` let through) becomes its escape, ``\\udce9``; the rest is kept."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _artifact_row(task_id: int, art: ArtifactRecord | Sequence[Any]) -> tuple:
    if isinstance(art, ArtifactRecord):
        name, key, type_name, size, summary = (art.name, art.key, art.type_name, art.size,
                                               art.summary)
    else:
        name, key, type_name, size, summary = art
    return (task_id, storable(name), key, storable(type_name), int(size), storable(summary))


def _check(value: str, allowed: Iterable[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"invalid {what} {value!r}; expected one of {', '.join(allowed)}")


# ------------------------------------------------------------------------------------ catalog


class Catalog:
    """Runs, tasks and artifact rows in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._inherited: list[sqlite3.Connection] = []  # never closed in a forked child

    # -- connection ---------------------------------------------------------------------

    def _translate(self, exc: sqlite3.Error) -> Exception:
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        msg = str(exc)
        if primary in (_CORRUPT, _NOTADB) or "not a database" in msg or "malformed" in msg:
            return CorruptStoreError(
                f"store catalog {self.path} is corrupt ({msg}); move it aside to start afresh"
            )
        if primary in (_BUSY, _LOCKED):
            return StoreError(f"store catalog {self.path} is locked by another process ({msg})")
        if primary in _ENV_ERRORS:
            return StoreError(f"cannot use store catalog {self.path}: {msg}")
        return exc

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():  # made here, so no umask makes it group-writable
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o644))
                os.chmod(self.path, 0o644)
            except OSError:
                pass  # sqlite says what is wrong
        conn = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            self._refuse_newer(version)
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"store {self.path} was written by a newer workbench "
                f"(schema {version} > {SCHEMA_VERSION}); upgrade workbench"
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # A migration may rebuild a table others refer to; foreign keys can only be switched
        # outside a transaction, and are checked before the migration commits.
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            self._migrate_in_transaction(conn)
        finally:
            conn.execute("PRAGMA foreign_keys = ON")

    def _migrate_in_transaction(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process?
            self._refuse_newer(version)
            for stmts in MIGRATIONS[version:]:
                for stmt in stmts:
                    conn.execute(stmt)
            broken = conn.execute("PRAGMA foreign_key_check").fetchone()
            if broken is not None:
                raise CorruptStoreError(f"store catalog {self.path}: a row of {broken[0]} "
                                        f"refers to a missing row of {broken[2]}; not upgraded")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if self._pid != os.getpid():  # forked: the parent's connection and lock are not ours
            if self._conn is not None:
                self._inherited.append(self._conn)
            self._conn = None
            self._lock = threading.RLock()
            self._pid = os.getpid()
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._open()
                yield self._conn
            except sqlite3.Error as exc:
                new = self._translate(exc)
                if new is exc:
                    raise
                raise new from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._db() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._db() as conn:
            return conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        with self._db() as conn:
            return conn.execute(sql, params).fetchone()

    def close(self) -> None:
        """Close this process's connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def schema_version(self) -> int:
        """The catalog's schema version (opens and migrates it if needed)."""
        row = self._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    # -- runs ---------------------------------------------------------------------------

    def create_run(
        self,
        flow: str,
        kind: str = "run",
        *,
        flow_file: str | os.PathLike[str],
        parameters: dict | None = None,
        origin_run: int | None = None,
        spun_step: str | None = None,
        overrides: dict | None = None,
        code_hash: str | None = None,
        tags: Iterable[str] = (),
        user: str | None = None,
        against_run: int | None = None,
        spun_split: Any = None,
        source_text: str | None = None,
        system_tags: Iterable[str] = (),
    ) -> RunRecord:
        """Create a `running` run numbered max(number)+1 for `flow` (atomic across processes).
        ``source_text``: the flow file as the run read it, kept once per distinct text."""
        _check(kind, RUN_KINDS, "run kind")
        now = time.time()
        source_key = (blake3.blake3(source_text.encode("utf-8")).hexdigest()
                      if source_text is not None else None)
        with self._write() as conn:
            if source_key is not None:
                conn.execute("INSERT OR IGNORE INTO sources (key, text) VALUES (?, ?)",
                             (source_key, source_text))
            number = conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE flow = ?", (flow,)
            ).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO runs (flow, number, kind, status, flow_file, parameters, origin_run,"
                " spun_step, overrides, code_hash, tags, user, host, pid, started_at,"
                " heartbeat_at, against_run, spun_split, source_key, system_tags)"
                " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    flow, number, kind, os.fspath(flow_file), _dumps(parameters or {}),
                    origin_run, spun_step, _dumps(overrides), code_hash, _dumps(list(tags)),
                    user if user is not None else current_user(), this_host(), os.getpid(), now, now,
                    against_run, _dumps(spun_split), source_key, _dumps(list(system_tags)),
                ),
            )
            run_id = cur.lastrowid
        run = self.get_run_by_id(run_id)
        assert run is not None
        return run

    def source_text(self, key: str | None) -> str | None:
        """The flow file text stored under ``key`` (a run's ``source_key``), or None."""
        if not key:
            return None
        row = self._one("SELECT text FROM sources WHERE key = ?", (key,))
        return row[0] if row else None

    def heartbeat(self, run_id: int) -> None:
        """Record that the run's process is alive."""
        with self._db() as conn:
            conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", (time.time(), run_id))

    def finish_run(self, run_id: int, status: str, message: str | None = None) -> None:
        """Mark a run finished with a final status (and why, when no task says it)."""
        _check(status, RUN_STATUSES[1:], "final run status")
        now = time.time()
        with self._db() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, heartbeat_at = ?,"
                " message = COALESCE(?, message) WHERE id = ?",
                (status, now, now, message, run_id),
            )
        if cur.rowcount == 0:
            raise StoreError(f"run id {run_id} not found in {self.path}")

    def update_run(self, run_id: int, **fields: Any) -> None:
        """Set columns of a run (parameters, tags, overrides... JSON-encoded as needed)."""
        self._update("runs", run_id, fields, _RUN_UPDATABLE, _RUN_JSON)

    def _update(
        self, table: str, row_id: int, fields: dict, allowed: set[str], json_cols: set[str]
    ) -> None:
        if not fields:
            return
        bad = sorted(set(fields) - allowed)
        if bad:
            raise ValueError(f"cannot update {table} column(s) {', '.join(bad)}")
        if "status" in fields:
            _check(fields["status"], TASK_STATUSES if table == "tasks" else RUN_STATUSES,
                   "status")
        if "tags" in fields:
            fields["tags"] = list(fields["tags"])
        cols = list(fields)
        values = [
            _dumps(fields[c]) if c in json_cols
            else int(fields[c]) if isinstance(fields[c], bool) else fields[c]
            for c in cols
        ]
        sql = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?"
        with self._db() as conn:
            cur = conn.execute(sql, (*values, row_id))
        if cur.rowcount == 0:
            raise StoreError(f"{table[:-1]} id {row_id} not found in {self.path}")

    def list_flows(self) -> list[str]:
        """Names of flows with at least one run, sorted."""
        return [r[0] for r in self._all("SELECT DISTINCT flow FROM runs ORDER BY flow")]

    def list_runs(self, flow: str, limit: int | None = None,
                  kinds: Iterable[str] | None = None,
                  down_to: int | None = None) -> list[RunRecord]:
        """Runs of a flow (of the given kinds), newest first, at most ``limit``; with
        ``down_to``, every run numbered at least that (whatever the limit)."""
        sql = f"SELECT {_RUN_COLS} FROM runs WHERE flow = ?"
        params: tuple = (flow,)
        if down_to is not None:
            sql += " AND number >= ?"
            params += (int(down_to),)
            limit = None
        if kinds is not None:
            kinds = tuple(kinds)
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params += kinds
        sql += " ORDER BY number DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params += (int(limit),)
        now = time.time()
        return [_run_record(r, now) for r in self._all(sql, params)]

    def iter_runs(self, flow: str, kinds: Iterable[str] | None = None,
                  page: int = 32) -> Iterator[RunRecord]:
        """Runs of a flow, newest first, read a page at a time: a caller that stops at the
        first match reads a few rows, not the whole history."""
        kinds = tuple(kinds) if kinds is not None else None
        below: int | None = None
        while True:
            sql = f"SELECT {_RUN_COLS} FROM runs WHERE flow = ?"
            params: tuple = (flow,)
            if kinds is not None:
                sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
                params += kinds
            if below is not None:
                sql += " AND number < ?"
                params += (below,)
            rows = self._all(sql + " ORDER BY number DESC LIMIT ?", (*params, page))
            now = time.time()
            for row in rows:
                rec = _run_record(row, now)
                below = rec.number
                yield rec
            if len(rows) < page:
                return
            page = min(page * 4, 4096)

    def mutate_run_tags(self, run_id: int, change: Any) -> tuple[str, ...]:
        """Read a run's user tags, ``change(tags, system_tags) -> new tags``, write them, in
        one write transaction: concurrent mutations (tasks tagging their run) never lose
        one another's. Returns the tags written."""
        with self._write() as conn:
            row = conn.execute("SELECT tags, system_tags FROM runs WHERE id = ?",
                               (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"run id {run_id} not found in {self.path}")
            tags = tuple(change(tuple(_loads(row[0]) or ()), tuple(_loads(row[1]) or ())))
            conn.execute("UPDATE runs SET tags = ? WHERE id = ?", (_dumps(list(tags)), run_id))
        return tags

    def get_run(self, flow: str, number: int) -> RunRecord | None:
        """The run `flow/number`, or None."""
        row = self._one(
            f"SELECT {_RUN_COLS} FROM runs WHERE flow = ? AND number = ?", (flow, int(number))
        )
        return _run_record(row, time.time()) if row else None

    def get_run_by_id(self, run_id: int) -> RunRecord | None:
        """The run with this catalog id, or None."""
        row = self._one(f"SELECT {_RUN_COLS} FROM runs WHERE id = ?", (run_id,))
        return _run_record(row, time.time()) if row else None

    def latest_run(
        self, flow: str, successful: bool = False, kind: str | Iterable[str] | None = None
    ) -> RunRecord | None:
        """Newest run of a flow, optionally only succeeded ones and/or of given kind(s)."""
        sql = f"SELECT {_RUN_COLS} FROM runs WHERE flow = ?"
        params: list[Any] = [flow]
        if successful:
            sql += " AND status = 'succeeded'"
        if kind is not None:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
            params += kinds
        row = self._one(sql + " ORDER BY number DESC LIMIT 1", params)
        return _run_record(row, time.time()) if row else None

    def spin_chain(self, run_id: int) -> tuple[list[ChainLink], dict[str, int]]:
        """The run and the runs it was spun from, nearest first, through every spin up to
        and including the first run that is not a spin; and for each step the position in
        that chain of the nearest run that has a task of it. One query, however long the
        chain (a session of hundreds of chained spins walks it in SQLite, not row by row)."""
        walk = """
            WITH RECURSIVE chain(id, flow, number, kind, spun, origin, depth) AS (
                SELECT id, flow, number, kind, spun_step, origin_run, 0 FROM runs WHERE id = ?
                UNION ALL
                SELECT r.id, r.flow, r.number, r.kind, r.spun_step, r.origin_run, c.depth + 1
                FROM chain c JOIN runs r ON r.flow = c.flow AND r.number = c.origin
                WHERE c.kind = 'spin' AND r.number < c.number
            )"""
        links = [ChainLink(*row) for row in self._all(
            walk + " SELECT id, number, kind, spun, depth FROM chain ORDER BY depth", (run_id,))]
        nearest = dict(self._all(
            walk + " SELECT t.step, MIN(c.depth) FROM chain c JOIN tasks t ON t.run_id = c.id"
            " GROUP BY t.step", (run_id,)))
        return links, nearest

    def count_runs(self, flow: str) -> int:
        """Number of runs of a flow."""
        row = self._one("SELECT COUNT(*) FROM runs WHERE flow = ?", (flow,))
        return int(row[0]) if row else 0

    def reap_crashed(self, flow: str | None = None) -> list[RunRecord]:
        """Persist `crashed` for dead running runs (and their running tasks); return them."""
        sql = f"SELECT {_RUN_COLS} FROM runs WHERE status = 'running'"
        params: tuple = ()
        if flow is not None:
            sql += " AND flow = ?"
            params = (flow,)
        reaped: list[int] = []
        with self._write() as conn:
            now = time.time()
            for row in conn.execute(sql, params).fetchall():
                run = _run_record(row, now)
                if run.status != "crashed":
                    continue
                conn.execute(
                    "UPDATE runs SET status = 'crashed', finished_at = ? WHERE id = ?",
                    (run.finished_at, run.id),
                )
                conn.execute(
                    "UPDATE tasks SET status = 'crashed', finished_at = COALESCE(finished_at, ?)"
                    " WHERE run_id = ? AND status = 'running'",
                    (run.finished_at, run.id),
                )
                reaped.append(run.id)
        return [r for r in (self.get_run_by_id(i) for i in reaped) if r is not None]

    # -- tasks --------------------------------------------------------------------------

    def create_task(
        self,
        run_id: int,
        step: str,
        *,
        split_index: int | None = None,
        foreach_stack: Iterable[Sequence[int]] = (),
        input_task_ids: Iterable[int] = (),
        source_hash: str | None = None,
        fingerprint: str | None = None,
        status: str = "running",
        attempt: int = 0,
        started_at: float | None = None,
    ) -> int:
        """Insert a task row; returns its global id (the task id in pathspecs)."""
        _check(status, TASK_STATUSES, "task status")
        if started_at is None and status != "pending":
            started_at = time.time()
        with self._db() as conn:
            cur = conn.execute(
                "INSERT INTO tasks (run_id, step, status, attempt, split_index, foreach_stack,"
                " input_task_ids, started_at, source_hash, fingerprint)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id, step, status, attempt, split_index,
                    _dumps([list(f) for f in foreach_stack]), _dumps(list(input_task_ids)),
                    started_at, source_hash, fingerprint,
                ),
            )
            return int(cur.lastrowid)

    def update_task(self, task_id: int, **fields: Any) -> None:
        """Set columns of a task (JSON-encoded as needed)."""
        if "foreach_stack" in fields:
            fields["foreach_stack"] = [list(f) for f in fields["foreach_stack"]]
        if "input_task_ids" in fields:
            fields["input_task_ids"] = list(fields["input_task_ids"])
        self._update("tasks", task_id, fields, _TASK_UPDATABLE, _TASK_JSON)

    def finish_task(
        self,
        task_id: int,
        *,
        status: str,
        artifacts: Iterable[ArtifactRecord | Sequence[Any]] = (),
        exception: str | None = None,
        traceback: str | None = None,
        transition: Any = None,
        finished_at: float | None = None,
        stdout_bytes: int = 0,
        stderr_bytes: int = 0,
        log_truncated: bool = False,
        reuse_key: str | None = None,
    ) -> None:
        """Record a task's end and its artifact rows in one transaction. ``reuse_key`` (what
        the task was computed from) is kept only for a task that succeeded."""
        _check(status, TASK_STATUSES, "task status")
        rows = [_artifact_row(task_id, a) for a in artifacts]
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE tasks SET status = ?, finished_at = ?, exception = ?, traceback = ?,"
                " transition = ?, stdout_bytes = ?, stderr_bytes = ?, log_truncated = ?,"
                " reuse_key = ? WHERE id = ?",
                (
                    status, finished_at if finished_at is not None else time.time(),
                    storable(exception), storable(traceback), _dumps(transition), stdout_bytes,
                    stderr_bytes,
                    int(bool(log_truncated)), reuse_key if status == "succeeded" else None,
                    task_id,
                ),
            )
            if cur.rowcount == 0:
                raise StoreError(f"task id {task_id} not found in {self.path}")
            conn.executemany(
                f"INSERT OR REPLACE INTO artifacts ({_ART_COLS}) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            if any(is_pointer(r[2]) for r in rows):  # carried from an imported run
                rekey_fetched(conn, "task_id = ?", (task_id,))
            fault("commit")  # test-only pause inside the transaction

    def put_artifacts(self, task_id: int, artifacts: Iterable[ArtifactRecord]) -> None:
        """Write (or replace) artifact rows of a task, as ``task_id``'s."""
        rows = [_artifact_row(task_id, a) for a in artifacts]
        with self._write() as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO artifacts ({_ART_COLS}) VALUES (?, ?, ?, ?, ?, ?)", rows)

    def reusable_task(self, flow: str, reuse_key: str) -> TaskRecord | None:
        """The newest task of ``flow`` that succeeded computing from exactly ``reuse_key``
        (one that failed, was cancelled or crashed never is); None if there is none."""
        row = self._one(
            f"SELECT {_TASK_COLS} {_TASK_FROM} WHERE t.reuse_key = ? AND r.flow = ?"
            " AND t.status = 'succeeded' ORDER BY t.id DESC LIMIT 1", (reuse_key, flow))
        return _task_record(row, time.time()) if row else None

    def reuse_task(self, task_id: int, run_id: int, input_task_ids: Sequence[int],
                   reuse_key: str) -> int:
        """Clone ``task_id`` into ``run_id`` by reference as a reused task: its inputs are this
        run's tasks; ``reused_from`` names the task that executed it."""
        new_id = self.clone_task(task_id, run_id)
        origin = self.get_task(task_id)
        executed = origin.reused_from if origin is not None and origin.reused_from else task_id
        with self._db() as conn:
            conn.execute("UPDATE tasks SET input_task_ids = ?, reused_from = ?, reuse_key = ?"
                         " WHERE id = ?",
                         (_dumps(list(input_task_ids)), executed, reuse_key, new_id))
        return new_id

    def clone_task(self, task_id: int, run_id: int) -> int:
        """Copy a task row and its artifact rows into another run (no blob touched)."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO tasks (run_id, step, status, attempt, split_index, foreach_stack,"
                " input_task_ids, started_at, finished_at, exception, traceback, source_hash,"
                " cloned_from, transition, stdout_bytes, stderr_bytes, log_truncated,"
                " fingerprint)"
                " SELECT ?, step, status, attempt, split_index, foreach_stack, input_task_ids,"
                " started_at, finished_at, exception, traceback, source_hash, id, transition,"
                " stdout_bytes, stderr_bytes, log_truncated, fingerprint FROM tasks"
                " WHERE id = ?",
                (run_id, task_id),
            )
            if cur.rowcount == 0:
                raise StoreError(f"task id {task_id} not found in {self.path}")
            new_id = int(cur.lastrowid)
            conn.execute(
                f"INSERT INTO artifacts ({_ART_COLS}) SELECT ?, name, key, type_name, size,"
                " summary FROM artifacts WHERE task_id = ?",
                (new_id, task_id),
            )
        return new_id

    def clone_tasks(self, task_ids: Iterable[int], run_id: int) -> dict[int, int]:
        """Clone several tasks into ``run_id`` in one transaction; returns old id -> new id.

        Input task ids that point at tasks cloned in the same call are remapped to the clones,
        so the cloned tasks form the same graph inside the new run.
        """
        ids = list(task_ids)
        mapping: dict[int, int] = {}
        with self._write() as conn:
            for old in ids:
                cur = conn.execute(
                    "INSERT INTO tasks (run_id, step, status, attempt, split_index, foreach_stack,"
                    " input_task_ids, started_at, finished_at, exception, traceback, source_hash,"
                    " cloned_from, transition, stdout_bytes, stderr_bytes, log_truncated,"
                    " fingerprint)"
                    " SELECT ?, step, status, attempt, split_index, foreach_stack, input_task_ids,"
                    " started_at, finished_at, exception, traceback, source_hash, id, transition,"
                    " stdout_bytes, stderr_bytes, log_truncated, fingerprint FROM tasks"
                    " WHERE id = ?",
                    (run_id, old),
                )
                if cur.rowcount == 0:
                    raise StoreError(f"task id {old} not found in {self.path}")
                mapping[old] = int(cur.lastrowid)
            for old, new in mapping.items():
                conn.execute(
                    f"INSERT INTO artifacts ({_ART_COLS}) SELECT ?, name, key, type_name, size,"
                    " summary FROM artifacts WHERE task_id = ?",
                    (new, old),
                )
                row = conn.execute("SELECT input_task_ids FROM tasks WHERE id = ?", (new,)).fetchone()
                inputs = [mapping.get(i, i) for i in (_loads(row[0]) or [])]
                conn.execute("UPDATE tasks SET input_task_ids = ? WHERE id = ?",
                             (_dumps(inputs), new))
        return mapping

    def list_tasks(self, run_id: int, step: str | None = None) -> list[TaskRecord]:
        """Tasks of a run ordered by step, split index, id."""
        sql = f"SELECT {_TASK_COLS} {_TASK_FROM} WHERE t.run_id = ?"
        params: tuple = (run_id,)
        if step is not None:
            sql += " AND t.step = ?"
            params += (step,)
        now = time.time()
        rows = self._all(sql + " ORDER BY t.step, t.split_index, t.id", params)
        return [_task_record(r, now) for r in rows]

    def step_window(self, run_id: int, step: str, limit: int
                    ) -> tuple[dict[str, int], list[TaskRecord]]:
        """A step's task count per status, and at most ``limit`` of its tasks: those that did
        not succeed first, then the first succeeded ones by split index. A 5,000-split step
        reads ~``limit`` rows, not 5,000."""
        where = "t.run_id = ? AND t.step = ?"
        counts = dict(self._all(f"SELECT t.status, COUNT(*) {_TASK_FROM} WHERE {where}"
                                " GROUP BY t.status", (run_id, step)))
        now = time.time()
        order = " ORDER BY t.split_index, t.id LIMIT ?"
        others = [_task_record(r, now) for r in self._all(
            f"SELECT {_TASK_COLS} {_TASK_FROM} WHERE {where} AND t.status != 'succeeded'"
            + order, (run_id, step, limit))]
        for task in others:  # a running row whose process is gone reads crashed
            if task.status == "crashed" and counts.get("running"):
                counts["running"] -= 1
                counts["crashed"] = counts.get("crashed", 0) + 1
        done = [_task_record(r, now) for r in self._all(
            f"SELECT {_TASK_COLS} {_TASK_FROM} WHERE {where} AND t.status = 'succeeded'"
            + order, (run_id, step, max(0, limit - len(others))))]
        return {s: n for s, n in counts.items() if n}, others + done

    def has_step(self, run_id: int, step: str) -> bool:
        """Whether the run has a task of ``step`` (one indexed row read, none decoded)."""
        return self._one("SELECT 1 FROM tasks WHERE run_id = ? AND step = ? LIMIT 1",
                         (run_id, step)) is not None

    def get_task(self, task_id: int) -> TaskRecord | None:
        """The task with this id, or None."""
        row = self._one(f"SELECT {_TASK_COLS} {_TASK_FROM} WHERE t.id = ?", (task_id,))
        return _task_record(row, time.time()) if row else None

    # -- artifacts ----------------------------------------------------------------------

    def list_artifacts(self, task_id: int) -> list[ArtifactRecord]:
        """Artifact rows of a task ordered by name."""
        rows = self._all(
            f"SELECT {_ART_COLS} FROM artifacts WHERE task_id = ? ORDER BY name", (task_id,)
        )
        return [ArtifactRecord(*r) for r in rows]

    def get_artifact(self, task_id: int, name: str) -> ArtifactRecord | None:
        """One artifact row, or None."""
        row = self._one(
            f"SELECT {_ART_COLS} FROM artifacts WHERE task_id = ? AND name = ?", (task_id, name)
        )
        return ArtifactRecord(*row) if row else None

    # -- housekeeping -------------------------------------------------------------------

    def running_runs(self) -> list[RunRecord]:
        """Runs of any flow still running (a dead process's run reads crashed, so not here)."""
        now = time.time()
        rows = self._all(f"SELECT {_RUN_COLS} FROM runs WHERE status = 'running' ORDER BY id")
        return [r for r in (_run_record(row, now) for row in rows) if r.status == "running"]

    def clone_sources(self, flow: str) -> set[tuple[int, int]]:
        """``(run id, source run id)`` pairs of a flow: a task of the first run is a clone
        (directly or through clones of clones) of a task that executed in the second."""
        rows = self._all(
            "SELECT t.id, t.run_id, t.cloned_from FROM tasks t JOIN runs r ON r.id = t.run_id"
            " WHERE r.flow = ?", (flow,),
        )
        run_of = {tid: run_id for tid, run_id, _ in rows}
        parent = {tid: src for tid, _, src in rows}
        pairs: set[tuple[int, int]] = set()
        for tid, run_id, src in rows:
            seen = {tid}
            while src is not None and parent.get(src) is not None and src not in seen:
                seen.add(src)
                src = parent[src]
            if src is not None and src in run_of:
                pairs.add((int(run_id), int(run_of[src])))
        return pairs

    def steps_seen(self, flow: str, max_number: int | None = None) -> set[str]:
        """Names of steps with a task in some run of `flow` (numbered <= `max_number`)."""
        sql = "SELECT DISTINCT t.step FROM tasks t JOIN runs r ON r.id = t.run_id WHERE r.flow = ?"
        params: tuple = (flow,)
        if max_number is not None:
            sql += " AND r.number <= ?"
            params += (int(max_number),)
        return {row[0] for row in self._all(sql, params)}

    def referenced_keys(self) -> set[str]:
        """Every blob key some artifact row (of any flow) references."""
        return {row[0] for row in self._all("SELECT DISTINCT key FROM artifacts")}

    def task_ids(self) -> set[int]:
        """Ids of every task row (to find log files of deleted tasks)."""
        return {int(row[0]) for row in self._all("SELECT id FROM tasks")}

    def delete_runs(self, run_ids: Iterable[int]) -> list[int]:
        """Delete runs with their tasks and artifact rows in one transaction.

        Rows of other runs that point into the deleted ones are re-pointed past them: a
        task's ``cloned_from`` to the nearest surviving task of its clone chain (None if the
        chain ends in a deleted task), a run's ``origin_run`` to the nearest surviving run
        of its origin chain. Touches no file: the caller removes logs and unreferenced blobs
        afterwards, so a crash in between leaves only orphan files for the next sweep.
        Returns the ids of the deleted tasks.
        """
        ids = sorted({int(i) for i in run_ids})
        if not ids:
            return []
        with self._write() as conn:
            marks = ", ".join("?" * len(ids)) if len(ids) <= 500 else None
            if marks is None:  # many runs: go through a temporary table
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS _gone (id INTEGER PRIMARY KEY)")
                conn.execute("DELETE FROM _gone")
                conn.executemany("INSERT INTO _gone VALUES (?)", [(i,) for i in ids])
                gone, params = "SELECT id FROM _gone", ()
            else:
                gone, params = marks, tuple(ids)
            tasks = conn.execute(
                f"SELECT id, cloned_from FROM tasks WHERE run_id IN ({gone})", params).fetchall()
            parent = {int(t): f for t, f in tasks}
            survivors = conn.execute(
                f"SELECT t.id, t.cloned_from FROM tasks t JOIN tasks s ON s.id = t.cloned_from"
                f" WHERE s.run_id IN ({gone}) AND t.run_id NOT IN ({gone})", params * 2,
            ).fetchall()
            for tid, src in survivors:
                while src is not None and src in parent:
                    src = parent[src]
                conn.execute("UPDATE tasks SET cloned_from = ? WHERE id = ?", (src, tid))
            runs = conn.execute(
                f"SELECT flow, number, origin_run FROM runs WHERE id IN ({gone})", params
            ).fetchall()
            origin = {(f, n): o for f, n, o in runs}
            for flow in {f for f, _, _ in runs}:
                for rid, o in conn.execute(
                        f"SELECT id, origin_run FROM runs WHERE flow = ? AND id NOT IN ({gone})"
                        " AND origin_run IS NOT NULL", (flow, *params)).fetchall():
                    new, seen = o, set()
                    while (flow, new) in origin and new not in seen:
                        seen.add(new)
                        new = origin[(flow, new)]
                    if new != o:
                        conn.execute("UPDATE runs SET origin_run = ? WHERE id = ?", (new, rid))
            conn.execute(f"DELETE FROM artifacts WHERE task_id IN"
                         f" (SELECT id FROM tasks WHERE run_id IN ({gone}))", params)
            conn.execute(f"DELETE FROM tasks WHERE run_id IN ({gone})", params)
            conn.execute(f"DELETE FROM runs WHERE id IN ({gone})", params)
            conn.execute("DELETE FROM sources WHERE key NOT IN"
                         " (SELECT source_key FROM runs WHERE source_key IS NOT NULL)")
        return sorted(parent)
