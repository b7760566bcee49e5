"""Serving the core: cheroot's threaded WSGI server, grown as event-stream followers hold threads."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import wsgi
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from onewindow import systemd
from onewindow.configfile import ConfigError
from onewindow.hallfile import load_hall

from .api import create_app
from .api.state import KEY
from .core import Core
from .store import StoreError

log = logging.getLogger(__name__)

# Each event-stream follower holds a worker thread for as long as it follows; keep this many idle beside them.
SPARE_THREADS = 8
MAX_THREADS = 1000
KEEP_ALIVE = 1000


class GrowingPool:
    """WSGI middleware that grows the server's thread pool before followers can exhaust it."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.server: wsgi.Server | None = None
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool = self.server.requests if self.server is not None else None
        if pool is not None and pool.idle < SPARE_THREADS // 2 and self.lock.acquire(blocking=False):
            # grow beside the request: cheroot's grow() waits for the new threads to start
            threading.Thread(target=self._grow, args=(pool,), name="grow-pool", daemon=True).start()
        return self.app(environ, start_response)

    def _grow(self, pool: Any) -> None:
        try:
            pool.grow(SPARE_THREADS)  # never beyond the pool's max
        finally:
            self.lock.release()


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


def make_server(core: Core, host: str, port: int, heartbeat_s: float = 15.0, behind_tls: bool = False) -> wsgi.Server:
    flask_app = create_app(core, heartbeat_s=heartbeat_s, behind_tls=behind_tls)
    if behind_tls:
        flask_app.wsgi_app = FromTheProxy(flask_app.wsgi_app)  # type: ignore[method-assign]
    app = GrowingPool(flask_app)
    server = wsgi.Server(
        (host, port),
        app,
        numthreads=SPARE_THREADS * 2,
        max=MAX_THREADS,
        server_name="onewindow",
        shutdown_timeout=2,
        timeout=30,
        # every device keeps its connection: a hall has a few dozen, and reconnecting for each press costs
        request_queue_size=128,
    )
    # cheroot keeps only 10 connections alive by default and closes the rest after each answer
    server.keep_alive_conn_limit = KEEP_ALIVE
    app.server = server
    return server


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
    core: Core, host: str, port: int, heartbeat_s: float = 15.0, tick_s: float = 1.0, behind_tls: bool = False
) -> int:
    """Serve until SIGTERM or SIGINT; the main loop does the hall's housekeeping and feeds the watchdog."""
    server = make_server(core, host, port, heartbeat_s, behind_tls)
    server.prepare()
    bound = server.bind_addr
    thread = threading.Thread(target=server.serve, name="http", daemon=True)
    thread.start()
    stop, reload = threading.Event(), threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload.set())
    log.info("core serving %s on http://%s:%s/", core.config.name, bound[0], bound[1])
    systemd.notify("READY=1")
    watchdog = systemd.watchdog_interval_s()
    last_watchdog = 0.0
    while not stop.wait(tick_s):
        if reload.is_set():
            reload.clear()
            reload_hall(core, server.wsgi_app.app)
        try:
            core.tick()
        except Exception:
            log.exception("housekeeping failed")
        if watchdog is not None and time.monotonic() - last_watchdog >= watchdog and thread.is_alive():
            systemd.notify("WATCHDOG=1")
            last_watchdog = time.monotonic()
        if not thread.is_alive():
            log.error("the HTTP server stopped")
            return 1
    systemd.notify("STOPPING=1")
    core.broker.close()
    server.stop()
    core.close()
    log.info("core stopped")
    return 0
