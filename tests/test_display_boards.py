"""The LED boards of a running display, on a pseudo-terminal standing in for the RS-485 adapter, fed by a real
core: the exact `soh` frames for a call, a pause, the main board's newest calls, the spacing on one line, an
adapter pulled out and put back, and a caller's refused press shown on its window's board for a few seconds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from onewindow.configfile import ConfigFile
from onewindow.display.app import DisplayApp
from onewindow.display.settings import read_settings
from onewindow.drivers.led import FakeLedLine, LedLine, soh
from onewindow.drivers.led.marquee import marquee
from onewindow.drivers.serialport import open_serial
from onewindow.rolefile import read_role
from tests.support.hall import PINS, RunningCore, serve, token
from tests.support.pty_pair import PtyPair, wait_until

WINDOW_NAMES = {n: f"{n}号窗口" for n in range(1, 6)}


def role_text(url: str, port: str, display: str = "", main_width: str = "") -> str:
    boards = f'[[led]]\nport = "{port}"\naddress = 0\nmain = true\n{main_width}\n'
    for n in range(1, 6):
        boards += f'[[led]]\nport = "{port}"\naddress = {n}\nwindow = {n}\n'
    return (
        f'core = "{url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n'
        f"[display]\n{display}\n[screen]\nenabled = false\n{boards}"
    )


@contextmanager
def running(hall: RunningCore, folder: Path, text: str, **options) -> Iterator[DisplayApp]:
    file = ConfigFile(folder / "display-1.toml", text)
    role = read_role(file, "display", read_settings)
    assert role is not None, file.errors
    app = DisplayApp(role, clock=hall.clock, **options)
    thread = threading.Thread(target=app.run, daemon=True)
    app.start()
    thread.start()
    try:
        yield app
    finally:
        app.stop()
        thread.join(10)
        app.client.close()


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[RunningCore]:
    with serve(tmp_path) as running_core:
        yield running_core


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[PtyPair]:
    pair = PtyPair(tmp_path, "hall-led485")
    yield pair
    pair.close()


def opening_frames(*staffed: int) -> list[bytes]:
    """What the boards show once the display has the hall: names over the windows whose clerks signed in,
    暂停服务 over the others (nobody will serve there), then the main board's welcome (window boards go first on
    a shared line)."""
    return [soh.encode(n, idle_text(n, staffed)) for n in range(1, 6)] + [soh.encode(0, "欢迎光临")]


def idle_text(window: int, staffed: tuple[int, ...]) -> str:
    """A window board with nobody at the counter: its name while its clerk is signed in, else 暂停服务."""
    return WINDOW_NAMES[window] if window in staffed else "暂停服务"


def frames_in(received: bytes) -> list[bytes]:
    """The frames on the wire, one by one (01 … 07; neither byte can occur inside a GB2312 text)."""
    out, start = [], received.find(b"\x01")
    while start != -1:
        end = received.find(b"\x07", start)
        if end == -1:
            break
        out.append(received[start : end + 1])
        start = received.find(b"\x01", end)
    return out


def sign_in(hall: RunningCore, *windows: int) -> None:
    with hall.client("caller-1") as caller:
        for n in windows:
            caller.act(n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})


def issue(hall: RunningCore, *services: str) -> None:
    with hall.client("kiosk-1") as kiosk:
        for service in services:
            kiosk.issue(service)


def act(hall: RunningCore, window: int, action: str, body: dict | None = None) -> None:
    with hall.client("caller-1") as caller:
        caller.act(window, action, body)


def test_a_call_puts_the_number_on_its_window_board_and_the_sentence_on_the_main_board(hall, pty, tmp_path):
    sign_in(hall, 1, 2, 3)
    issue(hall, "general", "general", "general")  # A003 goes to window 3
    with running(hall, tmp_path, role_text(hall.url, pty.port)) as app:
        expected = b"".join(opening_frames(1, 2, 3))
        assert pty.wait_for(lambda got: len(got) >= len(expected))
        assert pty.received == expected
        pty.clear()
        act(hall, 3, "call")
        # the called window's board first, then the main board
        expected = soh.encode(3, "A003") + soh.encode(0, "请A003号到3号窗口")
        assert pty.wait_for(lambda got: len(got) >= len(expected))
        assert wait_until(lambda: app.live.snapshot and app.live.snapshot["windows"][2]["current"])
        assert pty.received == expected  # and nothing else, also after the snapshot that follows the call
        assert expected == bytes.fromhex("01 03 41303033 07 01 00 c7eb 41303033 bac5 b5bd 33 bac5 b4b0 bfda 07")


def test_a_paused_window_shows_zanting_fuwu_and_its_name_again_on_resume(hall, pty, tmp_path):
    sign_in(hall, 1)
    issue(hall, "general", "general", "general", "general")
    with running(hall, tmp_path, role_text(hall.url, pty.port)):
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(opening_frames(1))))
        act(hall, 1, "call")
        assert pty.wait_for(lambda got: got.endswith(soh.encode(0, "请A001号到1号窗口")))
        act(hall, 1, "finish")  # a window pauses only once its citizen is dealt with (SPEC §3 Staffing)
        assert pty.wait_for(lambda got: got.endswith(soh.encode(1, "1号窗口")))
        pty.clear()
        act(hall, 1, "pause", {"reason": "meeting"})
        # the main board drops the paused window's call: it would send someone to an empty counter
        paused = soh.encode(1, "暂停服务") + soh.encode(0, "欢迎光临")
        assert pty.wait_for(lambda got: got == paused)
        assert soh.encode(1, "暂停服务") == bytes.fromhex("01 01 d4dd cda3 b7fe cef1 07")
        act(hall, 1, "resume")  # nobody at the window: its board shows the window's name, the old call stays gone
        assert pty.wait_for(lambda got: got == paused + soh.encode(1, "1号窗口"))


def test_the_next_call_replaces_the_number_without_the_windows_name_between(hall, tmp_path):
    # a fake line records every text the display hands it, before any coalescing on the wire
    line = FakeLedLine("fake")
    sign_in(hall, 1, 2, 3)
    issue(hall, "general", "general", "general", "general")  # A001 and A004 wait at window 1
    with running(hall, tmp_path, role_text(hall.url, "fake"), led_lines={"fake": line}) as app:
        assert wait_until(lambda: line.boards.get(0) == "欢迎光临")
        act(hall, 1, "call")
        assert wait_until(lambda: line.boards.get(1) == "A001")
        line.frames.clear()
        act(hall, 1, "call")  # ends A001 and calls A004: two events, one press
        assert wait_until(lambda: line.boards.get(0) == "请A004号到1号窗口  请A001号到1号窗口")
        current = lambda: (app.live.snapshot["windows"][0]["current"] or {}).get("number")  # noqa: E731
        assert wait_until(lambda: current() == "A004")  # and the snapshot after the call changed nothing
        assert line.frames == [soh.encode(1, "A004"), soh.encode(0, "请A004号到1号窗口  请A001号到1号窗口")]
        act(hall, 1, "finish")  # nobody called after it: the window's name, a moment later
        assert wait_until(lambda: line.boards.get(1) == "1号窗口")


def test_the_main_board_shows_the_three_newest_calls_newest_first(hall, pty, tmp_path):
    sign_in(hall, 1, 2, 3)
    issue(hall, "general", "general", "general", "general")
    with running(hall, tmp_path, role_text(hall.url, pty.port)):
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(opening_frames(1, 2, 3))))
        for window in (1, 2, 3):
            act(hall, window, "call")
            hall.clock.advance(5)
        act(hall, 1, "call")  # A004 at window 1
        newest = "请A004号到1号窗口  请A003号到3号窗口  请A002号到2号窗口"
        assert pty.wait_for(lambda got: got.endswith(soh.encode(0, newest)) or soh.encode(0, newest) in got)
        mains = [f for f in frames_in(pty.received) if f[1] == 0]
        # each call went out as it came (a later frame may replace one still waiting for the line)
        assert mains[0] == soh.encode(0, "欢迎光临") and mains[-1] == soh.encode(0, newest)
        assert len(mains) >= 2


def test_frames_on_one_line_keep_the_boards_gap(hall, pty, tmp_path):
    writes: list[tuple[float, float, bytes]] = []

    class TimedPort:
        def __init__(self, port):
            self._port = port

        def write(self, data: bytes) -> int:
            import time

            start = time.monotonic()
            count = self._port.write(data)
            writes.append((start, time.monotonic(), data))
            return count

        def __getattr__(self, name):
            return getattr(self._port, name)

    def open_port(url, baudrate, timeout):
        return TimedPort(open_serial(url, baudrate, timeout))

    line = LedLine(pty.port, 9600, "soh", refresh_s=None, open_port=open_port).start()
    try:
        sign_in(hall, 1, 2, 3)
        issue(hall, "general", "general", "general")
        with running(hall, tmp_path, role_text(hall.url, pty.port), led_lines={pty.port: line}):
            assert wait_until(lambda: len(writes) >= 6)
            for window in (1, 2, 3):
                act(hall, window, "call")  # three calls at once: six frames queue up on one line
            newest = soh.encode(0, "请A003号到3号窗口  请A002号到2号窗口  请A001号到1号窗口")
            assert wait_until(lambda: writes[-1][2] == newest), [w[2] for w in writes]
    finally:
        line.close()
    assert len(writes) >= 8
    for (_, end, data), (start, _, _) in zip(writes, writes[1:], strict=False):
        assert start - end >= 0.05 + len(data) * 10 / 9600  # 50 ms between frames plus the frame's time on the wire


def test_an_adapter_pulled_out_and_put_back_gets_every_board_again(hall, pty, tmp_path):
    sign_in(hall, 1, 2)
    issue(hall, "general", "general")  # A002 goes to window 2
    with running(hall, tmp_path, role_text(hall.url, pty.port)) as app:
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(opening_frames(1, 2))))
        assert app.health()["parts"]["led-1"]["state"] == "ok"
        pty.unplug()
        assert wait_until(lambda: app.health()["parts"]["led-1"]["state"] == "fault", 20)
        report = app.health()
        assert report["ok"] is False and pty.port in report["message"]
        act(hall, 2, "call")  # while the adapter is out: the screen and voice go on, the boards wait
        assert wait_until(lambda: app.calls_heard == 1)
        pty.clear()
        pty.plug()
        assert wait_until(lambda: app.health()["parts"]["led-1"]["state"] == "ok", 20)
        after = [soh.encode(n, "A002" if n == 2 else idle_text(n, (1, 2))) for n in range(1, 6)]
        after.append(soh.encode(0, "请A002号到2号窗口"))
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(after)), 20)
        assert sorted(frames_in(pty.received)) == sorted(after)


def test_a_callers_refused_press_shows_on_its_window_board_for_notice_s(hall, pty, tmp_path):
    sign_in(hall, 1, 2, 3)
    issue(hall, "general", "general", "general")
    text = role_text(hall.url, pty.port, display="notice_s = 1.0")
    with running(hall, tmp_path, text) as app, hall.client("caller-1") as caller:
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(opening_frames(1, 2, 3))))
        caller.act(3, "call")
        assert pty.wait_for(lambda got: got.endswith(soh.encode(0, "请A003号到3号窗口")))
        pty.clear()

        def report(notice: int, message: str, extra: str = "") -> None:
            # the shape the caller process sends for a refused press (see caller/station.py)
            parts: dict[str, dict[str, object]] = {"keypad-3": {"state": "ok", "message": f"keypad ok{extra}"}}
            parts["window-3"] = {"state": "warning", "message": message, "notice": notice}
            caller.report("caller-1", {"ok": True, "message": "caller ok", "parts": parts})

        report(1, "无人等候")
        assert pty.wait_for(lambda got: got == soh.encode(3, "无人等候"))
        # about notice_s later the board shows the window's number again
        assert pty.wait_for(lambda got: got == soh.encode(3, "无人等候") + soh.encode(3, "A003"))
        pty.clear()
        # the same notice in a later report (another detail changed) is not shown again
        report(1, "无人等候", extra=" still")
        report(1, "无人等候", extra=" and still")
        assert wait_until(lambda: app.last_seq >= hall.core.broker.last_seq)  # the display has both reports
        assert app.boards.texts()[(pty.port, 3)] == "A003" and pty.received == b""
        report(2, "请先登录")
        assert pty.wait_for(lambda got: got.startswith(soh.encode(3, "请先登录")))
        assert frames_in(pty.received)[0] == soh.encode(3, "请先登录")


def test_a_main_board_narrower_than_its_text_is_scrolled_by_the_display(hall, pty, tmp_path):
    sign_in(hall, 1, 2, 3)
    issue(hall, "general", "general", "general")
    text = role_text(hall.url, pty.port, display="led_step_s = 0.1", main_width="width = 16")
    with running(hall, tmp_path, text):
        assert pty.wait_for(lambda got: soh.encode(5, "暂停服务") in got)  # nobody signed in at window 5
        act(hall, 3, "call")
        sentence = "请A003号到3号窗口"  # 22 cells on a board 16 wide
        steps = [soh.encode(0, marquee(sentence, 16, k)) for k in range(40)]
        assert pty.wait_for(lambda got: sum(f in steps for f in frames_in(got)) >= 4, 20)
    shown = [steps.index(f) for f in frames_in(pty.received) if f in steps]
    assert shown[0] == 0 and shown == sorted(shown) and len(set(shown)) == len(shown)  # one way, step by step


def test_a_board_over_a_window_its_clerk_left_says_zanting_fuwu_never_its_name(hall, tmp_path):
    line = FakeLedLine("fake")
    sign_in(hall, 1, 2)
    issue(hall, "general", "general")
    with running(hall, tmp_path, role_text(hall.url, "fake"), led_lines={"fake": line}):
        assert wait_until(lambda: line.boards.get(0) == "欢迎光临")
        assert [line.boards[n] for n in range(1, 6)] == ["1号窗口", "2号窗口", "暂停服务", "暂停服务", "暂停服务"]
        act(hall, 1, "call")
        act(hall, 2, "call")
        assert wait_until(lambda: line.boards.get(0) == "请A002号到2号窗口  请A001号到1号窗口")
        act(hall, 2, "finish")
        act(hall, 2, "sign-out")
        assert wait_until(lambda: line.boards.get(2) == "暂停服务")
        # the main board no longer sends anyone to window 2: its last call went with its clerk
        assert wait_until(lambda: line.boards.get(0) == "请A001号到1号窗口")
        sign_in(hall, 3)  # the next clerk arrives: that window's name, ready for its first citizen
        assert wait_until(lambda: line.boards.get(3) == "3号窗口")
    # a role file's own words for a window nobody serves are those of a closed one
    line = FakeLedLine("fake")
    text = role_text(hall.url, "fake", display='led_closed = "{name} 未开放"')
    with running(hall, tmp_path, text, led_lines={"fake": line}):
        assert wait_until(lambda: line.boards.get(2) == "2号窗口 未开放")
        assert line.boards[1] == "A001" and line.boards[3] == "3号窗口"
