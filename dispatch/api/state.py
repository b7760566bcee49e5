"""What one app serves from, kept on the app: its core, attempt limits, the pages' sessions, the stream's heartbeat,
who may sign in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import current_app

from onewindow.hallfile import Device, User

from ..core import Core
from .attempts import Attempts
from .signins import CookieRules, SignIns

KEY = "onewindow"


@dataclass(frozen=True)
class AppState:
    core: Core
    attempts: Attempts
    heartbeat_s: float
    devices_by_hash: list[tuple[str, Device]]
    users: dict[str, User]
    windows: frozenset[int]
    signins: SignIns = field(default_factory=SignIns)
    cookies: CookieRules = field(default_factory=CookieRules)

    @classmethod
    def serving(
        cls, core: Core, heartbeat_s: float, attempts: Attempts, cookies: CookieRules | None = None
    ) -> AppState:
        config = core.config
        return cls(
            core=core,
            attempts=attempts,
            heartbeat_s=heartbeat_s,
            devices_by_hash=[(d.token_sha256, d) for d in config.devices],
            users={u.name: u for u in config.users},
            windows=frozenset(w.number for w in config.windows),
            cookies=cookies or CookieRules(),
        )

    def serving_again(self, core: Core) -> AppState:
        """The same app after the hall file was read again: its limits, sessions and cookies are kept."""
        again = AppState.serving(core, self.heartbeat_s, self.attempts, self.cookies)
        return replace(again, signins=self.signins)


def app_state() -> AppState:
    """The state of the app answering the current request."""
    return current_app.extensions[KEY]  # type: ignore[no-any-return]
