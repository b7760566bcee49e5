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
    工号 Enter   sign in, step 1: your staff number (1 to 8 digits, e.g. 7 for clerk c07), then Enter
    PIN Enter    sign in, step 2: within 20 s, your PIN (4 to 8 digits), then Enter
    0 Enter      sign out
    Backspace    clear what you typed (Esc too; typed digits are also forgotten after 5 s)

Keys that change a ticket are single, separate keys; digits only ever prepare the next key. A typed
number in front of a key that takes none (say 3 then +) is a slip: it is cleared and nothing is sent,
so a stray digit never turns into a call. The same holds for the first key in the 5 s after typed
digits were forgotten, so a slowly typed PIN never turns its Enter into "finish". No-show, the one
step a citizen cannot undo, needs its key twice. Between the two steps of a sign-in every other key
only ends the sign-in (Enter alone too): a clerk half-way through signing in never calls or finishes.
How a typed staff number becomes the hall file's clerk id (7 -> "c07") is the role file's business
(`[caller]` clerk_prefix, clerk_digits and `[caller.clerks]`, in onewindow.caller.settings).

On an evaluator keypad the digits 1 to 5 are the rating at once (5 非常满意, 4 满意, 3 基本满意,
2 不满意, 1 非常不满意); every other key does nothing.

RS-485 pads (protocol ff68) send whole presses instead of keys; `pad_command()` says what one means,
and `PadSequencer` adds the pads' two-step sign-in: 工号 (two digits or more, e.g. 07) then 确认 (confirm),
PIN then 确认. A single digit before 确认 is a command of its own (6 确认 is no-show), so a staff number is
typed with at least two digits; 0 确认 signs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from onewindow.drivers.keypad.keymap import DIGITS, Keymap
from onewindow.drivers.pads.ff68 import PadPress, PadScore

ROLES = ("caller", "evaluator")
TYPED_TIMEOUT_S = 5.0  # digits typed and left this long are forgotten
CONFIRM_S = 3.0  # the second press of no-show must come this soon
PIN_LENGTH = (4, 8)
CLERK_LENGTH = (1, 8)  # a staff number (工号) as typed
SIGN_IN_S = 20.0  # after the staff number's Enter, the PIN's Enter must come this soon
MAX_TYPED = 12
SIGN_OUT = "0"  # 0 then Enter
SCORES = range(1, 6)

# actions that are a command by themselves; typed digits in front of them are a slip
_PLAIN = ("call", "recall", "start", "finish", "pause", "sign_out")


@dataclass(frozen=True)
class Command:
    """What the caller asks of the core: e.g. Command("call"), Command("transfer", 2),
    Command("sign_in", "4711", clerk="7") (value is the PIN, clerk the staff number as typed),
    Command("score", 5). "clear" asks nothing: typed digits were dropped. "clerk" asks nothing yet: the
    first step of a sign-in, the staff number, was typed and the PIN is awaited."""

    name: str
    value: int | str | None = None
    clerk: str | None = field(default=None)

    def __repr__(self) -> str:
        # a PIN never reaches a log line
        value = "****" if self.name == "sign_in" else self.value
        clerk = f", clerk={self.clerk!r}" if self.clerk is not None else ""
        return f"Command({self.name!r}, {value!r}{clerk})"


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
        sign_in_s: float = SIGN_IN_S,
    ):
        if role not in ROLES:
            raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
        self._keys: Mapping[str, str] = keymap.keys if isinstance(keymap, Keymap) else keymap
        self.role = role
        self._clock = clock
        self._timeout_s = timeout_s
        self._confirm_s = confirm_s
        self._pin_length = pin_length
        self._sign_in_s = sign_in_s
        self._clerk: str | None = None  # the staff number of a sign-in waiting for its PIN
        self._clerk_at = 0.0
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
    def signing_in(self) -> str | None:
        """The staff number typed in a sign-in's first step while its PIN is awaited, else None."""
        self._expire(self._clock())
        return self._clerk

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
        if self._clerk is not None:  # the sign-in's second step: only the PIN and its Enter belong here
            clerk, self._clerk = self._clerk, None
            if action == "enter" and self._pin_length[0] <= len(typed) <= self._pin_length[1]:
                return Command("sign_in", typed, clerk=clerk)
            return Command("clear")
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
            if CLERK_LENGTH[0] <= len(typed) <= CLERK_LENGTH[1]:
                self._clerk, self._clerk_at = typed, now
                return Command("clerk", typed)
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
        if self._clerk is not None and now - self._clerk_at > self._sign_in_s:
            self._clerk = None
            if self._typed:  # a PIN typed too late: neither a transfer target nor may its Enter finish
                self._typed, self._typed_at, self._forgotten = "", now, True


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


class PadSequencer:
    """One ff68 pad's presses turned into commands, with the pad's two-step sign-in.

    `工号 确认` (two to eight digits, then confirm) starts a sign-in; `PIN 确认` within `sign_in_s`
    completes it. Any other press in between ends the sign-in and asks nothing, as on a USB keypad.
    `0 确认` signs out. Every other press means what `pad_command()` says, and one that means nothing there
    is "clear" (the caller beeps the pad for it).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sign_in_s: float = SIGN_IN_S,
        pin_length: tuple[int, int] = PIN_LENGTH,
    ):
        self._clock = clock
        self._sign_in_s = sign_in_s
        self._pin_length = pin_length
        self._clerk: str | None = None
        self._clerk_at = 0.0

    @property
    def signing_in(self) -> str | None:
        if self._clerk is not None and self._clock() - self._clerk_at > self._sign_in_s:
            self._clerk = None
        return self._clerk

    def feed(self, event: PadPress | PadScore) -> Command | None:
        clerk = self.signing_in
        if isinstance(event, PadScore):
            return pad_command(event)
        confirm_digits = event.digits if event.key == "confirm" else ""
        if clerk is not None:
            self._clerk = None
            if confirm_digits and self._pin_length[0] <= len(confirm_digits) <= self._pin_length[1]:
                return Command("sign_in", confirm_digits, clerk=clerk)
            return Command("clear")
        if event.key == "confirm":
            if confirm_digits == SIGN_OUT:
                return Command("sign_out")
            if 2 <= len(confirm_digits) <= CLERK_LENGTH[1]:
                self._clerk, self._clerk_at = confirm_digits, self._clock()
                return Command("clerk", confirm_digits)
        # a press that asks nothing (3 确认, 转移 without a digit) is "clear": the pad beeps, so the clerk knows
        return pad_command(event) or Command("clear")
