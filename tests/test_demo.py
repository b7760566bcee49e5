"""`onewindow demo`: the whole hall as processes (core, kiosk, display) with simulated citizens and clerks.

The parts first (the LED line's frames, the role files written from the example ones, the folder it may wipe,
the simulated clerks against a real core), then the command itself run as a process: tickets issued, called,
printed and rated, pictures of the kiosk and the TV, frames on the LED line, a clean stop on SIGINT and on
SIGTERM with no process left behind, and a fresh day on the second run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from onewindow.client import CoreClient, CoreRefused, Event, EventFollower
from onewindow.configfile import ConfigFile
from onewindow.demo import main as demo
from onewindow.demo.devices import (
    LedRecorder,
    SohReader,
    board_names,
    display_role,
    kiosk_role,
    read_example,
    toml_text,
)
from onewindow.demo.people import Clerks, Desk, Habits, Pace, Timeline
from onewindow.drivers.led import LedLine
from onewindow.drivers.led.soh import encode
from onewindow.hallfile import load_hall
from onewindow.rolefile import check_against_hall, read_role
from onewindow.roles import reader_of
from tests.support.hall import PINS, serve
from tests.support.process import free_port

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_HALL = ROOT / "config" / "examples" / "hall.toml"
ARTIFACTS = ROOT / "tests" / "artifacts" / "demo"


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {seconds:g} s: {what}")
        time.sleep(0.1)


# --- the LED line ---------------------------------------------------------------------------------------


def test_soh_frames_are_read_back_byte_for_byte():
    reader = SohReader()
    assert reader.feed(bytes.fromhex("01034130303107")) == [(3, "A001")]
    # a frame split over reads, noise before it, and two frames in one read
    assert reader.feed(b"\xff\x00" + encode(0, "请 A001 号到 3号窗口")[:5]) == []
    assert reader.feed(encode(0, "请 A001 号到 3号窗口")[5:] + encode(18, "暂停服务") + encode(4, "")) == [
        (0, "请 A001 号到 3号窗口"),
        (18, "暂停服务"),
        (4, ""),
    ]
    # a frame broken off by the next start is dropped, like a board waiting for the next 01; addresses 1 and 7
    # are the frame's own bytes but never end or start one
    assert reader.feed(b"\x01\x05broken" + encode(7, "A123") + encode(1, "B1")) == [(7, "A123"), (1, "B1")]
    assert reader.feed(b"\x01\x05" + b"x" * 600) == [] and reader.feed(encode(3, "C3")) == [(3, "C3")]


def test_the_recorder_keeps_what_the_display_line_sends(tmp_path):
    recorder = LedRecorder(tmp_path, {0: "main board", 3: "window 3"}).start()
    line = LedLine(recorder.url, gap_s=0.01).start()
    try:
        line.show(3, "A001")
        line.show(0, "请A001号到3号窗口")
        wait_until(lambda: recorder.boards.get(0) == "请A001号到3号窗口", 10, "the main board's frame")
    finally:
        line.close()
        recorder.stop()
    assert recorder.boards == {3: "A001", 0: "请A001号到3号窗口"}
    log = (tmp_path / "frames.log").read_text(encoding="utf-8").splitlines()
    assert [line.split(maxsplit=1)[1] for line in log] == ["window 3       A001", "main board     请A001号到3号窗口"]
    assert (tmp_path / "boards.txt").read_text(encoding="utf-8").splitlines() == [
        "main board     请A001号到3号窗口",
        "window 3       A001",
    ]


# --- role files -----------------------------------------------------------------------------------------


def test_role_files_from_the_examples_pass_check_config(tmp_path):
    hall = load_hall(EXAMPLE_HALL)
    display = display_role(read_example("display-1"), "http://127.0.0.1:9", "socket://127.0.0.1:7", voice=False)
    kiosk = kiosk_role(read_example("kiosk-1"), "http://127.0.0.1:9", tmp_path / "printer", screen=True)
    for name, document, role in (("display-1", display, "display"), ("kiosk-1", kiosk, "kiosk")):
        text = toml_text(document, "written by a test")
        assert tomllib.loads(text) == document  # nothing lost on the way to TOML
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        file = ConfigFile(path)
        config = read_role(file, role, reader_of(role))
        assert config is not None, file.errors
        check_against_hall(file, config, hall)
        assert file.errors == []
    assert {b["port"] for b in display["led"]} == {"socket://127.0.0.1:7"} and len(display["led"]) == 27
    assert display["voice"]["enabled"] is False and display["screen"]["fullscreen"] is False
    assert kiosk["printer"] == {"type": "fake", "folder": str(tmp_path / "printer"), "mode": "raster", "dots": 576}
    assert kiosk["kiosk"]["ticket_url"] == "{core}/t/{id}"  # the QR code points at this machine's core
    assert board_names(display)[0] == "main board" and board_names(display)[18] == "window 18"


def test_toml_text_quotes_what_needs_quoting():
    document = {"a": 'say "hi"\n', "b.c": [1, 2.5, True], "t": {"x": {"y": 1}}, "p": [{"q": [{"r": 1}]}]}
    assert tomllib.loads(toml_text(document)) == {**document, "p": [{"q": [{"r": 1}]}]}


# --- the folder and the port ----------------------------------------------------------------------------


def test_only_a_folder_the_demo_made_is_wiped(tmp_path):
    mine = tmp_path / "demo"
    demo.prepare(mine)
    (mine / "printers" / "kiosk-2" / "1.png").parent.mkdir(parents=True)
    (mine / "printers" / "kiosk-2" / "1.png").write_bytes(b"old ticket")
    demo.prepare(mine)
    assert not (mine / "printers" / "kiosk-2").exists() and (mine / demo.MARKER).exists()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("years of work")
    with pytest.raises(OSError, match="did not write"):
        demo.prepare(theirs)
    assert (theirs / "thesis.tex").exists()


def test_a_taken_port_is_replaced_by_a_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        other = demo.choose_port("127.0.0.1", port)
    assert other != port and 0 < other < 65536
    free = free_port()
    assert demo.choose_port("127.0.0.1", free) == free


def test_old_tickets_are_pruned_newest_kept(tmp_path):
    for n in range(1, 8):
        (tmp_path / f"{n}.bin").write_bytes(b"x")
        (tmp_path / f"{n}.png").write_bytes(b"x")
    demo.prune([tmp_path], keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["5.bin", "5.png", "6.bin", "6.png", "7.bin", "7.png"]


# --- the simulated clerks against a real core -----------------------------------------------------------


def test_simulated_clerks_work_every_key_through_the_api(tmp_path):
    """Five windows, forty tickets: the clerks sign in, call, recall, start, finish, give up on no-shows,
    transfer, pause and resume, and citizens rate; all through the callers' and evaluators' tokens."""
    habits = Habits(
        sign_in_within_s=10,
        react_s=(1, 2),
        idle_look_s=5,
        walk_s=(1, 3),
        no_show=0.15,
        recalled=0.15,
        recall_after_s=(1, 2),
        handling_cv=0.5,
        transfer=0.2,
        rated=0.8,
        rate_after_s=(1, 2),
        next_call_s=(1, 2),
        break_after=0.15,
        break_s=(30, 60),
        paused_at_most=0.5,
    )
    events: list[Event] = []
    with serve(tmp_path, recall_limit=3) as hall:
        clients = {
            name: hall.client(name) for name in ("kiosk-1", "caller-1", "caller-4", "caller-5", "eval-1", "eval-4")
        }
        clients["anyone"] = hall.client()
        for n in range(40):
            clients["kiosk-1"].issue(["general", "general", "card", "general", "injury"][n % 5])
        caller = {1: "caller-1", 2: "caller-1", 3: "caller-1", 4: "caller-4", 5: "caller-5"}
        evaluator = {1: "eval-1", 2: "eval-1", 3: "eval-1", 4: "eval-4"}
        desks = [
            Desk(
                w.number,
                f"c{w.number:02d}",
                w.services,
                clients[caller[w.number]],
                clients[evaluator[w.number]] if w.number in evaluator else None,
                PINS[f"c{w.number:02d}"],
            )
            for w in hall.config.windows
        ]
        stop = threading.Event()
        timeline = Timeline(stop).start()
        clerks = Clerks(desks, hall.config, timeline, Pace(2000.0), clients["anyone"].hall, {}, seed=5, habits=habits)

        def heard(event: Event) -> None:
            events.append(event)
            clerks.news(event)

        follower = EventFollower(hall.url, heard, last_id=0).start()
        clerks.start()

        def ended() -> bool:
            kinds = Counter(e.type for e in list(events))
            return kinds["ticket.finished"] + kinds["ticket.no_show"] >= 40

        try:
            wait_until(ended, 120, "every ticket finished or given up")
        finally:
            stop.set()
            timeline.join()
            follower.stop()
            for client in clients.values():
                client.close()
        kinds = Counter(e.type for e in events)
    for kind in (
        "window.signed_in",
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.transferred",
        "window.paused",
        "window.resumed",
        "rating.recorded",
    ):
        assert kinds[kind] > 0, (kind, kinds)
    assert kinds["window.signed_in"] == 5
    # a no-show comes after two recalls, and nobody is recalled beyond the hall's limit
    recalls = Counter(e.data["number"] for e in events if e.type == "ticket.recalled")
    for e in events:
        if e.type == "ticket.no_show":
            assert recalls[e.data["number"]] >= 2
    assert max(recalls.values()) <= 3
    # the injury window never paused: it is the only one for its business
    assert all(e.data["window"] != 5 for e in events if e.type == "window.paused")


def test_a_window_a_person_signs_in_at_is_left_to_them(tmp_path):
    events: list[Event] = []
    with serve(tmp_path) as hall:
        caller, anyone, kiosk = hall.client("caller-1"), hall.client(), hall.client("kiosk-1")
        desk = Desk(1, "c01", ("general",), caller, None, PINS["c01"])
        stop = threading.Event()
        timeline = Timeline(stop).start()
        clerks = Clerks(
            [desk], hall.config, timeline, Pace(2000.0), anyone.hall, {}, habits=Habits(sign_in_within_s=10)
        )

        def heard(event: Event) -> None:
            events.append(event)
            clerks.news(event)

        follower = EventFollower(hall.url, heard, last_id=0).start()
        try:
            clerks.start()
            wait_until(lambda: desk.state == "idle", 30, "the simulated clerk signed in")
            caller.act(1, "sign-in", {"clerk": "c02", "pin": PINS["c02"]})  # a person at window 1's keypad
            wait_until(lambda: desk.state == "gone", 30, "the simulated clerk left")
            kiosk.issue("general")
            wait_until(lambda: any(e.type == "ticket.issued" for e in events), 30, "the ticket's event")
            time.sleep(0.5)  # 1000 hall seconds: a simulated clerk would have called long since
        finally:
            stop.set()
            timeline.join()
            follower.stop()
            for client in (caller, anyone, kiosk):
                client.close()
    assert not [e for e in events if e.type == "ticket.called"]
    assert [e.data["clerk"] for e in events if e.type == "window.signed_in"] == ["c01", "c02"]


# --- the command ----------------------------------------------------------------------------------------


class DemoRun:
    """`onewindow demo` as a process, its output collected as it comes."""

    def __init__(self, var: Path, port: int, *extra: str):
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env["SDL_AUDIODRIVER"] = "dummy"  # the voice plays, silently, on any machine
        command = [sys.executable, "-m", "onewindow.cli", "demo", "--var", str(var), "--port", str(port)]
        command += ["--no-screen", "--seed", "1", "--status-every", "5", *extra]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def line(self, start: str) -> str | None:
        return next((line.strip() for line in list(self.out) if line.strip().startswith(start)), None)

    def children(self) -> list[int]:
        """The demo's processes now, from /proc (children and their children)."""
        parents = {self.process.pid}
        found: list[int] = []
        for _ in range(3):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit() or int(entry.name) in found:
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) in parents:
                    found.append(int(entry.name))
                    parents.add(int(entry.name))
        return found

    def stop(self, sig: int, timeout: float = 90) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        for t in self._threads:
            t.join(timeout=5)
        return code

    def kill(self) -> None:
        """Whatever happened: the process gone and its pipes closed."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for t in self._threads:
            t.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_demo_runs_the_hall_stops_cleanly_and_starts_a_fresh_day(tmp_path):
    var = tmp_path / "demo"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = DemoRun(var, port, "--speed", "40", "--snapshot-every", "2", "--for", "600")
    events: list[Event] = []
    follower: EventFollower | None = None
    try:
        first = wait_until(lambda: run.line("first ticket"), 90, f"a first ticket: {run.out} {run.err}")
        assert run.line("soft caller").startswith(f"soft caller     {url}/caller  window 18, clerk c18, PIN 1234")
        assert run.line("manager").startswith(f"manager         {url}/manage")
        follower = EventFollower(url, events.append, last_id=0).start()

        def seen(kind: str) -> int:
            return sum(1 for e in list(events) if e.type == kind)

        wait_until(
            lambda: all(seen(k) for k in ("ticket.issued", "ticket.called", "ticket.finished", "rating.recorded")),
            120,
            "tickets issued, called, finished and rated",
        )
        printed = wait_until(
            lambda: sorted((var / "printers").glob("kiosk-*/*.png")), 30, "printed tickets in the fake printers"
        )
        pictures = {
            name: wait_until(lambda name=name: (var / "snapshots" / name).exists(), 60, name)
            and var / "snapshots" / name
            for name in ("tv.png", "kiosk.png", "hall.png")
        }
        frames = wait_until(
            lambda: (var / "led" / "frames.log").exists() and (var / "led" / "frames.log").read_text("utf-8"),
            30,
            "LED frames",
        )
        kiosk_screens = sorted((var / "snapshots" / "kiosk-1").glob("*-home.png"))
        children = run.children()
        status = wait_until(lambda: run.line("0m05s") or run.line("0m10s"), 30, "a status line")
        code = run.stop(signal.SIGINT)
    finally:
        if follower is not None:
            follower.stop()
        run.kill()
    # the core said so: tickets issued and called, the first one A001 at the first kiosk the citizens use
    issued = [e for e in events if e.type == "ticket.issued"]
    # (with two kiosks printing side by side, the first ticket out of a printer may be the second one issued)
    assert issued[0].data["number"] == "A001"
    # (issued before the first clerk signed in, it waits in its service's shared queue)
    assert re.fullmatch(rf"first ticket    [A-E]00[12] (for window \d+|in the shared queue): {url}/t/\S+", first)
    called = [e for e in events if e.type == "ticket.called"]
    assert called and all(e.data["window"] != 18 for e in called)  # window 18 is left to the person watching
    assert any(e.type == "window.paused" and e.data["window"] == 18 for e in events)
    # what the printers printed: ticket PNGs 576 dots wide (80 mm)
    with Image.open(printed[0]) as ticket:
        assert ticket.width == 576 and ticket.height > 400
    # the pictures of the TV and the kiosk, and the kiosk's own screenshot of its home screen
    with Image.open(pictures["tv.png"]) as tv, Image.open(pictures["kiosk.png"]) as kiosk:
        assert tv.size == (1920, 1080) and kiosk.size == (1080, 1920)
    assert kiosk_screens
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in (*pictures.values(), printed[-1]):
        shutil.copy(path, ARTIFACTS / f"run-{path.name}")
    # the LED line carried the calls: a window board with a called number, the main board with a call
    assert any(f"window {e.data['window']:<7} {e.data['number']}" in frames for e in called)
    assert "main board     请" in frames
    assert "issued" in status and "called" in status
    # stopped on SIGINT: exit 0, no traceback anywhere, no process left
    assert code == 0, run.err
    assert not [line for line in run.err if line.strip()], run.err
    assert run.out[-1].startswith("onewindow demo: stopped after")
    assert len(children) >= 3  # core, kiosk, display (and a TV snapshot now and then)
    assert not [pid for pid in children if alive(pid)]
    for log in (var / "logs").glob("*.log"):
        assert "Traceback" not in log.read_text("utf-8", errors="replace"), log
    first_id = first.rsplit("/t/", 1)[1]

    # a second run in the same folder is a fresh day: A001 again, the old ticket unknown, old tickets gone
    second_started = time.time() - 1
    again = DemoRun(var, port, "--speed", "40", "--snapshot-every", "0", "--for", "600")
    events.clear()
    follower = None
    try:
        second = wait_until(lambda: again.line("first ticket"), 90, f"a first ticket again: {again.out} {again.err}")
        follower = EventFollower(url, events.append, last_id=0).start()
        wait_until(lambda: [e for e in list(events) if e.type == "ticket.issued"], 30, "the day's tickets")
        assert [e for e in events if e.type == "ticket.issued"][0].data["number"] == "A001"
        with CoreClient(url) as phone:
            with pytest.raises(CoreRefused) as refused:
                phone.ticket(first_id)
            assert refused.value.status == 404
            number = second.split()[2]
            assert phone.ticket(second.rsplit("/t/", 1)[1])["number"] == number and number.endswith(("001", "002"))
        assert not (var / "snapshots" / "tv.png").exists()
        assert all(p.stat().st_mtime >= second_started for p in (var / "printers").glob("kiosk-*/*.png"))
        children = again.children()
        code = again.stop(signal.SIGTERM)
    finally:
        if follower is not None:
            follower.stop()
        again.kill()
    assert code == 0, again.err
    assert not [pid for pid in children if alive(pid)]


def test_demo_explains_itself_and_refuses_bad_input(tmp_path):
    result = subprocess.run([sys.executable, "-m", "onewindow.cli", "demo", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: onewindow demo" in result.stdout and "--speed" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "demo", "--speed", "0", "--var", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "0.1 to 100" in bad.stderr
    assert demo.main(["--var", str(tmp_path / "x"), "--your-window", "99"]) == 1
