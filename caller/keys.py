"""What key presses mean: key names in, commands for the core out. Pure logic, no I/O, clock injectable.

The built-in `numpad` layout, for a plain 17-key USB numeric keypad at the clerk's window:

    ┌─────────┬─────────┬─────────┬─────────┐
    │ NumLock │    /    │    *    │    -    │
    │  start  │  pause  │transfer │ recall  │
    │开始办理 │暂停/恢复│  转移   │  重呼   │
    ├─────────┼─────────┼─────────┼─────────┤
    │    7    │    8    │    9    │    +    │
    ├─────────┼─────────┼─────────┤  call   │
    │    4    │    5    │    6    │  呼叫   │
    ├─────────┼─────────┼─────────┼─────────┤
    │    1    │    2    │    3    │  Enter  │
    ├─────────┴─────────┼─────────┤ finish  │
    │         0         │   . .   │  完成   │
    │                   │ no-show │PIN 签到 │
    │                   │  过号   │         │
    └───────────────────┴─────────┴─────────┘

    +            call the next citizen (the core finishes the current ticket first)
    -            recall: announce the current ticket again
    Enter        finish the current ticket (the citizen's rating keypad comes alive)
    /            pause the window, or resume it when it is paused (the caller knows which)
    2 *          transfer the current ticket to the window's 2nd service (a number, then *)
    . .          no-show: press . twice within 3 s; a single . does nothing
    NumLock      start serving the citizen who came (optional: Enter finishes straight away)
    PIN Enter    sign in: type your PIN (4 to 8 digits), then Enter
    0 Enter      sign out
    Backspace    clear what you typed (Esc too; typed digits are also forgotten after 5 s)

Keys that change a ticket are single, separate keys; digits only ever prepare the next key. A typed
number in front of a key that takes none (say 3 then +) is a slip: it is cleared and nothing is sent,
so a stray digit never turns into a call. The same holds for the first key in the 5 s after typed
digits were forgotten, so a slowly typed PIN never turns its Enter into "finish". No-show, the one
step a citizen cannot undo, needs its key twice.

On an evaluator keypad the digits 1 to 5 are the rating at once (5 非常满意, 4 满意, 3 基本满意,
2 不满意, 1 非常不满意); every other key does nothing.

RS-485 pads (protocol ff68) send whole presses instead of keys; `pad_command()` says what they mean.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from onewindow.drivers.keypad.keymap import DIGITS, Keymap
from onewindow.drivers.pads.ff68 import PadPress, PadScore

ROLES = ("caller", "evaluator")
TYPED_TIMEOUT_S = 5.0  # digits typed and left this long are forgotten
CONFIRM_S = 3.0  # the second press of no-show must come this soon
PIN_LENGTH = (4, 8)
MAX_TYPED = 12
SIGN_OUT = "0"  # 0 then Enter
SCORES = range(1, 6)

# actions that are a command by themselves; typed digits in front of them are a slip
_PLAIN = ("call", "recall", "start", "finish", "pause", "sign_out")


@dataclass(frozen=True)
class Command:
    """What the caller asks of the core: e.g. Command("call"), Command("transfer", 2),
    Command("sign_in", "4711"), Command("score", 5). "clear" asks nothing: typed digits were dropped."""

    name: str
    value: int | str | None = None


class KeySequencer:
    """Turns a stream of key names into commands, remembering typed digits and a pending no-show."""

    def __init__(
        self,
        keymap: Keymap | Mapping[str, str],
        role: str = "caller",
        *,
        clock: Callable[[], float] = time.monotonic,
        timeout_s: float = TYPED_TIMEOUT_S,
        confirm_s: float = CONFIRM_S,
        pin_length: tuple[int, int] = PIN_LENGTH,
    ):
        if role not in ROLES:
            raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
        self._keys: Mapping[str, str] = keymap.keys if isinstance(keymap, Keymap) else keymap
        self.role = role
        self._clock = clock
        self._timeout_s = timeout_s
        self._confirm_s = confirm_s
        self._pin_length = pin_length
        self._typed = ""
        self._typed_at = 0.0
        self._forgotten = False  # digits timed out within the last timeout_s
        self._armed_at: float | None = None

    @property
    def typed(self) -> str:
        """The digits typed so far and not yet used (to show as feedback, masked for a PIN)."""
        self._expire(self._clock())
        return self._typed

    @property
    def armed(self) -> bool:
        """True while a first no-show press waits for its confirmation."""
        self._expire(self._clock())
        return self._armed_at is not None

    def feed(self, key: str) -> Command | None:
        """One key press (by name, e.g. "KPPLUS"); the command it completes, if any."""
        action = self._keys.get(key)
        if action is None:
            return None
        return self.act(action)

    def feed_all(self, keys: Iterable[str]) -> list[Command]:
        return [c for c in (self.feed(k) for k in keys) if c is not None]

    def act(self, action: str) -> Command | None:
        """One action, as a key map names it ("call", "7", "enter", …)."""
        if self.role == "evaluator":
            if action in DIGITS and int(action) in SCORES:
                return Command("score", int(action))
            return None
        now = self._clock()
        self._expire(now)
        if action != "no_show":
            self._armed_at = None
        if action in DIGITS:
            if len(self._typed) < MAX_TYPED:
                self._typed += action
            self._typed_at = now
            self._forgotten = False
            return None
        if self._forgotten:  # the digits typed for this key were forgotten a moment ago
            self._forgotten = False
            return Command("clear")
        typed, self._typed = self._typed, ""
        if action == "clear":
            return Command("clear")
        if action in _PLAIN:
            return Command("clear") if typed else Command(action)
        if action == "transfer":
            return Command("transfer", int(typed)) if typed and int(typed) > 0 else _cleared(typed)
        if action == "enter":
            if not typed:
                return Command("finish")
            if typed == SIGN_OUT:
                return Command("sign_out")
            if self._pin_length[0] <= len(typed) <= self._pin_length[1]:
                return Command("sign_in", typed)
            return Command("clear")
        if action == "no_show":
            if typed:
                return Command("clear")
            if self._armed_at is not None:
                self._armed_at = None
                return Command("no_show")
            self._armed_at = now
            return None
        return _cleared(typed)

    def _expire(self, now: float) -> None:
        if self._typed and now - self._typed_at > self._timeout_s:
            self._typed = ""
            self._forgotten = True
        if self._forgotten and now - self._typed_at > 2 * self._timeout_s:
            self._forgotten = False
        if self._armed_at is not None and now - self._armed_at > self._confirm_s:
            self._armed_at = None


def _cleared(typed: str) -> Command | None:
    return Command("clear") if typed else None


def pad_command(event: PadPress | PadScore) -> Command | None:
    """What an ff68 pad's press or score asks of the core; None for presses that ask nothing."""
    if isinstance(event, PadScore):
        return Command("score", event.score) if event.score in SCORES else None
    if event.key in ("call", "recall", "finish", "pause", "no_show"):
        return Command(event.key)
    if event.key == "transfer":
        return Command("transfer", int(event.digits)) if event.digits and int(event.digits) > 0 else None
    return None
