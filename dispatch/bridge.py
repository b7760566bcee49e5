"""The Flask routes behind the event loop: the body read on the loop, the app run to its end on one of a bounded set
of threads, the whole answer handed back to the loop once and sent there."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from .stream import Receive, Scope, Send

log = logging.getLogger(__name__)

WsgiApp = Callable[..., Iterable[bytes]]
Headers = list[tuple[bytes, bytes]]


class Answer(NamedTuple):
    """A route's whole answer: every route but the event stream's is finite, so it is collected before it is sent."""

    status: int
    headers: Headers
    body: bytes


BROKEN = Answer(500, [(b"Content-Type", b"text/plain; charset=utf-8"), (b"Content-Length", b"21")],
                b"Internal Server Error")  # fmt: skip
NO_BODY = frozenset((204, 304))
# the server's extension (dispatch/server.py) that sends a head and its body in one write
WHOLE = "onewindow.whole"


class Request(NamedTuple):
    """What a route's thread needs: the request, its body, and where to hand the answer back."""

    scope: Scope
    body: bytes
    loop: asyncio.AbstractEventLoop
    answered: asyncio.Future[Answer]


class RouteThreads:
    """The WSGI app on `threads` threads, fed in arrival order; a request waits in line beyond them.

    Why not a general ASGI-to-WSGI bridge (a2wsgi, which this replaced): it runs the app while the answer is being
    sent, so the run itself, the body's read, the head, each piece of the body and its end each make a round trip
    between the thread and the loop (four to five per request), each a future with a lock and a wake-up on the
    other side, through a ThreadPoolExecutor whose futures take a Condition each. Here a request makes one: a put
    on a plain queue, and one `call_soon_threadsafe` with the whole answer. Bodies are at most `max_body` bytes
    (the app answers 413 past it), so reading one on the loop first costs nothing worth streaming for."""

    def __init__(self, app: WsgiApp, threads: int, max_body: int):
        self.app = app
        self.max_body = max_body
        self.waiting: queue.SimpleQueue[Request | None] = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._serve, name=f"route-{n}", daemon=True) for n in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Each thread ends after the request it is running (the loop, stopping, no longer waits for it)."""
        for _ in self.threads:
            self.waiting.put(None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._body(scope, receive)
        if body is None:
            return  # the client went away before its request was whole
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[Answer] = loop.create_future()
        self.waiting.put(Request(scope, body, loop, answered))
        answer = await answered
        start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        whole = {"type": "http.response.body", "body": answer.body}
        send_whole = scope.get("extensions", {}).get(WHOLE, {}).get("send")
        if send_whole is not None:
            await send_whole(start, whole)
        else:
            await send(start)
            await send(whole)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The body, or its first `max_body` + 1 bytes when it goes on past the limit (the app answers 413 from
        those; uvicorn drops the rest as it arrives). A declared length past the limit is not read at all: the
        app answers 413 from the header."""
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            return b""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= self.max_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _serve(self) -> None:
        while (request := self.waiting.get()) is not None:
            answer = self._run(request.scope, request.body)
            with contextlib.suppress(RuntimeError):  # the loop has stopped: nobody is left to answer
                request.loop.call_soon_threadsafe(_hand_back, request.answered, answer)

    def _run(self, scope: Scope, body: bytes) -> Answer:
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            # nothing is sent before the app ends, so a later call (an error page) simply replaces the first
            started[:] = [status, headers]
            return written.append

        try:
            result = self.app(environ_for(scope, body), start_response)
            try:
                written.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            status, headers = started
        except Exception:
            log.exception("%s %s failed outside the routes' own error handling", scope["method"], scope["path"])
            return BROKEN
        return _answer(int(status[:3]), headers, b"".join(written), scope["method"])


def _hand_back(answered: asyncio.Future[Answer], answer: Answer) -> None:
    if not answered.done():  # cancelled when the server stopped waiting for it
        answered.set_result(answer)


def _answer(status: int, headers: list[tuple[str, str]], body: bytes, method: str) -> Answer:
    """The answer with its headers as bytes; collected whole, it gets a Content-Length if the app gave none."""
    encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    sized = any(name.lower() == b"content-length" for name, _ in encoded)
    if not sized and method != "HEAD" and status not in NO_BODY and status >= 200:
        encoded.append((b"Content-Length", str(len(body)).encode()))
    return Answer(status, encoded, body)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # httptools refuses such a request before it gets here
    return None


def environ_for(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request whose body has been read (PEP 3333: strings as latin-1)."""
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        # the body is whole: werkzeug may read it to its end, and still applies the app's size limit
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client is not None:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ
