"""Event-stream followers on plain sockets, as many as a test needs on one asyncio loop, each from an address of
its own on loopback (127.0.0.x) as phones in a hall would come."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field


@dataclass
class Heard:
    """What one follower got: its answer's status and head, and every complete event's id and data."""

    status: int = 0
    head: str = ""
    ids: list[int] = field(default_factory=list)
    data: list[str] = field(default_factory=list)


def complete_events(raw: bytes) -> list[tuple[int, str]]:
    """(id, data) of every whole event in a stream's body; a last one cut off half-way is not an event."""
    events = []
    for block in raw.decode("utf-8", "replace").split("\n\n")[:-1]:
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line and not line.startswith(":"))
        if "id" in fields:
            events.append((int(fields["id"]), fields.get("data", "")))
    return events


def dechunk(body: bytes) -> bytes:
    """The bytes of a chunked body as far as it goes."""
    out, rest = b"", body
    while b"\r\n" in rest:
        size_line, _, after = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0 or len(after) < size + 2:
            out += after[:size] if size else b""
            break
        out, rest = out + after[:size], after[size + 2 :]
    return out


async def follow(
    port: int, source: str, until_seq: int, last_id: int | None = None, headers: str = "", timeout: float = 60.0
) -> Heard:
    """Follow until the event `until_seq` has come (or the answer is a refusal); from `source` on loopback."""
    heard = Heard()
    sock = socket.socket()
    sock.setblocking(False)
    sock.bind((source, 0))
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), timeout)
    reader, writer = await asyncio.open_connection(sock=sock)
    extra = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
    writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: hall\r\n{extra}{headers}\r\n".encode())
    raw = b""
    try:
        async with asyncio.timeout(timeout):
            while b"\r\n\r\n" not in raw:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                raw += chunk
            head, _, body = raw.partition(b"\r\n\r\n")
            heard.head = head.decode("latin-1")
            heard.status = int(heard.head.split(" ")[1]) if heard.head else 0
            while heard.status == 200 and (not heard.ids or heard.ids[-1] < until_seq):
                chunk = await reader.read(65536)
                if not chunk:
                    break
                body += chunk
                events = complete_events(dechunk(body))
                heard.ids, heard.data = [e[0] for e in events], [e[1] for e in events]
    finally:
        writer.close()
    return heard


def sources(count: int, per_address: int) -> list[str]:
    """Loopback addresses for `count` followers, `per_address` from each: 127.0.1.1, 127.0.1.2, …"""
    return [f"127.0.{1 + i // per_address // 250}.{1 + i // per_address % 250}" for i in range(count)]
