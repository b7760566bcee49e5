"""The pages' sessions, kept by the core: one cookie per kind of page (clerk, user, device), ended on the server."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("clerk", "user", "device")
COOKIES = {kind: f"onewindow-{kind}" for kind in KINDS}


@dataclass(frozen=True)
class CookieRules:
    """How session cookies are set. SameSite=Strict by default: every page is opened on the hall's LAN by typing
    or a bookmark, never from another site's link, so Strict costs nothing and stops every cross-site request from
    carrying a session. Secure when the core is reached over TLS (a proxy in front); the core cannot tell itself."""

    secure: bool = False
    samesite: str = "Strict"

    @classmethod
    def from_environment(cls) -> CookieRules:
        samesite = os.environ.get("ONEWINDOW_COOKIE_SAMESITE", "Strict").capitalize()
        if samesite not in ("Strict", "Lax"):
            raise ValueError(f"ONEWINDOW_COOKIE_SAMESITE must be Strict or Lax, not {samesite!r}")
        return cls(secure=os.environ.get("ONEWINDOW_COOKIE_SECURE", "") in ("1", "true", "yes"), samesite=samesite)


class SignIns:
    """Live sessions by their random id: what the cookie names, the core keeps. Logging out forgets the id, so a
    copied cookie stops working at once; a session unused for `idle_s` ends too. At most `capacity` are kept (the
    least recently used goes first), so signing in without end cannot grow memory. A core restart ends them all:
    each page then returns to its sign-in form and says why."""

    def __init__(
        self, idle_s: float = 12 * 3600, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_s, self.capacity, self.clock = idle_s, capacity, clock
        self.live: OrderedDict[str, tuple[str, dict[str, Any], float]] = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.live)

    def open(self, kind: str, fields: dict[str, Any]) -> str:
        sid = secrets.token_urlsafe(32)
        with self.lock:
            while len(self.live) >= self.capacity:
                self.live.popitem(last=False)
            self.live[sid] = (kind, dict(fields), self.clock())
        return sid

    def find(self, kind: str, sid: str) -> dict[str, Any] | None:
        """A live session of this kind, renewed; None if it ended or never was."""
        with self.lock:
            found = self.live.get(sid)
            if found is None or found[0] != kind:
                return None
            now = self.clock()
            if now - found[2] > self.idle_s:
                del self.live[sid]
                return None
            self.live[sid] = (kind, found[1], now)
            self.live.move_to_end(sid)
            return dict(found[1])

    def end(self, sid: str) -> None:
        with self.lock:
            self.live.pop(sid, None)
