"""The event stream without a thread per follower: committed events fanned out on the server's event loop, each
framed once, every follower's backlog bounded, unauthenticated followers capped per address and devices first."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from onewindow.credentials import same_digest, token_sha256
from onewindow.hallfile import Device

from .core import Broker
from .store import StoredEvent, StoreError

log = logging.getLogger(__name__)

PATH = "/api/v1/events"
RETRY = b"retry: 2000\n\n"
HEARTBEAT = b": heartbeat\n\n"
# the key in a request's scope under which the server puts its connection (ASGI itself has no way to drop one)
CONNECTION = "onewindow.connection"
# followers served between two looks at the loop's other work (a fan-out or a round of heartbeats)
SLICE = 64

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def chunk(body: bytes) -> bytes:
    """`body` as one chunk of the stream's chunked answer, ready for the socket."""
    return b"%x\r\n%s\r\n" % (len(body), body)


HEARTBEAT_CHUNK = chunk(HEARTBEAT)


def frame(e: StoredEvent) -> bytes:
    """A stored event as the stream sends it (`id:`, `event:`, `data:`)."""
    return f"id: {e.seq}\nevent: {e.type}\ndata: {json.dumps(e.data, ensure_ascii=False)}\n\n".encode()


@dataclass(frozen=True)
class Limits:
    """What followers may hold. Devices (a known token) are never capped nor ended; everyone else may be."""

    per_address: int = 64  # unauthenticated streams from one address: a PC's tabs, phones behind one NAT
    anonymous: int = 8000  # unauthenticated streams in all (and no more than the open-files limit leaves room for)
    backlog_bytes: int = 256 * 1024  # events waiting for one follower beyond its connection's buffers
    send_buffer_bytes: int = 64 * 1024  # the kernel's buffer per stream: a stalled phone pins no more than this
    stall_s: float = 30.0  # a follower that takes no byte for this long is cut
    lifetime_s: float = 3600.0  # an unauthenticated stream then ends cleanly; the page reconnects from its last event
    retry_after_s: int = 10  # what a refused follower is told to wait


def requested_after(headers: dict[bytes, bytes], query: bytes) -> int | None:
    """The last event the follower has: the header a reconnecting EventSource sends, else `?after=`."""
    candidates = [headers.get(b"last-event-id", b"").decode("latin-1")] if b"last-event-id" in headers else []
    candidates += parse_qs(query.decode("latin-1")).get("after", [])[:1]
    for raw in candidates:
        if raw.strip().isdigit() and len(raw.strip()) < 19:
            return int(raw.strip())
    return None


class Follower:
    """One open stream: what it has been sent up to, what waits for it, and when it last took anything."""

    __slots__ = (
        "address", "device", "seq", "live", "chunks", "queued", "wake", "ended", "gone", "started", "last_write",
        "sending_since", "transport",
    )  # fmt: skip

    def __init__(self, address: str, device: str | None, seq: int, transport: asyncio.Transport | None):
        self.address, self.device, self.seq, self.transport = address, device, seq, transport
        self.live = False  # caught up: from now on the fan-out hands it every event
        self.chunks: list[bytes] = []
        self.queued = 0
        self.wake = asyncio.Event()
        self.ended = False  # to be closed cleanly (shutdown, lifetime)
        self.gone = False  # disconnected or cut: nothing more is written
        self.started = self.last_write = time.monotonic()
        self.sending_since: float | None = None

    def push(self, chunk: bytes, seq: int | None = None) -> None:
        self.chunks.append(chunk)
        self.queued += len(chunk)
        if seq is not None:
            self.seq = seq
        self.wake.set()

    def writable(self) -> bool:
        """Whether the fan-out may write to the socket itself: nothing of this follower's is queued or being sent,
        and the kernel took everything so far. Otherwise the follower's own task sends, and may be cut."""
        t = self.transport
        return (
            t is not None
            and self.sending_since is None
            and not self.chunks
            and not t.is_closing()
            and t.get_write_buffer_size() == 0
        )

    def take(self) -> bytes:
        chunk = b"".join(self.chunks)
        self.chunks.clear()
        self.queued = 0
        return chunk

    @property
    def done(self) -> bool:
        return self.ended or self.gone


class Followers:
    """The event stream's ASGI route and its fan-out.

    The writer's thread hands each committed batch to the loop (`call_soon_threadsafe`); there each event is framed
    once, and the same bytes (one chunk of the chunked answer) are written to the socket of every live follower
    that is keeping up, devices first, with no task woken; a follower with anything still unsent gets them queued
    for its own task instead. A follower that cannot keep up
    (its backlog over `Limits.backlog_bytes`, or no byte taken for `stall_s`) is cut at once: its connection is
    dropped and its backlog freed, and it comes back with Last-Event-ID missing nothing. A follower catching up
    reads the broker's recent events, or the store (on a thread of its own, never on the loop).
    """

    def __init__(
        self,
        broker: Broker,
        heartbeat_s: float,
        devices: Callable[[], Iterable[tuple[str, Device]]],
        limits: Limits | None = None,
        believe_proxy: bool = False,
    ):
        self.broker = broker
        self.heartbeat_s = heartbeat_s
        self.devices = devices
        self.limits = limits or Limits()
        self.believe_proxy = believe_proxy
        self.loop: asyncio.AbstractEventLoop | None = None
        self.published = broker.last_seq  # the last event the loop has handed out
        self.by_device: dict[Follower, None] = {}  # insertion-ordered sets
        self.by_others: dict[Follower, None] = {}
        self.per_address: Counter[str] = Counter()
        self.frames: OrderedDict[int, bytes] = OrderedDict()
        self.cut = 0  # followers cut for falling behind, since start
        self.refused = 0
        self.reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="events-from-store")
        self.batches: asyncio.Queue[list[StoredEvent] | None] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []
        broker.listen(self._from_writer)

    # --- the fan-out ---------------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve from `loop` (the server's, at its start)."""
        with self.broker.lock:
            self.published = self.broker.last_seq
            self.loop = loop
        self.tasks = [loop.create_task(self._sweep()), loop.create_task(self._fan_out())]

    def _from_writer(self, batch: list[StoredEvent] | None) -> None:
        loop = self.loop
        if loop is None:
            return  # no follower can exist yet; `start` takes the broker's last event as its own
        with contextlib.suppress(RuntimeError):  # the loop has stopped: so has every stream
            loop.call_soon_threadsafe(self._deliver, batch)

    def _deliver(self, batch: list[StoredEvent] | None) -> None:
        if batch is not None:
            self.published = max(self.published, batch[-1].seq)
        self.batches.put_nowait(batch)

    async def _fan_out(self) -> None:
        """Each batch to every follower, in order. A write to a socket costs some microseconds, so thousands of
        followers take tens of milliseconds: the loop is let go every `SLICE` followers, so that the answers to the
        hall's requests (which pass through the loop) never wait for a whole fan-out."""
        while True:
            batches = [await self.batches.get()]
            # what the writer committed while the last fan-out ran goes out with it: one write to each follower
            while batches[-1] is not None and not self.batches.empty():
                batches.append(self.batches.get_nowait())
            batch = [e for b in batches if b is not None for e in b]
            if batch:
                await self._hand_out(batch)
            if batches[-1] is None:
                self.end_all()

    async def _hand_out(self, batch: list[StoredEvent]) -> None:
        """One batch (or several in a row) to every follower, devices first, the loop let go every `SLICE`."""
        framed = [(e.seq, self._framed(e)) for e in batch]
        last = batch[-1].seq
        whole = b"".join(c for _, c in framed)
        wire = chunk(whole)  # the same bytes for every follower that is keeping up
        everyone = [*self.by_device, *self.by_others]  # devices first
        for start in range(0, len(everyone), SLICE):
            now = time.monotonic()
            for f in everyone[start : start + SLICE]:
                if not f.live or f.done or f.seq >= last:
                    continue
                try:
                    self._hand(f, framed, whole, wire, now)
                except Exception:  # one follower's socket must not stop the stream for the rest
                    log.exception("an event-stream follower at %s failed", f.address)
                    self._cut(f, "failed")
            await asyncio.sleep(0)

    def _hand(self, f: Follower, framed: list[tuple[int, bytes]], whole: bytes, wire: bytes, now: float) -> None:
        """The batch to one live follower: written at once if it keeps up, else queued for its own task."""
        first, last = framed[0][0], framed[-1][0]
        if f.seq < first and f.writable():
            f.transport.write(wire)  # type: ignore[union-attr]
            f.seq, f.last_write = last, now
            return
        f.push(whole if f.seq < first else b"".join(c for s, c in framed if s > f.seq), last)
        if f.queued > self.limits.backlog_bytes:
            self._cut(f, "fell behind")

    def _framed(self, e: StoredEvent) -> bytes:
        found = self.frames.get(e.seq)
        if found is None:
            found = self.frames[e.seq] = frame(e)
            while len(self.frames) > 4096:
                self.frames.popitem(last=False)
        return found

    def _cut(self, f: Follower, why: str) -> None:
        """Drop a follower at once: its backlog is freed and its connection closed without flushing."""
        f.gone = True
        f.chunks.clear()
        f.queued = 0
        if f.device is None:
            self.cut += 1
        log.info("an event-stream follower at %s %s; cut (it resumes from its last event)", f.address, why)
        if f.transport is not None:
            sock = f.transport.get_extra_info("socket")
            if sock is not None:
                # a reset, not a close: the kernel would otherwise keep what the follower never read
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            f.transport.abort()
        f.wake.set()

    def end_all(self) -> None:
        """Every stream ends cleanly (the core is stopping): EventSource reconnects to the next core by itself."""
        for f in [*self.by_device, *self.by_others]:
            f.ended = True
            f.wake.set()

    async def _sweep(self) -> None:
        """Heartbeats for quiet streams, and the time limits: stalled followers cut, old anonymous ones ended."""
        tick = min(1.0, self.heartbeat_s / 2)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for n, f in enumerate([*self.by_device, *self.by_others], 1):
                if n % SLICE == 0:
                    await asyncio.sleep(0)  # as the fan-out does: heartbeats due together are many writes
                if f.sending_since is not None and now - f.sending_since > self.limits.stall_s:
                    self._cut(f, f"took nothing for {self.limits.stall_s:g} s")
                elif f.device is None and now - f.started > self.limits.lifetime_s:
                    f.ended = True
                    f.wake.set()
                elif f.live and f.sending_since is None and not f.chunks and now - f.last_write >= self.heartbeat_s:
                    if f.writable():
                        f.transport.write(HEARTBEAT_CHUNK)  # type: ignore[union-attr]
                        f.last_write = now
                    else:
                        f.push(HEARTBEAT)

    @property
    def count(self) -> int:
        return len(self.by_device) + len(self.by_others)

    # --- one follower --------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        known, device = self._device(headers)
        if not known:
            await _refuse(send, 401, "bad_token", "this device token is not in the hall file")
            return
        address = self._address(scope, headers)
        if device is None:
            refusal = self._refusal(address)
            if refusal is not None:
                self.refused += 1
                await _refuse(send, *refusal, retry_after_s=self.limits.retry_after_s)
                return
        after = requested_after(headers, scope.get("query_string", b""))
        last = self.broker.last_seq
        # a client ahead of us followed a database that was replaced: carry on from here
        seq = last if after is None or after > last else after
        transport = scope.get("extensions", {}).get(CONNECTION, {}).get("transport")
        f = Follower(address, device, seq, transport)
        self._join(f)
        try:
            await self._serve(f, receive, send)
        finally:
            self._leave(f)

    def _device(self, headers: dict[bytes, bytes]) -> tuple[bool, str | None]:
        """(whether the credentials, if any, are good; the device's id): followers need no secret, but a device
        that shows its token is served first and never capped."""
        scheme, _, value = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer":
            return True, None
        digest = token_sha256(value.strip())
        match = None
        for known_hash, device in self.devices():  # every one compared: the time taken tells nothing
            if same_digest(digest, known_hash):
                match = device.id
        return match is not None, match

    def _address(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        """The follower's address; behind the hall's TLS proxy on this machine, the one it forwards (as
        server.FromTheProxy believes it for every other request)."""
        client = scope.get("client")
        host = str(client[0]) if client else "?"
        if self.believe_proxy and host in ("127.0.0.1", "::1") and b"x-forwarded-for" in headers:
            forwarded = headers[b"x-forwarded-for"].decode("latin-1").split(",")[-1].strip()
            return forwarded or host
        return host

    def _refusal(self, address: str) -> tuple[int, str, str] | None:
        if len(self.by_others) >= self.limits.anonymous:
            return 503, "too_many_followers", "the hall serves as many event streams as it can; try again shortly"
        if self.per_address[address] >= self.limits.per_address:
            return 429, "too_many_followers", "too many event streams from this address; close some or try later"
        return None

    def _join(self, f: Follower) -> None:
        (self.by_others if f.device is None else self.by_device)[f] = None
        self.per_address[f.address] += 1

    def _leave(self, f: Follower) -> None:
        (self.by_others if f.device is None else self.by_device).pop(f, None)
        self.per_address[f.address] -= 1
        if self.per_address[f.address] <= 0:
            del self.per_address[f.address]

    async def _serve(self, f: Follower, receive: Receive, send: Send) -> None:
        if f.transport is not None:
            sock = f.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.limits.send_buffer_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    # said, not left to the server: the fan-out writes whole chunks to the socket itself
                    (b"transfer-encoding", b"chunked"),
                    (b"cache-control", b"no-cache"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        watcher = asyncio.ensure_future(_watch(f, receive))
        try:
            await self._write(f, send, RETRY)
            try:
                await self._catch_up(f, send)
            except (StoreError, LookupError) as exc:
                # the stream ends cleanly and the follower comes back from its last event, the store may be back
                log.warning("an event-stream follower at %s cannot catch up: %s", f.address, exc)
                f.ended = True
            while not f.done:
                await f.wake.wait()
                f.wake.clear()
                if f.chunks and not f.gone:
                    await self._write(f, send, f.take())
            if not f.gone:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()

    async def _write(self, f: Follower, send: Send, chunk: bytes) -> None:
        f.sending_since = time.monotonic()
        try:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            f.sending_since = None
        f.last_write = time.monotonic()

    async def _catch_up(self, f: Follower, send: Send) -> None:
        """Every event the follower lacks up to what the loop has handed out; then it is live (no await between
        the last check and that, so no batch falls in between)."""
        while not f.done and f.seq < self.published:
            events = self.broker.after(f.seq)
            if events is None:
                loop = asyncio.get_running_loop()
                events = await loop.run_in_executor(self.reader, self.broker.store.events_after, f.seq, 500)
            if not events:
                raise LookupError(f"event {f.seq + 1} was published but is not in the store")
            chunk = b"".join(self._framed(e) for e in events)
            f.seq = events[-1].seq
            await self._write(f, send, chunk)
        f.live = True

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.reader.shutdown(wait=False, cancel_futures=True)


async def _watch(f: Follower, receive: Receive) -> None:
    """Notice the follower going away while its stream is quiet, so it holds nothing until the next heartbeat."""
    while (await receive())["type"] != "http.disconnect":
        pass
    f.gone = True
    f.wake.set()


async def _refuse(send: Send, status: int, code: str, message: str, retry_after_s: int | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after_s is not None:
        headers.append((b"retry-after", str(retry_after_s).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
