"""The display's role file: `[display]` (the page and the boards' words), `[screen]`, `[[led]]` and `[voice]`.

Reading it needs no pygame, pyserial or sound card: `onewindow check-config` runs it on any machine.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from onewindow.configfile import ConfigFile, Table, show
from onewindow.drivers.led import LedSettings, read_leds
from onewindow.drivers.screen import ScreenSettings, read_screen
from onewindow.drivers.voice import VoiceSettings, read_voice

from .texts import LOCALES

__all__ = ["PageOptions", "ScreenSettings", "Settings", "read_settings"]

BOARD_FIELDS = ("number", "window", "name")  # what a board text may name: {number}, {window}, {name}


@dataclass(frozen=True)
class PageOptions:
    """`[display]`: what the TV page and the LED boards show."""

    locale: str | None = None  # None: the hall's
    title: str | None = None  # None: the hall's name
    notice: str = ""  # scrolls along the bottom of the page; empty: no notice line
    notice_speed: float = 3.0  # characters per second
    calls_shown: int = 5  # the calls listed beside the newest one
    flash_s: float = 6.0  # how long a new call flashes
    page_s: float = 6.0  # how long each page of the windows' list stays when they take more than one
    overdue_s: float = 90.0  # a ticket called this long ago whose citizen has not come is boxed; 0: never
    windows: tuple[int, ...] | None = None  # the windows this display shows; None: all of the hall's
    notice_s: float = 5.0  # how long a caller's notice (无人等候, …) stays on its window's board
    main_calls: int = 3  # calls on the main LED board, newest first
    led_step_s: float = 0.5  # scroll step of a board whose width is set and whose text is longer
    led_serving: str = "{number}"
    led_idle: str = "{name}"
    led_paused: str | None = None  # None: the locale's 暂停服务
    led_closed: str | None = None
    led_welcome: str | None = None  # the main board before the day's first call


@dataclass(frozen=True)
class Settings:
    display: PageOptions = field(default_factory=PageOptions)
    screen: ScreenSettings = field(default_factory=ScreenSettings)
    leds: tuple[LedSettings, ...] = ()
    voice: VoiceSettings = field(default_factory=lambda: VoiceSettings(enabled=False))


def read_settings(file: ConfigFile) -> Settings | None:
    """The display's own tables; errors collect on `file`, None when there is any."""
    errors_before = len(file.errors)
    display_table = file.table("display")
    display = read_display(display_table) if display_table is not None else PageOptions()
    screen_table = file.table("screen")
    screen = read_screen(screen_table) if screen_table is not None else ScreenSettings()
    leds = read_leds(file)
    voice = read_voice(file.table("voice"))
    if leds is not None and display is not None:
        _check_boards_shown(file, leds, display)
    if display is None or screen is None or leds is None or voice is None or len(file.errors) > errors_before:
        return None
    return Settings(display=display, screen=screen, leds=tuple(leds), voice=voice)


def read_display(table: Table) -> PageOptions | None:
    locale = table.str("locale", None, choices=LOCALES)
    title = table.str("title", None, max_length=60)
    notice = table.get("notice", "", kind=str, kind_name="a string", check=_notice_problem)
    notice_speed = table.float("notice_speed", 3.0, minval=0.5, maxval=20.0)
    calls_shown = table.int("calls_shown", 5, minval=0, maxval=12)
    flash_s = table.float("flash_s", 6.0, minval=0.0, maxval=60.0)
    page_s = table.float("page_s", 6.0, minval=2.0, maxval=60.0)
    overdue_s = table.float("overdue_s", 90.0, minval=0.0, maxval=3600.0)
    windows = table.list("windows", None, item=int, item_name="window numbers")
    notice_s = table.float("notice_s", 5.0, minval=1.0, maxval=60.0)
    main_calls = table.int("main_calls", 3, minval=1, maxval=10)
    led_step_s = table.float("led_step_s", 0.5, minval=0.1, maxval=5.0)
    texts = {key: _board_text(table, key) for key in BOARD_TEXT_KEYS}
    if windows is not None:
        seen: set[int] = set()
        for n in windows:
            if not 1 <= n <= 999:
                table.error("windows", f"{n} is not a window number (allowed: 1 to 999)")
            elif n in seen:
                table.error("windows", f"window {n} is listed twice")
            seen.add(n)
    table.finish()
    if not table.ok:
        return None
    return PageOptions(
        locale=locale,
        title=title,
        notice=notice,
        notice_speed=notice_speed,
        calls_shown=calls_shown,
        flash_s=flash_s,
        page_s=page_s,
        overdue_s=overdue_s,
        windows=tuple(windows) if windows is not None else None,
        notice_s=notice_s,
        main_calls=main_calls,
        led_step_s=led_step_s,
        led_serving=texts["led_serving"] or "{number}",
        led_idle=texts["led_idle"] if texts["led_idle"] is not None else "{name}",
        led_paused=texts["led_paused"],
        led_closed=texts["led_closed"],
        led_welcome=texts["led_welcome"],
    )


# Which {fields} each board text may use: a window board knows its window; the main board's welcome none.
BOARD_TEXT_KEYS = {
    "led_serving": BOARD_FIELDS,
    "led_idle": ("window", "name"),
    "led_paused": ("window", "name"),
    "led_closed": ("window", "name"),
    "led_welcome": (),
}


def _board_text(table: Table, key: str) -> str | None:
    allowed = BOARD_TEXT_KEYS[key]

    def check(value: str) -> str | None:
        if len(value) > 80:
            return f"{show(value[:20] + '…')} is longer than 80 characters"
        try:
            names = [name for _, name, spec, conv in string.Formatter().parse(value) if name is not None]
        except ValueError as exc:
            return f"{show(value)} is not allowed ({exc}; write {{{{ and }}}} for a brace)"
        for name in names:
            if name not in allowed:
                fields = ", ".join("{" + f + "}" for f in allowed) or "none"
                return f"{show(value)} names {{{name}}}, which this board does not know (allowed: {fields})"
        return None

    value: str | None = table.get(key, None, kind=str, kind_name="a string", check=check)
    return value


def _notice_problem(value: str) -> str | None:
    if len(value) > 500:
        return f"{show(value[:20] + '…')} is longer than 500 characters"
    if any(ch < " " for ch in value):
        return "must be one line (no line breaks or tabs)"
    return None


def _check_boards_shown(file: ConfigFile, leds: list[LedSettings], display: PageOptions) -> None:
    """A window board for a window the display was told not to show is a typo in one of the two lists."""
    if display.windows is None:
        return
    for i, board in enumerate(leds):
        if board.window is not None and board.window not in display.windows:
            table = file.tables("led")[i]
            table.name_by("address")
            table.error(
                "window",
                f"{board.window} is not among [display] windows = {show(list(display.windows))}: "
                "add it there or fix the board",
            )
