"""A real day as citizens see it: `onewindow core` as its own process over HTTP, the kiosk app with a fake
printer (each ticket saved as a PNG), the display following the hall (LED boards on a fake line, the voice on
a recording player, the TV page drawn from what it shows, and once by `onewindow display --snapshot`), and the
clerks' presses over HTTP. The clerks sign in one by one, all go to lunch, one signs out early.

What is checked is the hall's promise: no printed ticket, kiosk screen, TV tile, LED board or announcement ever
sends a citizen to a window nobody staffs at that moment. The pictures are saved under the test's folder
(tickets/, kiosk/, tv/) for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from onewindow.client import CoreClient  # noqa: E402
from onewindow.configfile import ConfigFile  # noqa: E402
from onewindow.display.app import DisplayApp  # noqa: E402
from onewindow.display.page import Page  # noqa: E402
from onewindow.display.settings import read_settings  # noqa: E402
from onewindow.drivers.led import FakeLedLine  # noqa: E402
from onewindow.drivers.voice import RecordingPlayer  # noqa: E402
from onewindow.drivers.voice.announcement import announcement_clips  # noqa: E402
from onewindow.rolefile import read_role  # noqa: E402
from tests.support.hall import PINS, token  # noqa: E402
from tests.support.kiosk_rig import Kiosk, hall_text, running_kiosk  # noqa: E402
from tests.support.process import CoreProcess  # noqa: E402
from tests.support.pty_pair import wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = {1: ["general"], 2: ["general"], 3: ["general", "card"], 4: ["card"], 5: ["injury"]}
CALLERS = {1: "caller-1", 2: "caller-1", 3: "caller-1", 4: "caller-4", 5: "caller-5"}
NOT_SERVING = "暂停服务"  # what a board over a window nobody staffs says
NOTICE = "温馨提示：请携带本人身份证，按叫号顺序到对应窗口办理"


class TimedLedLine(FakeLedLine):
    """The fake line, with the moment each text was handed to it."""

    def __init__(self) -> None:
        super().__init__("fake")
        self.shown: list[tuple[float, int, str]] = []

    def show(self, address: int, text: str) -> None:
        super().show(address, text)
        self.shown.append((time.monotonic(), address, text))


class Staffing:
    """Who staffs which window, as the clerks change it; each change stamped when its press was made."""

    def __init__(self) -> None:
        self.now: set[int] = set()
        self.changes: list[tuple[float, int, bool]] = []

    def set(self, window: int, staffed: bool, at: float) -> None:
        (self.now.add if staffed else self.now.discard)(window)
        self.changes.append((at, window, staffed))

    def staffed_at(self, window: int, moment: float) -> bool:
        """Whether `window` was staffed at `moment`: its last change before then was a sign-in or a resume."""
        before = [value for at, number, value in self.changes if number == window and at <= moment]
        return bool(before) and before[-1]


def display_role(url: str) -> str:
    boards = '[[led]]\nport = "fake"\naddress = 0\nmain = true\n'
    boards += "".join(f'[[led]]\nport = "fake"\naddress = {n}\nwindow = {n}\n' for n in WINDOWS)
    return (
        f'core = "{url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n'
        f'[display]\nnotice = "{NOTICE}"\n[screen]\nenabled = false\n{boards}[voice]\n'
    )


@contextmanager
def running_display(url: str, folder: Path, line: TimedLedLine, player: RecordingPlayer) -> Iterator[DisplayApp]:
    file = ConfigFile(folder / "display-1.toml", display_role(url))
    role = read_role(file, "display", read_settings)
    assert role is not None, file.errors
    app = DisplayApp(role, led_lines={"fake": line}, player=player, screen=False)
    app.start()
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: app.live.connected and app.state.scene().loaded, 20)
        yield app
    finally:
        app.stop()
        thread.join(10)
        app.client.close()


class Day:
    """The hall's day, pressed by the test, with everything citizens were shown kept for the checks."""

    def __init__(self, core: CoreProcess, kiosk: Kiosk, display: DisplayApp, voice: RecordingPlayer, folder: Path):
        self.core, self.kiosk, self.display, self.voice, self.folder = core, kiosk, display, voice, folder
        self.line: TimedLedLine = display.lines["fake"]  # type: ignore[assignment]
        self.staffing = Staffing()
        self.callers = {name: CoreClient(core.url, token(name)) for name in set(CALLERS.values())}
        self.anyone = CoreClient(core.url)
        self.calls: list[tuple[str, int]] = []  # (number, window) of every call made
        self.current: dict[int, str] = {}
        self.tickets: list[dict] = []
        self.pictures = 0

    def close(self) -> None:
        for client in [*self.callers.values(), self.anyone]:
            client.close()

    # --- the clerks -----------------------------------------------------------------------------
    def press(self, window: int, action: str, body: dict | None = None) -> dict | None:
        if action in ("sign-out", "pause"):
            self.settled()  # the boards show the window's last state before it leaves
        at = time.monotonic()
        if action in ("sign-out", "pause"):
            self.staffing.set(window, False, at)
        answer = self.callers[CALLERS[window]].act(window, action, body)
        if action in ("sign-in", "resume"):
            self.staffing.set(window, True, at)
        if action == "call" and answer is not None:
            assert window in self.staffing.now
            self.calls.append((answer["number"], window))
            self.current[window] = answer["number"]
        if action in ("finish", "no-show"):
            self.current.pop(window, None)
        return answer

    def arrive(self, *windows: int) -> None:
        for n in windows:
            self.press(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})

    def call(self, window: int) -> str | None:
        if window in self.current:
            self.press(window, "finish")
        answer = self.press(window, "call")
        return answer["number"] if answer else None

    def leave(self, window: int, action: str = "sign-out") -> None:
        """Finish the citizen at the counter, then pause (lunch) or sign out."""
        if window in self.current:
            self.press(window, "finish")
        self.press(window, action)

    # --- the citizens ---------------------------------------------------------------------------
    def take(self, service: str) -> dict:
        """A citizen taps the kiosk: the printed ticket and the screen name a staffed window or none."""
        kiosk = self.kiosk
        kiosk.until(lambda: kiosk.showing == "home" and kiosk.app.target("service", service), what="home")
        kiosk.tap("service", service)
        kiosk.show("result")
        ticket = kiosk.app.shown.ticket
        texts = kiosk.app.flow.layout.texts()
        window = ticket["window"]
        if window is None:
            assert "请留意叫号" in texts and not any(t.startswith("请到") or "无需等候" in t for t in texts), texts
            assert not any(service in WINDOWS[n] for n in self.staffing.now), "shared though a window is staffed"
        else:
            assert window in self.staffing.now and service in WINDOWS[window], (ticket, self.staffing.now)
            assert f"请到 {window}号窗口" in texts
        assert "None" not in "".join(texts)
        self.picture("kiosk", f"{ticket['number']}-{'shared' if window is None else window}", kiosk.app.save_picture)
        self.tickets.append(ticket)
        kiosk.tap("done")
        return ticket

    # --- what the hall shows ----------------------------------------------------------------------
    def settled(self) -> None:
        """Wait until the display shows what the core says now, then check the TV and the boards."""
        hall = self.anyone.hall()
        expected = {w["number"]: shown_state(w) for w in hall["windows"]}
        wait_until(lambda: {w.number: w.state for w in self.display.state.scene().windows} == expected, 20)
        scene = self.display.state.scene()
        assert {w.number: w.state for w in scene.windows} == expected
        for w in scene.windows:
            if w.state in ("idle", "called", "serving"):
                assert w.number in self.staffing.now, f"window {w.number} shown {w.state} with nobody there"
        boards = {n: board_text(expected[n], n, self.current.get(n)) for n in WINDOWS}
        standing = [
            f"请{number}号到{window}号窗口" for number, window in reversed(self.calls) if window in self.staffing.now
        ]
        boards[0] = "  ".join(standing[:3]) or "欢迎光临"  # the main board: the newest calls at staffed windows
        assert wait_until(lambda: all(self.line.boards.get(n) == text for n, text in boards.items()), 20), (
            self.line.boards,
            boards,
        )
        waiting = {s["id"]: s["waiting"] for s in hall["services"]}  # the shared queues counted in
        assert wait_until(lambda: {s.id: s.waiting for s in self.display.state.scene().services} == waiting, 20)

    def tv(self, name: str) -> None:
        """The TV page for what the display shows now, as a PNG; its newest call and last calls name only
        windows someone staffs now."""
        self.settled()
        scene = self.display.state.scene()
        page = Page((1920, 1080), self.display.settings.display)
        shown = scene.calls[: 1 + page.options.calls_shown]
        assert {call.window for call in shown} <= self.staffing.now
        surface = page.render(scene)
        self.picture("tv", name, lambda path: pygame.image.save(surface, str(path)))

    def picture(self, kind: str, name: str, save) -> Path:
        self.pictures += 1
        path = self.folder / kind / f"{self.pictures:02d}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        save(path)
        return path


def shown_state(window: dict) -> str:
    """What the display should show for a window of the core's snapshot."""
    if window["state"] in ("paused", "closed"):
        return window["state"]
    if window["current"]:
        return "serving" if window["current"]["status"] == "serving" else "called"
    return "idle" if window["staffed"] else "unstaffed"


def board_text(state: str, window: int, number: str | None) -> str:
    if state in ("called", "serving"):
        assert number is not None
        return number
    return f"{window}号窗口" if state == "idle" else NOT_SERVING


@pytest.fixture
def day(tmp_path: Path) -> Iterator[Day]:
    hall = tmp_path / "hall.toml"
    hall.write_text(hall_text("zh-Hans"), encoding="utf-8")
    line, player = TimedLedLine(), RecordingPlayer()
    printer = f'type = "fake"\nfolder = "{tmp_path / "tickets"}"'
    with (
        CoreProcess(tmp_path, hall=hall) as core,
        running_kiosk(tmp_path, core.url, printer) as kiosk,
        running_display(core.url, tmp_path, line, player) as display,
    ):
        kiosk.ready()
        the_day = Day(core, kiosk, display, player, tmp_path)
        try:
            yield the_day
        finally:
            the_day.close()


def test_a_real_day_never_sends_a_citizen_to_a_window_nobody_staffs(day, tmp_path):
    # 08:25, the doors open before the clerks sign in: tickets wait in their services' shared queues
    day.tv("before-the-clerks")
    assert all(day.line.boards[n] == NOT_SERVING for n in WINDOWS)
    assert day.kiosk.app.flow.card("general").unstaffed
    early = [day.take("general"), day.take("card")]
    assert [t["window"] for t in early] == [None, None]

    # the clerks arrive one by one; the first staffed window calls the shared tickets first
    day.arrive(1)
    assert day.take("general")["window"] == 1
    assert day.call(1) == early[0]["number"]
    day.arrive(3)
    assert day.call(3) == early[1]["number"]
    day.tv("window-1-and-3")
    day.take("injury")  # nobody at window 5 yet: 请留意叫号
    day.arrive(2, 4, 5)
    for n in (2, 4, 5):
        day.call(n)
    for service in ("general", "general", "card", "general"):
        day.take(service)
    day.tv("morning")

    # 12:00 lunch: each clerk finishes the citizen at the counter, then pauses
    for n in WINDOWS:
        day.leave(n, "pause")
    day.tv("lunch")
    lunch = [day.take("general"), day.take("injury")]
    assert [t["window"] for t in lunch] == [None, None]
    snapshot_command(day, tmp_path)

    # 14:00 back from lunch; window 2's clerk signs out early, the others go on
    for n in WINDOWS:
        day.press(n, "resume")
    for n in (1, 2, 3, 5):
        day.call(n)
    day.tv("afternoon")
    day.leave(2)
    day.tv("window-2-signed-out")
    for service in ("general", "general", "general"):
        assert day.take(service)["window"] != 2
    day.call(1)
    day.tv("late-afternoon")
    check_the_whole_day(day)


def snapshot_command(day: Day, folder: Path) -> None:
    """`onewindow display --snapshot` at lunch: the TV's own renderer, as a process, from the core's snapshot."""
    role = folder / "snapshot.toml"
    role.write_text(
        f'core = "{day.core.url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n'
        f'[display]\nnotice = "{NOTICE}"\n',
        encoding="utf-8",
    )
    out = folder / "tv" / "lunch-by-the-snapshot-command.png"
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
    done = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "display", "--config", str(role), "--snapshot", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert pygame.image.load(str(out)).get_size() == (1920, 1080)


def check_the_whole_day(day: Day) -> None:
    """Everything shown over the day, frame by frame and sound by sound."""
    # every ticket printed, one PNG each; none names a window (checked as each was taken) nor says "None"
    printed = sorted((day.folder / "tickets").glob("*.png"))
    assert len(printed) == len(day.tickets) == 13
    # a window board shows a number or its name only while that window is staffed: the day waits for the boards
    # before each sign-out or pause, so a board still showing the window ready after such a press is a fault
    for at, address, text in day.line.shown:
        if address != 0 and text != NOT_SERVING:
            assert day.staffing.staffed_at(address, at), (address, text)
    # the main board lists the newest calls made, and only at windows staffed when it showed them
    called = {f"请{number}号到{window}号窗口": window for number, window in day.calls}
    for at, address, text in day.line.shown:
        if address == 0 and text != "欢迎光临":
            assert set(text.split("  ")) <= set(called), text
            assert all(day.staffing.staffed_at(called[line], at) for line in text.split("  ")), text
    # the voice announced each call once, each made by a window staffed at the time (checked at the press)
    player = day.voice
    assert wait_until(lambda: day.display.announcer is not None and len(player.played) >= len(day.calls), 20)
    spoken = sorted(tuple(clip for clip in p.clips if clip != "chime") for p in player.played)
    assert spoken == sorted(tuple(announcement_clips("call", number, window)) for number, window in day.calls)
