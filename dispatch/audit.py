"""The operation log's keeping: its key file, the anchor file beside it, the keyed chain, and checking all three."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

GENESIS = "0" * 64
KEY_SUFFIX = ".audit-key"
ANCHOR_SUFFIX = ".anchor"
ANCHOR_HEADER = "onewindow-audit-anchor 1"
# the action of the entry the core writes when, at start, the log does not match its anchor
MISMATCH = "audit.mismatch"
# past this the anchor is rewritten to its header and newest head (about 50,000 commits)
ANCHOR_LIMIT = 4 * 1024 * 1024
_LINE = re.compile(r"(\d{1,18}) ([0-9a-f]{64})")
_HEADER = re.compile(rf"{ANCHOR_HEADER} keyed_after=(\d{{1,18}}) after_hash=([0-9a-f]{{64}}) key=([0-9a-f]{{16}})")


class AuditError(Exception):
    """The key or the anchor cannot be used; the message says which file and what to do."""


# --- the chain -------------------------------------------------------------------------------------------


def _body(prev: str, seq: int, at: float, actor: str, action: str, data: str) -> bytes:
    # the format of release 0.1's chain, kept byte for byte so that its entries still verify
    fields = json.dumps([seq, repr(float(at)), actor, action, data], ensure_ascii=False, separators=(",", ":"))
    return (prev + fields).encode()


def legacy_hash(prev: str, seq: int, at: float, actor: str, action: str, data: str) -> str:
    """Release 0.1's unkeyed link: sha256 of the previous hash and the entry."""
    return hashlib.sha256(_body(prev, seq, at, actor, action, data)).hexdigest()


def keyed_hash(key: bytes, prev: str, seq: int, at: float, actor: str, action: str, data: str) -> str:
    """HMAC-SHA256 of the previous hash and the entry: only the key's holder can make one."""
    return hmac.new(key, _body(prev, seq, at, actor, action, data), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short name of the key that tells a wrong key file from the right one without revealing it."""
    return hmac.new(key, b"onewindow operation log key", hashlib.sha256).hexdigest()[:16]


# --- the key file ----------------------------------------------------------------------------------------


def default_key_path(db: str) -> Path | None:
    """`<database>.audit-key` beside a SQLite file; None for a server's database, which names its own."""
    if "://" not in db:
        return Path(db + KEY_SUFFIX)
    if db.startswith("sqlite:///") and db[len("sqlite:///") :] not in ("", ":memory:"):
        return Path(db[len("sqlite:///") :].split("?", 1)[0] + KEY_SUFFIX)
    return None


def anchor_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ANCHOR_SUFFIX)


def read_key(path: Path) -> bytes:
    try:
        written = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise AuditError(f"the operation log's key file {path} is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read the operation log's key file {path}: {exc}") from None
    if not re.fullmatch(r"[0-9a-f]{64}", written):
        raise AuditError(f"{path} is not an operation-log key (64 hex digits, as the core writes it)")
    if path.stat().st_mode & 0o077:
        log.warning("%s can be read by others than the core: chmod 600 %s", path, path)
    return bytes.fromhex(written)


def make_key(path: Path) -> bytes:
    """A new key in a new file only the core's user can read; an existing file is never overwritten."""
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key(path)
    except OSError as exc:
        raise AuditError(f"cannot create the operation log's key file {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")
        out.flush()
        os.fsync(out.fileno())
    _sync_folder(path.parent)
    log.info("made the operation log's key %s", path)
    return key


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the anchor file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Where the keyed chain starts: entries up to `keyed_after` are release 0.1's, linked by plain sha256."""

    keyed_after: int
    after_hash: str
    key_id: str

    def header(self) -> str:
        return f"{ANCHOR_HEADER} keyed_after={self.keyed_after} after_hash={self.after_hash} key={self.key_id}"

    def meta(self) -> str:
        return f"{self.keyed_after}:{self.after_hash}:{self.key_id}"

    @classmethod
    def from_meta(cls, value: str | None) -> Start | None:
        found = re.fullmatch(r"(\d{1,18}):([0-9a-f]{64}):([0-9a-f]{16})", value or "")
        return cls(int(found.group(1)), found.group(2), found.group(3)) if found else None


@dataclass
class AnchorRecord:
    """What an anchor file says: where the keyed chain starts and each head written after a commit."""

    start: Start
    heads: dict[int, str] = field(default_factory=dict)
    last: tuple[int, str] | None = None
    damaged: list[str] = field(default_factory=list)


def read_anchor(path: Path) -> AnchorRecord | None:
    """The anchor at `path`, None when there is none; AuditError when it cannot be read at all."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditError(f"cannot read the anchor file {path}: {exc.strerror or exc}") from None
    lines = raw.decode("ascii", errors="replace").split("\n")
    header = _HEADER.fullmatch(lines[0])
    if header is None:
        raise AuditError(f"{path} is not an operation-log anchor: its first line is {lines[0][:80]!r}")
    record = AnchorRecord(Start(int(header.group(1)), header.group(2), header.group(3)))
    # the last piece has no newline after it: a line cut short by a power cut, or nothing
    for number, line in enumerate(lines[1:-1], start=2):
        found = _LINE.fullmatch(line)
        if found is None:
            record.damaged.append(f"line {number} of {path.name} cannot be read: {line[:80]!r}")
            continue
        seq, digest = int(found.group(1)), found.group(2)
        record.heads[seq] = digest
        if record.last is None or seq > record.last[0]:
            record.last = (seq, digest)
    return record


class Anchor:
    """Appends the log's head after each commit: one short line, written to the system, not synced.

    Not synced because the database's own commit already was: a power cut can lose the anchor's newest lines,
    which only narrows what it proves for those seconds (the entries after them still verify by their keyed
    hashes), while a sync per commit would double the disk's work on a Pi's SD card. Its start is synced.
    Opened for each line, so that no file stays open in a store nobody closed.
    """

    def __init__(self, path: Path, start: Start):
        self.path, self.start = path, start
        self.failing = False

    def begin(self, head: tuple[int, str]) -> None:
        """Rewrite the anchor as its header and the present head, atomically."""
        fresh = self.path.with_name(self.path.name + ".new")
        with open(fresh, "w", encoding="ascii") as out:
            out.write(self.start.header() + "\n")
            if head[0] > self.start.keyed_after:
                out.write(f"{head[0]} {head[1]}\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(fresh, 0o600)
        os.replace(fresh, self.path)
        _sync_folder(self.path.parent)

    def append(self, seq: int, digest: str) -> None:
        try:
            with open(self.path, "a", encoding="ascii") as out:
                out.write(f"{seq} {digest}\n")
                grown = out.tell() > ANCHOR_LIMIT
            if grown:
                self.begin((seq, digest))
        except OSError as exc:
            # the change is committed and the hall must go on; the next commit writes the newer head anyway
            if not self.failing:
                log.error("cannot write the operation log's anchor %s: %s", self.path, exc.strerror or exc)
            self.failing = True
            return
        if self.failing:
            log.info("the operation log's anchor %s is written again", self.path)
            self.failing = False


# --- opening the log at the core's start -----------------------------------------------------------------


@dataclass
class KeyedLog:
    """The key, where the keyed chain starts, and the anchor of one database's operation log."""

    key: bytes
    key_path: Path
    start: Start
    anchor: Anchor
    # what did not match at start, for the store to record as the log's next entry
    mismatch: dict[str, Any] | None = None

    def link(self, prev: str, seq: int, at: float, actor: str, action: str, data: str) -> str:
        return keyed_hash(self.key, prev, seq, at, actor, action, data)


def open_log(key_path: Path, recorded: Start | None, head: tuple[int, str], hash_of: Callable[[int], Any]) -> KeyedLog:
    """The log's key (made at first start), its start and anchor; a mismatch with the anchor is noted, not fatal.

    `recorded` is the start the database keeps (None for a new database or one from release 0.1), `head` its
    newest entry, `hash_of(seq)` the hash the database holds for an entry.
    """
    key = read_key(key_path) if recorded is not None else make_key(key_path)
    if recorded is not None and key_id(key) != recorded.key_id:
        raise AuditError(
            f"{key_path} is not the key this database's operation log was written with "
            f"(key {key_id(key)}, the log's is {recorded.key_id}): give the right one with --audit-key FILE"
        )
    path = anchor_path(key_path)
    problem: str | None = None
    anchored: AnchorRecord | None = None
    try:
        anchored = read_anchor(path)
    except AuditError as exc:
        problem = str(exc)
    if anchored is not None and anchored.start.key_id != key_id(key):
        problem, anchored = f"the anchor file {path} belongs to another key ({anchored.start.key_id})", None
    # the anchor is outside the database, so where it says the keyed chain starts is believed over the database
    start = anchored.start if anchored else recorded or Start(head[0], head[1], key_id(key))
    problem = problem or _compare(path, anchored, recorded, head, hash_of)
    mismatch = None
    if problem:
        kept = _keep_aside(path)
        mismatch = {"problem": problem, "anchor": str(kept) if kept else None}
        log.error("the operation log does not match its anchor: %s", problem)
    anchor = Anchor(path, start)
    try:
        anchor.begin(head)
    except OSError as exc:
        raise AuditError(f"cannot write the operation log's anchor {path}: {exc.strerror or exc}") from None
    return KeyedLog(key, key_path, start, anchor, mismatch)


def _compare(
    path: Path,
    anchored: AnchorRecord | None,
    recorded: Start | None,
    head: tuple[int, str],
    hash_of: Callable[[int], Any],
) -> str | None:
    if anchored is None:
        # a keyed log whose anchor is gone can no longer show that nothing was cut from its end
        return f"the anchor file {path} was missing" if recorded is not None else None
    if recorded is not None and recorded != anchored.start:
        return f"the database says the keyed log starts after entry {recorded.keyed_after}, the anchor after " + str(
            anchored.start.keyed_after
        )
    if anchored.last is None:
        return None
    seq, digest = anchored.last
    if head[0] < seq:
        what = "the whole log was removed" if head[0] == 0 else f"entries after {head[0]} were removed"
        return f"{what}: the anchor says the log reached entry {seq}"
    if hash_of(seq) != digest:
        return f"entry {seq} was rewritten: it no longer matches the anchor"
    return None


def _keep_aside(path: Path, label: str = "") -> Path | None:
    """Move a mismatched anchor out of the way, keeping it as evidence."""
    if not path.exists():
        return None
    kept = path.with_name(f"{path.name}.{label or time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, kept)
    return kept


def restart_anchor(engine: Engine, key_path: Path, label: str) -> Path | None:
    """After a technician put a backup back: the anchor kept aside as `….anchor.LABEL` and begun again at the
    restored log's newest entry, which the core would otherwise rightly report as the end of a cut log."""
    with engine.connect() as conn:
        meta = {str(k): v for k, v in conn.execute(_META)}
        head = conn.execute(text("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")).first()
    kept = _keep_aside(anchor_path(key_path), label)
    start = Start.from_meta(meta.get("audit_start") if isinstance(meta.get("audit_start"), str) else None)
    if start is not None:
        # a backup from before the log was keyed has no start: the core keys it from its head at its next start
        newest = (head[0], str(head[1])) if head is not None else (0, GENESIS)
        Anchor(anchor_path(key_path), start).begin(newest)
    return kept


# --- checking --------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool
    message: str
    count: int = 0  # entries found intact
    walked: int = 0  # of them, read by this check


_ROWS_AFTER = text("SELECT seq, at, actor, action, data, prev, hash FROM audit WHERE seq > :seq ORDER BY seq")
_META = text("SELECT key, value FROM meta WHERE key IN ('audit_head', 'audit_start')")


def verify(engine: Engine, key_path: Path | None) -> Verdict:
    """Walk the log; the first entry altered, removed or added, or a summary. Database errors propagate."""
    return Verifier(engine, key_path).check()


class Verifier:
    """A check that goes on from the last entry it found intact: the first check walks the whole chain, each
    later one only the entries written since (and the head), so the manager's page can check at every event.
    Rewriting an entry already checked is found by the next full walk (`onewindow audit verify`, a new Verifier
    after a restart), or at once by a later entry whose link no longer matches."""

    def __init__(self, engine: Engine, key_path: Path | None):
        self.engine, self.key_path = engine, key_path
        self.walk: _Walk | None = None
        self.setup: list[str] = []  # what the key and the anchor said when the walk began

    def check(self) -> Verdict:
        with self.engine.connect() as conn:
            meta = {str(k): v for k, v in conn.execute(_META)}
        if self.walk is None or self.walk.broken or self.walk.findings:
            self.walk, self.setup = _begin(meta, self.key_path)
        walk = self.walk
        before = walk.count
        # read after the anchor was, the log holds at least every entry the anchor names
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=1000).execute(_ROWS_AFTER, {"seq": walk.count})
            with rows:  # a walk stopped at the first damage leaves PostgreSQL's server-side cursor open otherwise
                walk.run(rows)
        findings = walk.findings + self.setup + walk.ending(meta.get("audit_head"))
        walked = walk.count - before
        if findings:
            more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
            self.walk = None  # the next check walks again from the start
            return Verdict(False, findings[0] + more, walk.count, walked)
        summary = f"{walk.count} entries, chain intact"
        start = walk.start
        if start is not None and start.keyed_after and walk.count:
            summary += f" ({min(start.keyed_after, walk.count)} of them from before the log was keyed)"
        return Verdict(True, summary, walk.count, walked)


def _begin(meta: dict[str, Any], key_path: Path | None) -> tuple[_Walk, list[str]]:
    """A walk from the log's first entry, with the key and anchor it checks against and what they say."""
    findings: list[str] = []
    start = Start.from_meta(meta.get("audit_start") if isinstance(meta.get("audit_start"), str) else None)
    key, anchored = _key_and_anchor(key_path, start, findings)
    if anchored is not None:
        if start is not None and start != anchored.start:
            findings.append(
                f"the database says the keyed log starts after entry {start.keyed_after}, "
                f"the anchor after {anchored.start.keyed_after}"
            )
        start = anchored.start
    return _Walk(key, start, anchored), findings


def _key_and_anchor(
    key_path: Path | None, start: Start | None, findings: list[str]
) -> tuple[bytes | None, AnchorRecord | None]:
    if key_path is None:
        if start is not None:
            findings.append("the keyed entries cannot be checked without the key: give it with --audit-key FILE")
        return None, None
    key = anchored = None
    try:
        key = read_key(key_path)
    except AuditError as exc:
        if start is not None:
            findings.append(f"{exc}: the keyed entries cannot be checked")
    try:
        anchored = read_anchor(anchor_path(key_path))
    except AuditError as exc:
        findings.append(str(exc))
    else:
        if anchored is None and start is not None:
            findings.append(f"no anchor file at {anchor_path(key_path)}: removed newest entries cannot be found")
        elif anchored is not None:
            findings += anchored.damaged
    if key is not None and start is not None and key_id(key) != start.key_id:
        findings.append(f"{key_path} is not the key this log was written with")
        key = None
    return key, anchored


class _Walk:
    """One pass over the log's rows, in order; stops at the first row that breaks the chain."""

    def __init__(self, key: bytes | None, start: Start | None, anchored: AnchorRecord | None):
        self.key, self.start, self.anchored = key, start, anchored
        self.count, self.prev = 0, GENESIS
        self.findings: list[str] = []
        self.broken = False

    def run(self, rows: Iterable[Any]) -> None:
        for row in rows:
            problem = self._entry(tuple(row))
            if problem:
                self.findings.append(problem)
                self.broken = True
                return

    def _entry(self, row: tuple[Any, ...]) -> str | None:
        seq, at, actor, action, data, prev, digest = row
        expected = self.count + 1
        if not isinstance(seq, int) or seq < expected:
            return f"entry {expected} cannot be read: a row numbered {_shown(seq)} stands in its place"
        if seq > expected:
            return f"entry {expected} is missing: after entry {expected - 1} comes entry {seq}"
        unreadable = _unreadable(at, actor, action, data, prev, digest)
        if unreadable:
            return f"entry {seq} cannot be read: {unreadable}"
        if prev != self.prev:
            return f"entry {seq} does not follow entry {seq - 1}: the chain was rewritten"
        problem = self._hash(seq, at, actor, action, data, prev, digest)
        if problem:
            return problem
        if self.anchored is not None and self.anchored.heads.get(seq, digest) != digest:
            return f"entry {seq} differs from the anchor's record of it: the log was rewritten from there"
        if action == MISMATCH:
            self.findings.append(f"entry {seq}: at its start the core found the log cut or rewritten: {_said(data)}")
        self.count, self.prev = seq, digest
        return None

    def _hash(self, seq: int, at: float, actor: str, action: str, data: str, prev: str, digest: str) -> str | None:
        keyed = self.start is not None and seq > self.start.keyed_after
        if keyed and self.key is None:
            return None  # reported once, with the reason the key is missing
        if keyed and self.key is not None:
            expected = keyed_hash(self.key, prev, seq, at, actor, action, data)
        else:
            expected = legacy_hash(prev, seq, at, actor, action, data)
        if hmac.compare_digest(expected, digest):
            if self.start is not None and seq == self.start.keyed_after and digest != self.start.after_hash:
                return f"entry {seq} was altered: the last entry before the log was keyed no longer matches"
            return None
        what = "altered or added" if keyed else "altered"
        return f"entry {seq} was {what} ({_shown(action)} by {_shown(actor)}): its content no longer matches its hash"

    def ending(self, meta_head: Any) -> list[str]:
        """What the end of the log shows: entries removed after it, per the anchor and the database's head."""
        if self.broken:
            return []
        out: list[str] = []
        last = self.anchored.last if self.anchored else None
        if last is not None and last[0] > self.count:
            what = "the whole log was removed" if self.count == 0 else f"entries after {self.count} were removed"
            out.append(f"{what}: the anchor file says the log reached entry {last[0]}")
        found = re.fullmatch(r"(\d{1,18}):([0-9a-f]{64})", meta_head) if isinstance(meta_head, str) else None
        if found and (int(found.group(1)) != self.count or found.group(2) != self.prev) and not out:
            out.append(f"entries after {self.count} were removed: the log's head says it ends at entry {found[1]}")
        elif meta_head is None and self.count:
            out.append("the log's head record is missing")
        elif meta_head is not None and not found:
            out.append(f"the log's head record cannot be read: {_shown(meta_head)}")
        if self.start is not None and self.count < self.start.keyed_after and not out:
            keyed_after = self.start.keyed_after
            out.append(f"entries after {self.count} were removed: the log was keyed after entry {keyed_after}")
        return out


def _unreadable(at: Any, actor: Any, action: Any, data: Any, prev: Any, digest: Any) -> str | None:
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        return f"its time is {_shown(at)}"
    for name, value in (("actor", actor), ("action", action), ("data", data), ("prev", prev), ("hash", digest)):
        if not isinstance(value, str):
            return f"its {name} is {_shown(value)}"
    return None


def _shown(value: Any) -> str:
    """A value from a row as a short, printable quote, whatever was written there."""
    if isinstance(value, bytes):
        return f"{len(value)} bytes of binary"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def _said(data: str) -> str:
    try:
        return str(json.loads(data).get("problem"))
    except (ValueError, AttributeError):
        return _shown(data)
