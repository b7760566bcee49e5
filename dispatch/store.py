"""Keeping the hall on disk: SQLAlchemy Core over SQLite (WAL, synced) by default, PostgreSQL by URL.

Reading goes through SQLAlchemy. Writing, the core's hot path, does not build statements per change: each
command's changes are taken as rows (`Store.rows`, under the hall's lock, since the records go on changing), and
`Store.write` puts the rows of every command waiting into one transaction with one statement per table, compiled
once for the database's dialect and run through its driver.
"""

from __future__ import annotations

import functools
import json
import logging
import operator
import re
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateSchema

from . import audit as oplog
from .devices import DeviceState
from .model import (
    CASE_OPEN,
    MARKS,
    OPEN,
    AuditRecord,
    Call,
    Case,
    CaseStep,
    Changes,
    Event,
    Feedback,
    Marks,
    Rating,
    Ticket,
    Window,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4

PROBE_BYTES = 64 * 1024  # more than a busy group commit writes: room for this is room for the next commands

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text))

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("day", String(10), nullable=False, index=True),
    Column("number", String(16), nullable=False),
    Column("counter", Integer, nullable=False),
    Column("order_no", Integer, nullable=False),
    Column("service", String(64), nullable=False),
    Column("issued_service", String(64), nullable=False),
    Column("window", Integer, nullable=False),
    Column("printed_window", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("priority", Boolean, nullable=False),
    Column("issued_at", Float, nullable=False),
    Column("called_at", Float),
    Column("called_window", Integer),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("served_window", Integer),
    Column("handled_s", Float),
    Column("clerk", String(64)),
    Column("recalls", Integer, nullable=False, default=0),
    Column("transfers", Integer, nullable=False, default=0),
    Column("device", String(64)),
    Column("idempotency_key", String(200)),
    Column("end_reason", String(32)),
)

windows = Table(
    "windows",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("day", String(10)),
    Column("closed", Boolean, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("pause_reason", Text),
    Column("clerk", String(64)),
    Column("signed_in_at", Float),
    Column("current", String(64)),
    Column("current_since", Float),
    Column("armed_ticket", String(64)),
    Column("armed_until", Float),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64), nullable=False, unique=True),
    Column("day", String(10), nullable=False, index=True),
    Column("number", String(16), nullable=False),
    Column("service", String(64), nullable=False),
    Column("window", Integer, nullable=False),
    Column("clerk", String(64)),
    Column("score", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("follow_up", Text),
    Column("follow_up_by", String(128)),
    Column("follow_up_at", Float),
    Column("reasons", Text),  # a JSON list of the phone page's reasons, or NULL
)

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", String(10), nullable=False, index=True),
    Column("number", String(16), nullable=False),
    Column("service", String(64), nullable=False),
    Column("window", Integer, nullable=False),
    Column("clerk", String(64)),
    Column("at", Float, nullable=False),
    Column("outcome", String(16)),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("ticket_id", String(64), nullable=False, index=True),
    Column("day", String(10), nullable=False, index=True),
    Column("number", String(16), nullable=False),
    Column("service", String(64), nullable=False),
    Column("unit", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("window", Integer, nullable=False),
    Column("clerk", String(64)),
    Column("status", String(16), nullable=False, index=True),
    Column("opened_at", Float, nullable=False),
    Column("reviewer", String(64)),
    Column("reviewed_at", Float),
    Column("approver", String(64)),
    Column("approved_at", Float),
    Column("done_at", Float),
    Column("returns", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
)

# every step of a case's history, in order: opened, reviewed, approved (with a decision), resubmitted
case_steps = Table(
    "case_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("clerk", String(64)),
    Column("at", Float, nullable=False),
    Column("decision", String(16)),
    Column("note", Text, nullable=False, default=""),
)

# the manager's qualitative marks of a clerk for an appraisal period (SPEC §11), each time they were given
marks = Table(
    "marks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("clerk", String(64), nullable=False, index=True),
    Column("from_day", String(10), nullable=False),
    Column("to_day", String(10), nullable=False),
    *(Column(name, Integer, nullable=False) for name in MARKS),
    Column("given_by", String(128), nullable=False),
    Column("at", Float, nullable=False),
)

# the feedback given on a clerk's sheet for a period (绩效反馈), every one kept
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("clerk", String(64), nullable=False, index=True),
    Column("from_day", String(10), nullable=False),
    Column("to_day", String(10), nullable=False),
    Column("note", Text, nullable=False),
    Column("given_by", String(128), nullable=False),
    Column("at", Float, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("last_seen", Float),
    Column("online", Boolean, nullable=False),
    Column("status", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("type", String(32), nullable=False),
    Column("data", Text, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("prev", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


class StoreError(Exception):
    """The database could not be read or written; the message is for the person running the core."""


class OtherHall(StoreError):
    """The database belongs to another hall than the hall file the core was started with."""


F = TypeVar("F", bound=Callable[..., Any])


def _storage(method: F) -> F:
    """Database errors leave the store as StoreError, with the database's own reason."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot use the database: {_reason(exc)}") from exc

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    type: str
    data: dict[str, Any]
    at: float


Row = tuple[Any, ...]  # a table's values in its columns' order


@dataclass
class Staged:
    """One command's changes as rows, taken when it ran; its events' numbers are given as it joins the writes."""

    tickets: list[Row] = field(default_factory=list)
    windows: list[Row] = field(default_factory=list)
    calls: list[Row] = field(default_factory=list)
    ratings: list[Row] = field(default_factory=list)
    devices: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    case_steps: list[Row] = field(default_factory=list)
    marks: list[Row] = field(default_factory=list)
    feedback: list[Row] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    stored: list[StoredEvent] = field(default_factory=list)  # the events with their sequence numbers


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def hall_schema(db: str) -> tuple[str, str | None]:
    """A PostgreSQL URL's `schema=NAME` (one hall of several on one server) taken out of the URL for the driver."""
    url = make_url(db) if "://" in db else None
    if url is None or "schema" not in url.query:
        return db, None
    schema = url.query["schema"]
    if not isinstance(schema, str) or not SCHEMA_NAME.fullmatch(schema) or url.get_backend_name() != "postgresql":
        raise StoreError(
            f"schema={schema} in {_safe_url(db)}: give one PostgreSQL schema per hall, in lower-case letters, "
            "digits and _ (e.g. postgresql://hall@db.city/halls?schema=hall_a)"
        )
    return url.difference_update_query(["schema"]).render_as_string(hide_password=False), schema


def engine_for(db: str) -> Engine:
    """An engine for a file path (SQLite) or a database URL (postgresql://…, sqlite:///…)."""
    if "://" not in db:
        path = Path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{path}"
    elif db.startswith("postgresql://") or db.startswith("postgres://"):
        db = "postgresql+psycopg://" + db.split("://", 1)[1]
    db, schema = hall_schema(db)
    # every connection works in the hall's schema only, so its unqualified tables are that hall's
    options = {"connect_args": {"options": f"-c search_path={schema}"}} if schema else {}
    engine = create_engine(db, pool_pre_ping=True, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a transaction the kiosk was told about survives a power cut, WAL or not
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


def read_only_engine(db: str) -> Engine:
    """An engine that cannot write: SQLite opened read-only, or immutable when not even its -shm can be made."""
    if "://" in db and not db.startswith("sqlite:///"):
        return engine_for(db)
    path = Path(db[len("sqlite:///") :] if "://" in db else db).resolve()
    if not path.is_file():
        raise StoreError(f"no database at {path}")

    def connect() -> sqlite3.Connection:
        for mode in ("mode=ro", "immutable=1"):
            conn = sqlite3.connect(f"{path.as_uri()}?{mode}", uri=True, check_same_thread=False)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError:
                # read-only folder: a WAL database's -shm cannot be made; immutable reads the main file alone
                conn.close()
        return sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True, check_same_thread=False)

    return create_engine("sqlite://", creator=connect)


def restart_anchor(db: str, audit_key: str | Path | None, label: str) -> Path | None:
    """The operation log's anchor begun again at a restored database's newest entry; the old one's new name."""
    key_path = Path(audit_key) if audit_key is not None else oplog.default_key_path(db)
    if key_path is None:
        return None
    engine = read_only_engine(db)
    try:
        return oplog.restart_anchor(engine, key_path, label)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the operation log of {_safe_url(db)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()


class Store:
    """Everything the core keeps; one transaction per command, committed before anyone is answered."""

    def __init__(self, db: str, audit_key: str | Path | None = None, *, reading: bool = False):
        """`reading`: a store only read from (a report), which never touches the operation log's key or anchor."""
        self.db = db
        key_path = Path(audit_key) if audit_key is not None else oplog.default_key_path(db)
        try:
            self.engine = engine_for(db)  # a malformed URL is named before a missing key
            if key_path is None and not reading:
                raise StoreError(
                    f"the operation log of {_safe_url(db)} needs a key file outside the database: "
                    "give it with --audit-key FILE (made at first start)"
                )
            self._prepare()
            with self.engine.connect() as conn:
                self.last_seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one()
                head = conn.execute(select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
            self.audit_seq: int = head[0] if head else 0
            # str(): a damaged row must not stop the hall; `audit verify` reports it
            self.audit_head: str = str(head[1]) if head else oplog.GENESIS
            self.statements = _Statements(self.engine.dialect)
            self.next_ids = self._next_ids()
            self._writing: Any = None  # the writer's own connection, opened by the thread that writes
            self.verifier: oplog.Verifier | None = None  # the page's check of the log, kept between checks
            if reading:
                return
            assert key_path is not None
            self.log = self._open_log(key_path)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the database {_safe_url(db)}: {_reason(exc)}") from exc
        except oplog.AuditError as exc:
            raise StoreError(str(exc)) from exc
        if self.log.mismatch is not None:
            self.commit(Changes(audit=[AuditRecord("core", oplog.MISMATCH, self.log.mismatch, time.time())]))

    def _open_log(self, key_path: Path) -> oplog.KeyedLog:
        """The operation log's key and anchor; a database without a keyed log is keyed from its newest entry."""
        recorded = oplog.Start.from_meta(self.meta_value("audit_start"))
        keyed = oplog.open_log(key_path, recorded, (self.audit_seq, self.audit_head), self._audit_hash)
        if recorded != keyed.start:
            with self.engine.begin() as conn:
                _upsert(conn, meta, "key", {"key": "audit_start", "value": keyed.start.meta()})
        return keyed

    def _audit_hash(self, seq: int) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(audit.c.hash).where(audit.c.seq == seq)).scalar_one_or_none()

    @property
    def audit_key(self) -> Path:
        return self.log.key_path

    # --- schema -------------------------------------------------------------------------------
    def _prepare(self) -> None:
        with self.engine.begin() as conn:
            _create_schema(conn, hall_schema(self.db)[1])
            existing = self.engine.dialect.has_table(conn, "meta")
            if not existing:
                metadata.create_all(conn)
                conn.execute(
                    insert(meta),
                    [
                        {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                        {"key": "secret_key", "value": secrets.token_hex(32)},
                        {"key": "created_by", "value": "onewindow"},
                        {"key": "hall_id", "value": str(uuid.uuid4())},
                    ],
                )
                return
            version = int(conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the database is from a newer onewindow (schema {version}, this release knows "
                    f"{SCHEMA_VERSION}): upgrade onewindow or use another database"
                )
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
                conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(step + 1)))
                log.info("database migrated to schema %d", step + 1)

    @_storage
    def meta_value(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()

    def schema_version(self) -> int:
        return int(self.meta_value("schema_version") or 0)

    # --- whose hall -------------------------------------------------------------------------------
    @_storage
    def claim(self, hall_name: str, hall_file: str) -> str:
        """Record on its first start whose hall this database is, or check it; returns the hall's stable id.
        Raises OtherHall when another hall's name is recorded: its tickets, windows and log are not this hall's."""
        with self.engine.begin() as conn:
            recorded = _hall_record(conn)
            owner = recorded.get("hall_name")
            if owner is not None and owner != hall_name:
                raise OtherHall(
                    f'the database {_safe_url(self.db)} belongs to the hall "{owner}" (id {recorded.get("hall_id")}, '
                    f'first started with {recorded.get("hall_file")}), not to "{hall_name}" of {hall_file}. Start '
                    f"the core with that hall's file, or give this hall a database of its own (--db); if the hall "
                    f"was renamed, run once: onewindow rename-hall --config {hall_file} --db {self.db}"
                )
            if owner is None:  # a new database, or one from a release that did not record its hall
                _record_hall(conn, recorded, hall_name, hall_file)
            return str(_hall_record(conn)["hall_id"])

    @_storage
    def rename_hall(self, hall_name: str, hall_file: str) -> str | None:
        """Give this database's hall its new name, keeping its id; returns the name it had."""
        with self.engine.begin() as conn:
            recorded = _hall_record(conn)
            _record_hall(conn, recorded, hall_name, hall_file)
            return recorded.get("hall_name")

    # --- loading ------------------------------------------------------------------------------
    @_storage
    def _next_ids(self) -> dict[str, int]:
        """The ids the next call and rating get: given as they are taken, so that a whole batch is written at once."""
        with self.engine.connect() as conn:
            top = {
                t.name: conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()
                for t in (calls, ratings, case_steps, marks, feedback)
            }
        return {name: value + 1 for name, value in top.items()}

    @_storage
    def load(self, day: str) -> dict[str, Any]:
        """What the hall needs to rebuild `day`: its tickets, the open ones of earlier days (kept until called or
        the day is ended), windows, devices, ratings, and the calls of the day and of citizens still at a window."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tickets).where((tickets.c.day == day) | tickets.c.status.in_(OPEN)))
            ticket_list = [_ticket(r._mapping) for r in rows]
            window_rows = [dict(r._mapping) for r in conn.execute(select(windows))]
            device_list = [
                DeviceState(r.id, r.kind, r.last_seen, r.online, json.loads(r.status))
                for r in conn.execute(select(devices))
            ]
            rating_list = [_rating(r._mapping) for r in conn.execute(select(ratings).where(ratings.c.day == day))]
            days = {r["day"] for r in window_rows if r["day"]}
            # the windows' state may be of an earlier day, which the hall resumes until it rolls over
            wanted: ColumnElement[bool] = calls.c.day.in_({day, *days})
            current = {r["current"] for r in window_rows if r["current"]}
            since = [t.called_at for t in ticket_list if t.id in current and t.called_at is not None]
            if since:  # a citizen called before midnight may still be at the window: that call is of an earlier day
                wanted = wanted | (calls.c.outcome.is_(None) & (calls.c.at >= min(since)))
            found = conn.execute(select(calls).where(wanted).order_by(calls.c.id))
            call_list = [_call(r._mapping) for r in found]
            case_list = _load_cases(conn, (cases.c.day == day) | cases.c.status.in_(CASE_OPEN))
        self.next_ids = self._next_ids()  # what failed to be written gave its ids back
        return {
            "tickets": ticket_list,
            "windows": window_rows,
            "devices": device_list,
            "ratings": rating_list,
            "calls": call_list,
            "cases": case_list,
            "day": max(days) if days else None,
        }

    @_storage
    def tickets_of(self, day: str) -> list[Ticket]:
        with self.engine.connect() as conn:
            return [_ticket(r._mapping) for r in conn.execute(select(tickets).where(tickets.c.day == day))]

    @_storage
    def ticket(self, ticket_id: str) -> Ticket | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
        return _ticket(row._mapping) if row else None

    @_storage
    def calls_of(self, day: str) -> list[Call]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(calls).where(calls.c.day == day).order_by(calls.c.id))
            return [_call(r._mapping) for r in rows]

    @_storage
    def ratings_of(self, day: str | None = None, flagged: bool = False) -> list[Rating]:
        query = select(ratings).order_by(ratings.c.id)
        if day is not None:
            query = query.where(ratings.c.day == day)
        if flagged:
            query = query.where(ratings.c.score <= 2)
        with self.engine.connect() as conn:
            return [_rating(r._mapping) for r in conn.execute(query)]

    @_storage
    def rating(self, rating_id: int) -> Rating | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(ratings).where(ratings.c.id == rating_id)).first()
        return _rating(row._mapping) if row else None

    # --- reports over a range of days (streamed: a year of a busy hall does not fit in memory as records) ------
    def period(self, first: str, last: str) -> StoredPeriod:
        """The tickets, calls and ratings of the days `first` to `last` (YYYY-MM-DD, both included)."""
        return StoredPeriod(self, first, last)

    def tickets_between(self, first: str, last: str) -> Iterator[Ticket]:
        query = select(tickets).where(tickets.c.day.between(first, last)).order_by(tickets.c.issued_at)
        return (_ticket(row) for row in self._stream(query))

    def calls_between(self, first: str, last: str) -> Iterator[Call]:
        query = select(calls).where(calls.c.day.between(first, last)).order_by(calls.c.id)
        return (_call(row) for row in self._stream(query))

    def ratings_between(self, first: str, last: str) -> Iterator[Rating]:
        query = select(ratings).where(ratings.c.day.between(first, last)).order_by(ratings.c.id)
        return (_rating(row) for row in self._stream(query))

    def cases_between(self, first: str, last: str) -> Iterator[Case]:
        """The cases opened on the days `first` to `last`, each with its steps, in the order they were opened."""
        query = select(cases).where(cases.c.day.between(first, last)).order_by(cases.c.opened_at, cases.c.id)
        found = [Case(**{name: row[name] for name in _CASE_FIELDS}) for row in self._stream(query)]
        by_id = {c.id: c for c in found}
        steps = (
            select(case_steps)
            .where(case_steps.c.case_id.in_(select(cases.c.id).where(cases.c.day.between(first, last))))
            .order_by(case_steps.c.id)
        )
        for row in self._stream(steps):
            by_id[row["case_id"]].steps.append(CaseStep(id=row["id"], **{name: row[name] for name in _STEP_FIELDS}))
        return iter(found)

    def marks_of(self, first: str, last: str, clerk: str | None = None) -> Iterator[Marks]:
        """Every time marks were given for the period `first` to `last` (exactly), oldest first."""
        query = select(marks).where((marks.c.from_day == first) & (marks.c.to_day == last)).order_by(marks.c.id)
        if clerk is not None:
            query = query.where(marks.c.clerk == clerk)
        return (_marks(row) for row in self._stream(query))

    def feedback_of(self, first: str, last: str, clerk: str | None = None) -> Iterator[Feedback]:
        """The feedback given on the sheets of the period `first` to `last` (exactly), oldest first."""
        query = (
            select(feedback).where((feedback.c.from_day == first) & (feedback.c.to_day == last)).order_by(feedback.c.id)
        )
        if clerk is not None:
            query = query.where(feedback.c.clerk == clerk)
        return (_feedback(row) for row in self._stream(query))

    def shifts_between(self, start: float, end: float) -> Iterator[StoredEvent]:
        """The windows' sign-ins and sign-outs from `start` to `end` (seconds), in order, for hours signed in."""
        query = (
            select(events)
            .where(events.c.type.in_(("window.signed_in", "window.signed_out")) & events.c.at.between(start, end))
            .order_by(events.c.seq)
        )
        return (StoredEvent(r["seq"], r["type"], json.loads(r["data"]), r["at"]) for r in self._stream(query))

    @_storage
    def audit_head_at(self, before: float | None = None) -> tuple[int, str]:
        """The operation log's keyed head (last sequence number and its hash) as written, or as it stood at
        `before` (seconds): printed in a day's report, so that removing the newest entries is seen."""
        query = select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
        if before is not None:
            query = query.where(audit.c.at < before)
        with self.engine.connect() as conn:
            head = conn.execute(query).first()
        return (head[0], str(head[1])) if head else (0, oplog.GENESIS)

    def _stream(self, query: Any) -> Iterator[Any]:
        # a generator: the database is read while the caller walks it, so errors are translated here
        try:
            with self.engine.connect() as conn:
                for row in conn.execution_options(yield_per=1000).execute(query):
                    yield row._mapping
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot use the database: {_reason(exc)}") from exc

    @_storage
    def ping(self) -> None:
        """Write as a busy moment's commands would, for /healthz: PROBE_BYTES committed, then given back. Rewriting a
        row in place would fit where nothing new does (a full disk still takes it); these need new pages in the
        file or its journal, so a database that is full, locked, read-only or gone fails here as the writes do."""
        for value in ("x" * PROBE_BYTES, ""):
            with self.engine.begin() as conn:
                if conn.execute(update(meta).where(meta.c.key == "health").values(value=value)).rowcount == 0:
                    conn.execute(insert(meta).values(key="health", value=value))

    # --- writing ------------------------------------------------------------------------------
    def rows(self, changes: Changes) -> Staged:
        """One command's changes as rows, now, while the records are as the command left them. New calls and
        ratings get their ids here, so that a later command's change of them names the same row."""
        numbered: tuple[
            tuple[Table, list[Call] | list[Rating] | list[CaseStep] | list[Marks] | list[Feedback]], ...
        ] = (
            (calls, changes.calls),
            (ratings, changes.ratings),
            (case_steps, changes.case_steps),
            (marks, changes.marks),
            (feedback, changes.feedback),
        )
        for table, records in numbered:
            for r in records:
                if r.id is None:
                    r.id = self.next_ids[table.name]
                    self.next_ids[table.name] += 1
        return Staged(
            tickets=[_ticket_values(t) for t in changes.tickets.values()],
            windows=[_window_values(w, changes.day) for w in changes.windows.values()],
            calls=[_CALL_VALUES(c) for c in changes.calls],
            ratings=[_rating_values(r) for r in changes.ratings],
            devices=[(d.id, d.kind, d.last_seen, d.online, canonical(d.status)) for d in changes.devices.values()],
            cases=[_case_values(c) for c in changes.cases.values()],
            case_steps=[_step_values(step) for step in changes.case_steps],
            marks=[_marks_values(m) for m in changes.marks],
            feedback=[_feedback_values(f) for f in changes.feedback],
            events=list(changes.events),
            audit=list(changes.audit),
        )

    def write(self, batches: Sequence[Staged]) -> None:
        """Write the commands' rows in one transaction, in their order (a record's last row wins), synced to
        disk before this returns; the events keep the numbers given when staged, the operation log is chained."""
        latest = {name: _last_rows(getattr(b, name) for b in batches) for name in _KEYED}
        encoded: dict[int, str] = {}  # an event and its log entry share their data: encoded once

        def encode(data: dict[str, Any]) -> str:
            found = encoded.get(id(data))
            if found is None:
                found = encoded[id(data)] = canonical(data)
            return found

        events_rows = [(e.seq, e.at, e.type, encode(e.data)) for b in batches for e in b.stored]
        audit = [a for b in batches for a in b.audit]
        audit_rows, audit_seq, head = _audit_rows(self.log.link, self.audit_seq, self.audit_head, audit, encode)
        plan: list[tuple[_Statement, list[Row]]] = [(self.statements.upsert[n], latest[n]) for n in _KEYED]
        plan += [(self.statements.events, events_rows), (self.statements.audit, audit_rows)]
        if audit_rows:
            plan.append((self.statements.meta, [("audit_head", f"{audit_seq}:{head}")]))
        try:
            conn = self._writer_connection()
            cursor = conn.cursor()
            for statement, rows in plan:
                if rows:
                    cursor.executemany(statement.sql, statement.params(rows))
            self.statements.after_ids(cursor, latest)
            cursor.close()
            conn.commit()
        except Exception as exc:
            self._writer_failed()
            raise StoreError(f"cannot write to the database: {_reason(exc)}") from exc
        if events_rows:
            self.last_seq = events_rows[-1][0]
        self.audit_seq, self.audit_head = audit_seq, head
        if audit_rows:  # durable: the anchor names the new head
            self.log.anchor.append(audit_seq, head)

    def commit(self, changes: Changes) -> list[StoredEvent]:
        """Write one command's changes at once, outside the writer (the store's own entries at start)."""
        staged = self.rows(changes)
        seq = self.last_seq
        for e in staged.events:
            seq += 1
            staged.stored.append(StoredEvent(seq, e.type, e.data, e.at))
        try:
            self.write([staged])
        finally:  # the writer's thread opens its own connection
            if self._writing is not None:
                self._writing.close()
                self._writing = None
        return staged.stored

    def _writer_connection(self) -> Any:
        if self._writing is None:
            self._writing = self.engine.raw_connection()
        return self._writing

    def _writer_failed(self) -> None:
        """After a failed write its connection is dropped: the transaction, and whatever state it was in, with it."""
        conn, self._writing = self._writing, None
        if conn is not None:
            try:
                conn.invalidate()
            except Exception:
                log.debug("dropping the failed writer connection", exc_info=True)

    @_storage
    def events_after(self, seq: int, limit: int = 500) -> list[StoredEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(events).where(events.c.seq > seq).order_by(events.c.seq).limit(limit))
            return [StoredEvent(r.seq, r.type, json.loads(r.data), r.at) for r in rows]

    def audit_entries(self) -> Iterator[dict[str, Any]]:
        # a generator: the database is read while the caller walks it, so errors are translated here, not by @_storage
        try:
            with self.engine.connect() as conn:
                for r in conn.execution_options(yield_per=1000).execute(select(audit).order_by(audit.c.seq)):
                    yield dict(r._mapping)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot use the database: {_reason(exc)}") from exc

    @_storage
    def audit_page(self, before: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The newest entries of the operation log (before `before`), newest first, for the auditors' page."""
        query = select(audit).order_by(audit.c.seq.desc()).limit(limit)
        if before is not None:
            query = query.where(audit.c.seq < before)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    @_storage
    def audit_between(self, start: float, end: float, action: str | None = None) -> list[dict[str, Any]]:
        """The log's entries from `start` up to `end` (a day of the hall), in order, of one action if named."""
        query = select(audit).where(audit.c.at >= start, audit.c.at < end).order_by(audit.c.seq)
        if action is not None:
            query = query.where(audit.c.action == action)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    @_storage
    def audit_newest_between(self, start: float, end: float, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """How many entries there are from `start` up to `end`, and the newest `limit` of them, in order."""
        within = (audit.c.at >= start, audit.c.at < end)
        with self.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(audit).where(*within)).scalar_one()
            rows = conn.execute(select(audit).where(*within).order_by(audit.c.seq.desc()).limit(limit))
            return int(count), [dict(r._mapping) for r in rows][::-1]

    @_storage
    def audit_of_action(self, action: str) -> list[dict[str, Any]]:
        """Every entry of one action, in order (a rating's follow-ups: each one kept, none overwriting another)."""
        with self.engine.connect() as conn:
            query = select(audit).where(audit.c.action == action).order_by(audit.c.seq)
            return [dict(r._mapping) for r in conn.execute(query)]

    def close(self) -> None:
        if self._writing is not None:
            self._writing.close()
            self._writing = None
        self.engine.dispose()


@dataclass(frozen=True)
class StoredPeriod:
    """A range of days of the stored hall, each kind of record read when asked for (the reports' `Records`)."""

    store: Store
    first: str
    last: str

    def tickets(self) -> Iterator[Ticket]:
        return self.store.tickets_between(self.first, self.last)

    def calls(self) -> Iterator[Call]:
        return self.store.calls_between(self.first, self.last)

    def ratings(self) -> Iterator[Rating]:
        return self.store.ratings_between(self.first, self.last)

    def cases(self) -> Iterator[Case]:
        return self.store.cases_between(self.first, self.last)

    def marks(self) -> Iterator[Marks]:
        return self.store.marks_of(self.first, self.last)

    def feedback(self) -> Iterator[Feedback]:
        return self.store.feedback_of(self.first, self.last)

    def shifts(self, start: float, end: float) -> Iterator[StoredEvent]:
        return self.store.shifts_between(start, end)


def open_existing(db: str) -> Store:
    """The store of a hall's database that is already there: a mistyped path or URL never makes an empty one."""
    if "://" not in db or db.startswith("sqlite:///"):
        path = Path(db.removeprefix("sqlite:///"))
        if not path.is_file():
            raise StoreError(f"no database at {db}")
        return Store(db, reading=True)
    try:
        engine = engine_for(db)
        with engine.connect() as conn:
            found = engine.dialect.has_table(conn, "meta")
        engine.dispose()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database {_safe_url(db)}: {_reason(exc)}") from exc
    if not found:
        raise StoreError(f"no hall's database at {_safe_url(db)}: check the URL and its schema=")
    return Store(db, reading=True)


@_storage
def verify_audit(store: Store) -> tuple[bool, str]:
    """Check the running core's whole operation log; (True, summary) or (False, the first entry that is wrong)."""
    verdict = oplog.verify(store.engine, store.audit_key)
    return verdict.ok, verdict.message


@_storage
def check_audit(store: Store, *, full: bool = False) -> oplog.Verdict:
    """Check the running core's operation log from the last entry found intact (the whole of it when `full`, and
    at the first check); the verdict's message names the first entry that is wrong, or sums it up."""
    with _verifying:
        if full or store.verifier is None:
            store.verifier = oplog.Verifier(store.engine, store.audit_key)
        return store.verifier.check()


_verifying = threading.Lock()  # one check at a time: a check goes on from where the last one stopped


def verify_copy(db: str, audit_key: str | Path | None = None) -> tuple[bool, str]:
    """Check a database's operation log without writing anything, so that a read-only copy will do."""
    key_path = Path(audit_key) if audit_key is not None else oplog.default_key_path(db)
    engine = read_only_engine(db)
    try:
        verdict = oplog.verify(engine, key_path)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the operation log of {_safe_url(db)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()
    return verdict.ok, verdict.message


def _add_calls_and_rating_reasons(conn: Any) -> None:
    calls.create(conn, checkfirst=True)
    conn.execute(text("ALTER TABLE ratings ADD COLUMN reasons TEXT"))


def _add_cases(conn: Any) -> None:
    cases.create(conn, checkfirst=True)
    case_steps.create(conn, checkfirst=True)


def _add_appraisal(conn: Any) -> None:
    marks.create(conn, checkfirst=True)
    feedback.create(conn, checkfirst=True)


MIGRATIONS: dict[int, Any] = {
    # schema version n -> n+1: a function taking a connection
    1: _add_calls_and_rating_reasons,
    2: _add_cases,
    3: _add_appraisal,
}


def _create_schema(conn: Any, schema: str | None) -> None:
    """The hall's own schema on a PostgreSQL server shared by several halls, made on its first start. Looked up
    first: a database user allowed to work in a schema made for it may not be allowed to create one."""
    if schema is None:
        return
    known = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": schema}).first()
    if known is None:
        conn.execute(CreateSchema(schema))
        log.info("made the schema %s for this hall", schema)


HALL_KEYS = ("hall_id", "hall_name", "hall_file")


def _hall_record(conn: Any) -> dict[str, str]:
    rows = conn.execute(select(meta.c.key, meta.c.value).where(meta.c.key.in_(HALL_KEYS)))
    return {key: value for key, value in rows}


def _record_hall(conn: Any, recorded: dict[str, str], hall_name: str, hall_file: str) -> None:
    row = {"hall_id": recorded.get("hall_id") or str(uuid.uuid4()), "hall_name": hall_name, "hall_file": hall_file}
    for key, value in row.items():
        _upsert(conn, meta, "key", {"key": key, "value": value})


def _upsert(conn: Any, table: Table, key: str, row: dict[str, Any]) -> None:
    if conn.execute(update(table).where(table.c[key] == row[key]).values(**row)).rowcount == 0:
        conn.execute(insert(table).values(**row))


# --- rows: the records as the tables keep them -----------------------------------------------------------

_TICKET_FIELDS = tuple("order" if c.name == "order_no" else c.name for c in tickets.columns)
_ticket_fields = operator.attrgetter(*_TICKET_FIELDS)

# A ticket in its service's shared queue has no window (None); its row keeps the NOT NULL columns with 0,
# which no window of a hall file can be.
NO_WINDOW = 0
_WINDOW_FIELDS = ("window", "printed_window")
_WINDOW_AT = tuple(_TICKET_FIELDS.index(name) for name in _WINDOW_FIELDS)


def _ticket_values(t: Ticket) -> Row:
    values: Row = _ticket_fields(t)
    if t.window is None or t.printed_window is None:
        values = tuple(NO_WINDOW if i in _WINDOW_AT and v is None else v for i, v in enumerate(values))
    return values


def _ticket(row: Any) -> Ticket:
    fields = {name: row["order_no" if name == "order" else name] for name in _TICKET_FIELDS}
    for name in _WINDOW_FIELDS:
        fields[name] = None if fields[name] == NO_WINDOW else fields[name]
    return Ticket(**fields)


def _window_values(w: Window, day: str) -> Row:
    current = w.current.id if w.current else None
    return (w.number, day, w.closed, w.paused, w.pause_reason, w.clerk, w.signed_in_at, current, w.current_since,
            w.armed_ticket, w.armed_until)  # fmt: skip


_RATING_FIELDS = tuple(c.name for c in ratings.columns if c.name not in ("id", "reasons"))
_rating_fields = operator.attrgetter("id", *_RATING_FIELDS)


def _rating_values(r: Rating) -> Row:
    return (*_rating_fields(r), canonical(list(r.reasons)) if r.reasons else None)


def _rating(row: Any) -> Rating:
    reasons = tuple(json.loads(row["reasons"])) if row["reasons"] else ()
    return Rating(id=row["id"], reasons=reasons, **{name: row[name] for name in _RATING_FIELDS})


_CALL_FIELDS = tuple(c.name for c in calls.columns if c.name != "id")
_CALL_VALUES = operator.attrgetter("id", *_CALL_FIELDS)


def _call(row: Any) -> Call:
    return Call(id=row["id"], **{name: row[name] for name in _CALL_FIELDS})


def _audit_rows(
    link: Callable[[str, int, float, str, str, str], str],
    seq: int,
    head: str,
    records: Iterable[AuditRecord],
    encode: Callable[[Any], str] = canonical,
) -> tuple[list[Row], int, str]:
    """The operation log's rows for `records`, each chained to the one before by the log's keyed `link`; with
    the new last seq and head."""
    rows = []
    for a in records:
        seq += 1
        data = encode(a.data)
        digest = link(head, seq, a.at, a.actor, a.action, data)
        rows.append((seq, a.at, a.actor, a.action, data, head, digest))
        head = digest
    return rows, seq, head


# the tables whose rows name a record (first column): of several rows of one record in a batch, the last is kept
_KEYED = ("tickets", "windows", "calls", "ratings", "devices", "cases", "case_steps", "marks", "feedback")


def _last_rows(batches: Iterable[list[Row]]) -> list[Row]:
    return list({row[0]: row for rows in batches for row in rows}.values())


class _Statement:
    """One INSERT, compiled once for the database's dialect, run with rows in its table's column order."""

    def __init__(self, dialect: Dialect, table: Table, key: str | None = None):
        columns = [c.name for c in table.columns]
        make = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        statement: Any = make(table).values({c: bindparam(c) for c in columns})
        if key is not None:  # an upsert: a record's row is written whole, new or not
            changed = {c: statement.excluded[c] for c in columns if c != key}
            statement = statement.on_conflict_do_update(index_elements=[table.c[key]], set_=changed)
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.columns = columns
        # qmark drivers (SQLite) take tuples in the statement's order, pyformat ones (psycopg) dicts
        self.order = [columns.index(name) for name in compiled.positiontup] if compiled.positional else None

    def params(self, rows: list[Row]) -> list[Any]:
        if self.order is None:
            return [dict(zip(self.columns, row, strict=True)) for row in rows]
        if self.order == list(range(len(self.columns))):
            return rows
        return [tuple(row[i] for i in self.order) for row in rows]


class _Statements:
    """Every statement the writer runs, for one database."""

    def __init__(self, dialect: Dialect):
        if dialect.name not in ("sqlite", "postgresql"):
            raise StoreError(f"onewindow keeps its hall in SQLite or PostgreSQL, not {dialect.name}")
        self.postgresql = dialect.name == "postgresql"
        self.upsert = {
            "tickets": _Statement(dialect, tickets, "id"),
            "windows": _Statement(dialect, windows, "number"),
            "calls": _Statement(dialect, calls, "id"),
            "ratings": _Statement(dialect, ratings, "id"),
            "devices": _Statement(dialect, devices, "id"),
            "cases": _Statement(dialect, cases, "id"),
            "case_steps": _Statement(dialect, case_steps, "id"),
            "marks": _Statement(dialect, marks, "id"),
            "feedback": _Statement(dialect, feedback, "id"),
        }
        self.events = _Statement(dialect, events)
        self.audit = _Statement(dialect, audit)
        self.meta = _Statement(dialect, meta, "key")

    def after_ids(self, cursor: Any, latest: dict[str, list[Row]]) -> None:
        """PostgreSQL counts ids in a sequence of its own: keep it past the ids given here, as if it had given them."""
        if not self.postgresql:
            return
        for table in ("calls", "ratings", "case_steps", "marks", "feedback"):
            if latest[table]:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


_CASE_FIELDS = (
    "id",
    "ticket_id",
    "day",
    "number",
    "service",
    "unit",
    "kind",
    "window",
    "clerk",
    "status",
    "opened_at",
    "reviewer",
    "reviewed_at",
    "approver",
    "approved_at",
    "done_at",
    "returns",
    "note",
)
_STEP_FIELDS = ("case_id", "action", "clerk", "at", "decision", "note")


_case_values = operator.attrgetter(*_CASE_FIELDS)  # the cases table's columns, in order
_step_values = operator.attrgetter("id", *_STEP_FIELDS)  # the case_steps table's columns, in order


def _load_cases(conn: Any, wanted: ColumnElement[bool]) -> list[Case]:
    """The cases `wanted` picks, each with its steps in order."""
    found = [
        Case(**{name: r._mapping[name] for name in _CASE_FIELDS}) for r in conn.execute(select(cases).where(wanted))
    ]
    by_id = {c.id: c for c in found}
    if by_id:
        rows = conn.execute(select(case_steps).where(case_steps.c.case_id.in_(by_id)).order_by(case_steps.c.id))
        for r in rows:
            by_id[r.case_id].steps.append(CaseStep(id=r.id, **{name: r._mapping[name] for name in _STEP_FIELDS}))
    return found


def _marks_values(m: Marks) -> Row:
    return (m.id, m.clerk, m.first, m.last, *(m.scores[name] for name in MARKS), m.by, m.at)


def _marks(row: Any) -> Marks:
    scores = {name: row[name] for name in MARKS}
    return Marks(row["id"], row["clerk"], row["from_day"], row["to_day"], scores, row["given_by"], row["at"])


def _feedback_values(f: Feedback) -> Row:
    return (f.id, f.clerk, f.first, f.last, f.note, f.by, f.at)


def _feedback(row: Any) -> Feedback:
    return Feedback(row["id"], row["clerk"], row["from_day"], row["to_day"], row["note"], row["given_by"], row["at"])


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]


def _safe_url(db: str) -> str:
    """The database's name without a password."""
    if "://" in db and "@" in db:
        scheme, rest = db.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return db
