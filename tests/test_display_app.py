"""The display as a whole: losing the core and catching up (every missed call shown, only recent ones spoken),
the screen while the core is away, the health report, and the `onewindow display` command with `--snapshot`."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from onewindow.configfile import ConfigFile  # noqa: E402
from onewindow.display.app import DisplayApp  # noqa: E402
from onewindow.display.page import AWAY  # noqa: E402
from onewindow.display.settings import read_settings  # noqa: E402
from onewindow.drivers.voice import RecordingPlayer  # noqa: E402
from onewindow.rolefile import read_role  # noqa: E402
from tests.support.hall import PINS, RunningCore, serve, token  # noqa: E402
from tests.support.pty_pair import wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts" / "display"
SKEW = -3600.0  # the display's clock runs an hour behind the core's: times must come from the hall


class Cable:
    """A TCP relay between the display and the core that a test can pull out (connections dropped, new ones
    closed at once) and plug back in, while the core goes on serving everyone else."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connected = True
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.connected:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def pull(self) -> None:
        self.connected = False
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def plug(self) -> None:
        self.connected = True

    def close(self) -> None:
        self.pull()
        self.server.close()


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[RunningCore]:
    with serve(tmp_path) as running_core:
        yield running_core


def role_text(url: str, extra: str = "") -> str:
    return f'core = "{url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n{extra}'


@contextmanager
def running(hall: RunningCore, folder: Path, text: str, **options) -> Iterator[DisplayApp]:
    file = ConfigFile(folder / "display-1.toml", text)
    role = read_role(file, "display", read_settings)
    assert role is not None, file.errors
    options.setdefault("clock", lambda: hall.clock() + SKEW)
    app = DisplayApp(role, **options)
    thread = threading.Thread(target=app.run, daemon=True)
    app.start()
    thread.start()
    try:
        assert wait_until(lambda: app.live.connected and app.state.scene().loaded, 20)
        yield app
    finally:
        app.stop()
        thread.join(10)
        app.client.close()


def act(hall: RunningCore, window: int, action: str, body: dict | None = None) -> None:
    with hall.client("caller-1") as caller:
        caller.act(window, action, body)


def open_windows(hall: RunningCore, *windows: int, tickets: int = 6) -> None:
    for n in windows:
        act(hall, n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})
    with hall.client("kiosk-1") as kiosk:
        for _ in range(tickets):
            kiosk.issue("general")


def spoken_numbers(player: RecordingPlayer) -> list[str]:
    return ["".join(p.clips[p.clips.index("qing") + 1 : p.clips.index("hao")]) for p in player.played]


def test_calls_made_while_the_display_was_away_are_shown_and_only_recent_ones_spoken(hall, tmp_path):
    open_windows(hall, 1, 2, 3)
    cable = Cable(int(hall.url.rsplit(":", 1)[1]))
    player = RecordingPlayer()
    try:
        with running(
            hall, tmp_path, role_text(cable.url, "[screen]\nenabled = false\n[voice]\n"), player=player
        ) as app:
            act(hall, 1, "call")
            assert wait_until(lambda: app.announcer is not None and app.announcer.spoken == 1, 20)
            cable.pull()
            assert wait_until(lambda: not app.state.scene().connected, 20)
            assert app.health()["parts"]["events"]["state"] == "warning"
            act(hall, 2, "call")  # A002, while the display cannot hear
            hall.clock.advance(60)
            act(hall, 3, "call")  # A003, a minute later
            hall.clock.advance(1)
            cable.plug()
            assert wait_until(lambda: app.calls_heard == 3, 30)
            assert wait_until(lambda: app.announcer.spoken == 2 and app.announcer.stale == 1, 20)
            scene = app.state.scene()
            assert scene.connected
            assert [c.number for c in scene.calls] == ["A003", "A002", "A001"]
            assert [(w.number, w.ticket) for w in scene.windows[:3]] == [(1, "A001"), (2, "A002"), (3, "A003")]
            assert [c.fresh for c in scene.calls] == [True, False, True]  # A002 does not flash either
    finally:
        cable.close()
    assert spoken_numbers(player) == ["A001", "A003"]


def test_the_screen_follows_the_calls_and_marks_the_core_away(hall, tmp_path):
    open_windows(hall, 1, 2)
    cable = Cable(int(hall.url.rsplit(":", 1)[1]))
    text = role_text(cable.url, '[display]\nnotice = "请携带身份证"\n[screen]\nfullscreen = false\nsize = "1280x720"\n')
    try:
        with running(hall, tmp_path, text) as app:
            act(hall, 2, "call")
            assert wait_until(lambda: app.calls_heard == 1, 20)
            version = app.state.version
            assert wait_until(lambda: app.screen.presented_version >= version, 20)
            screen = app.screen.surface.copy()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            pygame.image.save(screen, str(ARTIFACTS / "running-call-1280x720.png"))
            assert app.health()["parts"]["screen"]["state"] == "ok"
            cable.pull()
            assert wait_until(lambda: not app.state.scene().connected, 20)
            version = app.state.version
            assert wait_until(lambda: app.screen.presented_version >= version, 20)
            away = app.screen.surface.copy()
            pygame.image.save(away, str(ARTIFACTS / "running-away-1280x720.png"))
            assert away.get_at((640, 3))[:3] == AWAY and screen.get_at((640, 3))[:3] != AWAY
            cable.plug()
            assert wait_until(lambda: app.state.scene().connected, 30)
            version = app.state.version
            assert wait_until(lambda: app.screen.presented_version >= version, 20)
            assert app.screen.surface.get_at((640, 3))[:3] != AWAY
    finally:
        cable.close()


def test_the_display_reports_its_health_to_the_core(hall, tmp_path):
    text = role_text(
        hall.url, f'[screen]\nenabled = false\n[[led]]\nport = "{tmp_path / "gone"}"\naddress = 0\nmain = true\n'
    )
    with running(hall, tmp_path, text, heartbeat_s=0.2, player=RecordingPlayer()):

        def reported() -> dict:
            return hall.core.read(lambda h: h.devices["display-1"].status) or {}

        def part(name: str) -> str | None:
            return reported().get("parts", {}).get(name, {}).get("state")

        # reports follow each other every 0.2 s: the first may be from before the event stream was up
        assert wait_until(lambda: part("led-1") == "fault" and part("events") == "ok", 20), reported()
        status = reported()
        assert status["ok"] is False and "gone" in status["message"]
        assert status["parts"]["events"]["state"] == "ok"
        assert status["parts"]["led-1"]["port"] == str(tmp_path / "gone")
        assert "voice" not in status["parts"] and "screen" not in status["parts"]  # no [voice], no screen


def run_display(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "display", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env or {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"},
    )


def test_snapshot_writes_the_page_for_the_halls_current_state(hall, tmp_path):
    open_windows(hall, 1, 2, 3)
    act(hall, 1, "call")
    act(hall, 2, "pause")
    role = tmp_path / "display-1.toml"
    role.write_text(role_text(hall.url, '[display]\nnotice = "请携带身份证"\n'), encoding="utf-8")
    done = run_display("--config", str(role), "--snapshot", str(tmp_path / "page.png"))
    assert done.returncode == 0, done.stderr
    assert "page.png" in done.stdout and "测试大厅" in done.stdout
    picture = pygame.image.load(str(tmp_path / "page.png"))
    assert picture.get_size() == (1920, 1080)
    done = run_display("--config", str(role), "--snapshot", str(tmp_path / "portrait.png"), "--size", "1080x1920")
    assert done.returncode == 0, done.stderr
    assert pygame.image.load(str(tmp_path / "portrait.png")).get_size() == (1080, 1920)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pygame.image.save(picture, str(ARTIFACTS / "snapshot-command.png"))


def test_snapshot_without_the_core_says_so_and_exits_1(tmp_path):
    role = tmp_path / "display-1.toml"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    role.write_text(role_text(f"http://127.0.0.1:{port}"), encoding="utf-8")
    done = run_display("--config", str(role), "--snapshot", str(tmp_path / "page.png"))
    assert done.returncode == 1
    assert "cannot take a snapshot" in done.stderr and "connection refused" in done.stderr
    assert not (tmp_path / "page.png").exists()


def test_an_invalid_role_file_is_refused_with_every_error(tmp_path):
    role = tmp_path / "display-1.toml"
    role.write_text(role_text("http://127.0.0.1:8080", "[display]\nflash_s = 100\n[screen]\nrotate = 45\n"))
    done = run_display("--config", str(role))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "display-1.toml:5 [display]: flash_s: 100 is too large (allowed: 0.0 to 60.0)",
        "display-1.toml:7 [screen]: rotate: 45 is not allowed (allowed: 0, 90, 180, 270)",
        "onewindow display: refusing to start with an invalid configuration",
    ]


def test_help_and_config_checks_need_no_screen_serial_or_sound_libraries():
    code = (
        "import sys\n"
        "from onewindow.display import main\n"
        "from onewindow.configfile import ConfigFile\n"
        "from onewindow.display.settings import read_settings\n"
        "from onewindow.rolefile import read_role\n"
        "file = ConfigFile('config/examples/display-1.toml')\n"
        "assert read_role(file, 'display', read_settings) is not None, file.errors\n"
        "try:\n"
        "    main.main(['--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0\n"
        "print(sorted(m for m in ('pygame', 'serial', 'evdev', 'escpos') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "usage: onewindow display" in done.stdout and "--snapshot FILE.png" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_without_a_screen_to_open_the_boards_and_the_report_go_on(hall, tmp_path):
    from onewindow.drivers.led import soh
    from tests.support.pty_pair import PtyPair

    open_windows(hall, 1)
    pty = PtyPair(tmp_path, "hall-led485")
    role = tmp_path / "display-1.toml"
    role.write_text(
        role_text(hall.url, f'[screen]\nfullscreen = true\n[[led]]\nport = "{pty.port}"\naddress = 1\nwindow = 1\n'),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(SDL_VIDEODRIVER="no-such-driver", SDL_AUDIODRIVER="dummy")
    log = tmp_path / "display.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "onewindow.cli", "display", "--config", str(role)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    try:
        assert pty.wait_for(lambda got: soh.encode(1, "1号窗口") in got, 60), log.read_text()
        act(hall, 1, "call")
        assert pty.wait_for(lambda got: soh.encode(1, "A001") in got, 30), log.read_text()

        def screen_part() -> dict:
            status = hall.core.read(lambda h: h.devices["display-1"].status) or {}
            return status.get("parts", {}).get("screen", {})

        assert wait_until(lambda: screen_part().get("state") == "fault", 30), log.read_text()
        assert "cannot open the screen" in screen_part()["message"]
    finally:
        process.terminate()
        status = process.wait(timeout=30)
        pty.close()
    assert status == 0, log.read_text()
    problems = [line for line in log.read_text().splitlines() if "cannot open the screen" in line]
    assert len(problems) == 1, log.read_text()


def test_a_screen_that_would_not_open_is_tried_again_quietly(hall, tmp_path, monkeypatch, caplog):
    import logging

    import onewindow.drivers.screen as screen_driver
    from onewindow.display.screen import Screen

    monkeypatch.setattr(screen_driver, "RETRY_S", 0.05)

    class TvSwitchedOnLater(Screen):
        tries = 0

        def open(self) -> Screen:
            TvSwitchedOnLater.tries += 1
            if TvSwitchedOnLater.tries <= 3:
                raise pygame.error("No available displays")
            return super().open()

    file = ConfigFile(
        tmp_path / "display-1.toml", role_text(hall.url, '[screen]\nfullscreen = false\nsize = "640x360"\n')
    )
    role = read_role(file, "display", read_settings)
    assert role is not None
    app = DisplayApp(role, clock=lambda: hall.clock() + SKEW)
    app.screen = TvSwitchedOnLater(role.settings.screen, role.settings.display)
    thread = threading.Thread(target=app.run, daemon=True)
    with caplog.at_level(logging.INFO, logger="onewindow.display.app"):
        app.start()
        thread.start()
        try:
            assert wait_until(lambda: app.screen.opened and app.screen.frames > 0, 20)
            assert app.health()["parts"]["screen"]["state"] == "ok"
        finally:
            app.stop()
            thread.join(10)
            app.client.close()
    messages = [r.getMessage() for r in caplog.records if "screen" in r.getMessage()]
    assert TvSwitchedOnLater.tries == 4
    assert messages[0].startswith("cannot open the screen (No available displays)")
    assert [m for m in messages if m.startswith("cannot open")] == messages[:1] and "screen open again" in messages
