"""The display's role file: [display], [screen], [[led]] and [voice], good and bad, as a technician reads the errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from onewindow import config
from onewindow.configfile import ConfigFile
from onewindow.display.settings import PageOptions, ScreenSettings, Settings, read_settings
from onewindow.drivers.led import LedSettings
from onewindow.drivers.voice import VoiceSettings
from onewindow.rolefile import read_role
from tests.support.hall import EXAMPLES

HEAD = 'core = "http://10.0.0.2:8080"\ndevice = "display-1"\ntoken = "klTuOUdtGdx9A-ON951hWm0BY6Ni7SvLKvG0fH-TWjA"\n'


def read(text: str) -> tuple[Settings | None, list[str]]:
    file = ConfigFile(Path("/etc/onewindow/display-1.toml"), HEAD + text)
    role = read_role(file, "display", read_settings)
    return (role.settings if role else None), file.errors


def test_every_key_of_every_table():
    settings, errors = read(
        """\
[display]
locale = "zh-Hant"
title = "二樓大廳"
notice = "請攜帶身分證"
notice_speed = 4
calls_shown = 4
flash_s = 8
page_s = 10
overdue_s = 120
windows = [3, 1, 2]
notice_s = 6
main_calls = 2
led_step_s = 0.4
led_serving = "请{number}"
led_idle = "{window}号窗口"
led_paused = "{name}暂停"
led_closed = "停止服务"
led_welcome = "欢迎"

[screen]
enabled = true
fullscreen = false
size = "1080x1920"
rotate = 90
fps = 25

[voice]
clips = "config/voice/zh-Hans"
repeat = 2

[[led]]
port = "/dev/hall-led485"
address = 3
window = 3
width = 8

[[led]]
port = "/dev/hall-led485"
address = 0
main = true
"""
    )
    assert errors == []
    assert settings == Settings(
        display=PageOptions(
            locale="zh-Hant",
            title="二樓大廳",
            notice="請攜帶身分證",
            notice_speed=4.0,
            calls_shown=4,
            flash_s=8.0,
            page_s=10.0,
            overdue_s=120.0,
            windows=(3, 1, 2),
            notice_s=6.0,
            main_calls=2,
            led_step_s=0.4,
            led_serving="请{number}",
            led_idle="{window}号窗口",
            led_paused="{name}暂停",
            led_closed="停止服务",
            led_welcome="欢迎",
        ),
        screen=ScreenSettings(enabled=True, fullscreen=False, size=(1080, 1920), rotate=90, fps=25),
        leds=(
            LedSettings(port="/dev/hall-led485", address=3, window=3, width=8),
            LedSettings(port="/dev/hall-led485", address=0, main=True),
        ),
        voice=VoiceSettings(clips=config.VOICE / "zh-Hans", repeat=2),
    )


def test_defaults_a_display_table_alone_and_a_board_only_pi():
    settings, errors = read("[display]\n")
    assert errors == [] and settings == Settings()
    assert Settings() == Settings(
        display=PageOptions(
            locale=None,
            title=None,
            notice="",
            notice_speed=3.0,
            calls_shown=5,
            flash_s=6.0,
            page_s=6.0,
            overdue_s=90.0,
            windows=None,
            notice_s=5.0,
            main_calls=3,
            led_step_s=0.5,
            led_serving="{number}",
            led_idle="{name}",
        ),
        screen=ScreenSettings(enabled=True, fullscreen=True, size=None, rotate=None, fps=30),
        leds=(),
        voice=VoiceSettings(enabled=False),
    )
    settings, errors = read(
        '[screen]\nenabled = false\n[[led]]\nport = "socket://10.0.0.40:4196"\naddress = 1\nmain = true\n'
    )
    assert errors == [] and settings is not None
    assert settings.screen.enabled is False and settings.leds[0].main


def test_bad_values_name_file_line_table_key_value_and_what_is_allowed():
    settings, errors = read(
        """\
[display]
locale = "fr"
calls_shown = 20
flash_s = -1
windows = [3, 3, 0]
led_serving = "{ticket}"
led_welcome = "{number}"
led_idle = "{name"
notice = "two\\nlines"
colour = "red"

[screen]
size = "big"
rotate = 45
fps = 0
"""
    )
    assert settings is None
    assert errors == [
        'display-1.toml:5 [display]: locale: "fr" is not allowed (allowed: zh-Hans, zh-Hant, en)',
        "display-1.toml:6 [display]: calls_shown: 20 is too large (allowed: 0 to 12)",
        "display-1.toml:7 [display]: flash_s: -1 is too small (allowed: 0.0 to 60.0)",
        "display-1.toml:8 [display]: windows: window 3 is listed twice",
        "display-1.toml:8 [display]: windows: 0 is not a window number (allowed: 1 to 999)",
        'display-1.toml:9 [display]: led_serving: "{ticket}" names {ticket}, which this board does not know '
        "(allowed: {number}, {window}, {name})",
        'display-1.toml:10 [display]: led_welcome: "{number}" names {number}, which this board does not know '
        "(allowed: none)",
        "display-1.toml:11 [display]: led_idle: \"{name\" is not allowed (expected '}' before end of string; "
        "write {{ and }} for a brace)",
        "display-1.toml:12 [display]: notice: must be one line (no line breaks or tabs)",
        "display-1.toml:13 [display]: colour: unknown key (allowed here: calls_shown, flash_s, led_closed, led_idle, "
        "led_paused, led_serving, led_step_s, led_welcome, locale, main_calls, notice, notice_s, notice_speed, "
        "overdue_s, page_s, title, windows)",
        'display-1.toml:16 [screen]: size: "big" is not allowed (width x height, e.g. "1920x1080")',
        "display-1.toml:17 [screen]: rotate: 45 is not allowed (allowed: 0, 90, 180, 270)",
        "display-1.toml:18 [screen]: fps: 0 is too small (allowed: 1 to 60)",
    ]


def test_a_window_board_for_a_window_the_display_does_not_show_is_named():
    settings, errors = read(
        '[display]\nwindows = [1, 2]\n[[led]]\nport = "/dev/hall-led485"\naddress = 3\nwindow = 3\n'
    )
    assert settings is None
    assert errors == [
        "display-1.toml:9 [[led]] address=3: window: 3 is not among [display] windows = [1, 2]: "
        "add it there or fix the board"
    ]


def test_screen_size_bounds_and_board_errors_come_together():
    settings, errors = read('[screen]\nsize = "9999x100"\n[[led]]\nport = "/dev/x"\naddress = 300\nmain = true\n')
    assert settings is None
    assert errors == [
        'display-1.toml:5 [screen]: size: "9999x100" is not allowed (width 320 to 7680, height 240 to 4320)',
        "display-1.toml:8 [[led]] address=300: address: 300 is too large (allowed: 0 to 255)",
    ]


def test_the_example_file_passes_check_config_against_the_example_hall():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "onewindow.cli",
            "check-config",
            str(EXAMPLES / "hall.toml"),
            str(EXAMPLES / "display-1.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    file = ConfigFile(EXAMPLES / "display-1.toml")
    role = read_role(file, "display", read_settings)
    assert role is not None and file.errors == []
    # a board over every window of the example hall and the main board, all on one line
    assert sorted(b.window for b in role.settings.leds if b.window) == list(range(1, 27))
    assert [b.address for b in role.settings.leds if b.main] == [0]


def test_the_pages_and_the_box_of_the_tv_have_bounds():
    settings, errors = read("[display]\npage_s = 1\noverdue_s = -5\n")
    assert settings is None
    assert errors == [
        "display-1.toml:5 [display]: page_s: 1 is too small (allowed: 2.0 to 60.0)",
        "display-1.toml:6 [display]: overdue_s: -5 is too small (allowed: 0.0 to 3600.0)",
    ]
    settings, errors = read("[display]\noverdue_s = 0\n")  # 0: nothing is ever boxed
    assert errors == [] and settings is not None and settings.display.overdue_s == 0.0
