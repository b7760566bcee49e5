"""Serving the core: uvicorn's event loop in front, the event stream on it natively, every other route run by the
Flask app on a bounded set of threads (bridge.py); systemd readiness and watchdog, SIGHUP reload, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import uvicorn
from flask import Flask
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from werkzeug.middleware.proxy_fix import ProxyFix

from onewindow import systemd
from onewindow.configfile import ConfigError
from onewindow.hallfile import load_hall

from .api import create_app
from .api.body import MAX_BODY
from .api.state import KEY
from .bridge import WHOLE, RouteThreads
from .core import Core
from .store import StoreError
from .stream import CONNECTION, PATH, Followers, Limits, Receive, Scope, Send

log = logging.getLogger(__name__)

# Requests other than the stream run the Flask app on these threads; a request waits in line beyond them. None is
# held for long (the hall's lock, a commit, a PIN's scrypt), so this is many times what a hall's devices need.
WSGI_THREADS = 32
# A kept-alive connection with no request for this long is closed; the client reuses one idle for 10 s at most.
KEEP_ALIVE_S = 30
# a whole hall's phones may reconnect at once after a restart: the kernel queues this many connections
BACKLOG = 4096
# descriptors kept for the database, logs and devices' requests beside the followers
RESERVED_FILES = 256


class FromTheProxy:
    """Behind a TLS proxy on this machine, a browser's address and scheme are those the proxy forwards (one hop of
    X-Forwarded-For and -Proto): the PIN and token lock-outs count per browser, not all against the proxy. Only a
    request from this machine's loopback is believed; a device talking to the core directly cannot pose as another."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.forwarded = ProxyFix(app, x_for=1, x_proto=1)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REMOTE_ADDR") in ("127.0.0.1", "::1"):
            return self.forwarded(environ, start_response)
        return self.app(environ, start_response)


class HallProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, and two things it lacks: each request's scope carries its connection, so the
    stream can drop a follower that stopped reading at once (ASGI has no abort, and closing would wait for the
    follower to read); and a connection that sends no request at all is closed like an idle kept-alive one."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {CONNECTION: {"transport": self.transport}}

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.scope is self.scope:
            self.scope["extensions"][WHOLE] = {"send": functools.partial(send_whole, self.cycle)}


class _Held:
    """A transport stand-in that keeps what is written, so an answer's head and body leave in one write."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def close(self) -> None:
        self.closing = True


async def send_whole(cycle: RequestResponseCycle, start: dict[str, Any], body: dict[str, Any]) -> None:
    """A whole answer sent through uvicorn's own checks and keep-alive rules, but as one write to the socket: on
    loopback each write is a send that delivers to the client's socket and wakes it, and on this machine the
    head's own write cost about as much as the rest of the answer's trip through the loop."""
    real = cycle.transport
    held = _Held()
    cycle.transport = held  # type: ignore[assignment]
    try:
        await cycle.send(start)  # type: ignore[arg-type]
        await cycle.send(body)  # type: ignore[arg-type]
    finally:
        cycle.transport = real
    if held.parts:
        real.write(b"".join(held.parts))
    if held.closing:
        real.close()


class Front:
    """The ASGI app: the event stream served on the loop, everything else by the Flask app on the route threads."""

    def __init__(self, followers: Followers, flask_app: Flask, wsgi: Callable[..., Iterable[bytes]]):
        self.followers = followers
        self.flask_app = flask_app
        self.routes = RouteThreads(wsgi, WSGI_THREADS, MAX_BODY)
        self.started = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            await self.followers(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.routes(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.followers.start(asyncio.get_running_loop())
                self.routes.start()
                await send({"type": "lifespan.startup.complete"})
                self.started.set()
            elif message["type"] == "lifespan.shutdown":
                self.followers.close()
                self.routes.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


class HallServer:
    """The core's HTTP server, bound at once (so a busy port is an error at start) and served from its own thread."""

    def __init__(self, front: Front, sock: socket.socket):
        self.front = front
        self.sock = sock
        self.address: tuple[str, int] = sock.getsockname()[:2]
        config = uvicorn.Config(
            front,
            http=HallProtocol,
            ws="none",
            lifespan="on",
            interface="asgi3",
            log_config=None,
            access_log=False,
            proxy_headers=False,  # FromTheProxy decides whom to believe, with --behind-tls only
            server_header=False,
            headers=[("Server", "onewindow")],
            timeout_keep_alive=KEEP_ALIVE_S,
            timeout_graceful_shutdown=2,
            backlog=BACKLOG,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, name="http", daemon=True)

    @property
    def followers(self) -> Followers:
        return self.front.followers

    @property
    def app(self) -> Flask:
        return self.front.flask_app

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        end = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > end:
                raise RuntimeError("the HTTP server did not start")
            self.front.started.wait(0.02)

    def stop(self) -> None:
        """Streams end (their followers reconnect to the next core), requests under way are answered, then it stops."""
        loop = self.followers.loop
        if loop is not None and self.thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop already stopped
                loop.call_soon_threadsafe(self.followers.end_all)
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


# uvicorn's own lines ("Started server process", "Waiting for application startup") name a logger
# "uvicorn.error" even at INFO: in the journal they would read as errors, and the core says when it serves
logging.getLogger("uvicorn.error").setLevel(logging.WARNING)


def make_server(
    core: Core,
    host: str,
    port: int,
    heartbeat_s: float = 15.0,
    behind_tls: bool = False,
    limits: Limits | None = None,
) -> HallServer:
    flask_app = create_app(core, heartbeat_s=heartbeat_s, behind_tls=behind_tls)
    wsgi: Callable[..., Iterable[bytes]] = flask_app
    if behind_tls:
        wsgi = FromTheProxy(flask_app)
    followers = Followers(
        core.broker,
        heartbeat_s,
        devices=lambda: flask_app.extensions[KEY].devices_by_hash,  # the hall file's, after a reload too
        limits=limits,
        believe_proxy=behind_tls,
    )
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return HallServer(Front(followers, flask_app, wsgi), sock)


def raise_open_files() -> int:
    """Every follower is a connection: the soft limit on open files goes up to the hard one (the unit's LimitNOFILE
    sets both; elsewhere the soft limit is often 1024). Returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as exc:
            log.warning("open files stay limited to %d (%s): fewer followers can be served", soft, exc)
    return 65536 if soft == resource.RLIM_INFINITY else soft


def limits_for(open_files: int, per_address: int | None = None) -> Limits:
    """The stream's limits within `open_files`: unauthenticated followers leave room for everything else."""
    defaults = Limits()
    anonymous = max(16, min(defaults.anonymous, open_files - RESERVED_FILES))
    return Limits(anonymous=anonymous, per_address=per_address or defaults.per_address)


def reload_hall(core: Core, app: Flask) -> bool:
    """`systemctl reload` (SIGHUP): the hall file read again and taken in, keeping the day. An invalid file, or
    another hall's, is refused with its errors logged, and the running hall goes on as it was."""
    path = core.config.path
    systemd.notify("RELOADING=1")
    try:
        config = load_hall(path)
        core.store.claim(config.name, path)
        core.reload(config)
        state = app.extensions[KEY]
        app.extensions[KEY] = state.serving_again(core)
    except ConfigError as exc:
        log.error("the hall file %s is not valid; the hall goes on as before:\n%s", path, "\n".join(exc.errors))
        return False
    except StoreError as exc:
        log.error("the hall file %s is refused; the hall goes on as before: %s", path, exc)
        return False
    except Exception:
        # a file the reader accepts but that today's tickets cannot be rebuilt under is refused as well
        log.exception("the hall file %s cannot be taken in; the hall goes on as before", path)
        return False
    finally:
        systemd.notify("READY=1")
    log.info("the hall file %s is reloaded", path)
    return True


def run(
    core: Core,
    host: str,
    port: int,
    heartbeat_s: float = 15.0,
    tick_s: float = 1.0,
    behind_tls: bool = False,
    per_address: int | None = None,
) -> int:
    """Serve until SIGTERM or SIGINT; the main loop does the hall's housekeeping and feeds the watchdog."""
    limits = limits_for(raise_open_files(), per_address)
    server = make_server(core, host, port, heartbeat_s, behind_tls, limits)
    server.start()
    stop, reload = threading.Event(), threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload.set())
    bound = server.address
    log.info("core serving %s on http://%s:%s/", core.config.name, bound[0], bound[1])
    systemd.notify("READY=1")
    watchdog = systemd.watchdog_interval_s()
    last_watchdog = 0.0
    while not stop.wait(tick_s):
        if reload.is_set():
            reload.clear()
            reload_hall(core, server.app)
        try:
            core.tick()
        except Exception:
            log.exception("housekeeping failed")
        if watchdog is not None and time.monotonic() - last_watchdog >= watchdog and server.alive:
            systemd.notify("WATCHDOG=1")
            last_watchdog = time.monotonic()
        if not server.alive:
            log.error("the HTTP server stopped")
            return 1
    systemd.notify("STOPPING=1")
    core.broker.close()
    server.stop()
    core.close()
    log.info("core stopped")
    return 0
