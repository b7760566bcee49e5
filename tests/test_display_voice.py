"""The voice of a running display, fed by a real core: the clips of each kind of announcement, in order and never
overlapping when windows call faster than speech, and once through `onewindow display` itself with SDL's disk
audio driver, whose output file must hold each announcement whole, in order."""

from __future__ import annotations

import array
import math
import os
import signal
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from onewindow.configfile import ConfigFile
from onewindow.display.app import DisplayApp
from onewindow.display.settings import read_settings
from onewindow.drivers.voice import ClipSet, RecordingPlayer, VirtualClock, announcement_clips, clip_names, pauses
from onewindow.hallfile import load_hall
from onewindow.rolefile import read_role
from tests.support.hall import PINS, RunningCore, hall_toml, serve, token
from tests.support.pty_pair import wait_until

ROOT = Path(__file__).resolve().parents[1]


def role_text(url: str, voice: str = "") -> str:
    return (
        f'core = "{url}"\ndevice = "display-1"\ntoken = "{token("display-1")}"\n'
        f"[screen]\nenabled = false\n[voice]\n{voice}\n"
    )


@contextmanager
def running(hall: RunningCore, folder: Path, text: str, **options) -> Iterator[DisplayApp]:
    file = ConfigFile(folder / "display-1.toml", text)
    role = read_role(file, "display", read_settings)
    assert role is not None, file.errors
    options.setdefault("clock", hall.clock)
    app = DisplayApp(role, **options)
    thread = threading.Thread(target=app.run, daemon=True)
    app.start()
    thread.start()
    try:
        assert wait_until(lambda: app.announcer is not None and app.live.connected, 20)
        yield app
    finally:
        app.stop()
        thread.join(10)
        app.client.close()


def hall_in(folder: Path, locale: str) -> RunningCore:
    text = hall_toml().replace('locale = "zh-Hans"', f'locale = "{locale}"')
    (folder / "hall.toml").write_text(text, encoding="utf-8")
    return serve(folder, config=load_hall(folder / "hall.toml"))  # type: ignore[return-value]


def caller_of(window: int) -> str:
    return "caller-1" if window <= 3 else f"caller-{window}"


def open_windows(hall: RunningCore, *windows: int, tickets: int = 6) -> None:
    for n in windows:
        act(hall, n, "sign-in", {"clerk": f"c0{n}", "pin": PINS[f"c0{n}"]})
    with hall.client("kiosk-1") as kiosk:
        for _ in range(tickets):
            kiosk.issue("general")


def act(hall: RunningCore, window: int, action: str, body: dict | None = None) -> None:
    with hall.client(caller_of(window)) as caller:
        caller.act(window, action, body)


@pytest.mark.parametrize(
    ("locale", "recall_clip"), [("zh-Hans", "zaici_hujiao"), ("zh-Hant", "zaici_hujiao"), ("en", "calling_again")]
)
def test_each_call_and_recall_is_spoken_with_its_clips_and_repeats(tmp_path, locale, recall_clip):
    player = RecordingPlayer()
    with hall_in(tmp_path, locale) as hall:
        open_windows(hall, 1, 2, 3)
        with running(hall, tmp_path, role_text(hall.url, "repeat = 2\nvolume = 0.6"), player=player) as app:
            act(hall, 3, "call")  # A003 at window 3
            act(hall, 3, "recall")
            assert wait_until(lambda: app.announcer.spoken == 2, 30)
    call = announcement_clips("call", "A003", 3, locale, chime=True)
    recall = announcement_clips("recall", "A003", 3, locale, chime=True)
    assert [list(p.clips) for p in player.played] == [call, call[1:], recall, recall[1:]]
    assert recall[1] == recall_clip and [p.volume for p in player.played] == [0.6] * 4
    if locale != "en":
        assert call == ["chime", "qing", "A", "0", "0", "3", "hao", "dao", "3", "hao_chuangkou", "banli"]
    else:
        assert call == ["chime", "number", "A", "0", "0", "3", "please_go_to_window", "3"]


def test_window_numbers_are_read_as_numbers(tmp_path):
    player = RecordingPlayer()
    with serve(tmp_path) as hall:
        open_windows(hall, 5, tickets=0)
        with hall.client("kiosk-1") as kiosk:
            kiosk.issue("injury")
        with running(hall, tmp_path, role_text(hall.url, "chime = false"), player=player) as app:
            act(hall, 5, "call")
            assert wait_until(lambda: app.announcer.spoken == 1, 30)
    assert [list(p.clips) for p in player.played] == [
        ["qing", "C", "0", "0", "1", "hao", "dao", "5", "hao_chuangkou", "banli"]
    ]


def test_calls_faster_than_speech_are_spoken_in_order_one_after_another(tmp_path):
    speaking = VirtualClock()  # seconds pass on the display's clock only while it speaks or rests
    player = RecordingPlayer(speaking)
    with serve(tmp_path) as hall:
        open_windows(hall, 1, 2, 3, tickets=9)
        with running(
            hall,
            tmp_path,
            role_text(hall.url, "max_age_s = 120"),
            player=player,
            clock=lambda: hall.clock() + speaking(),
        ) as app:
            for window in (1, 2, 3, 1, 2, 3):  # six calls within the same second
                act(hall, window, "call")
            assert wait_until(lambda: app.announcer.spoken == 6, 30)
    numbers = ["".join(c for c in p.clips[p.clips.index("qing") + 1 : p.clips.index("hao")]) for p in player.played]
    assert numbers == ["A001", "A002", "A003", "A004", "A005", "A006"]
    for before, after in zip(player.played, player.played[1:], strict=False):
        assert after.start >= before.end + app.announcer.gap_s - 1e-9  # one at a time, a breath between


def test_a_display_without_a_sound_card_keeps_showing_calls(tmp_path):
    player = RecordingPlayer(online=False)
    with serve(tmp_path) as hall:
        open_windows(hall, 1)
        with running(hall, tmp_path, role_text(hall.url), player=player) as app:
            act(hall, 1, "call")
            assert wait_until(lambda: app.announcer.dropped == 1, 30)
            assert app.state.scene().calls[0].number == "A001"
            report = app.health()
            assert report["parts"]["voice"]["state"] == "fault" and report["ok"] is False


# --- the real process and SDL's disk audio driver ---------------------------------------------------


def tones(folder: Path, names: tuple[str, ...], rate: int = 16000) -> None:
    """A short distinct tone for every clip name, so that each announcement can be found in the audio."""
    folder.mkdir()
    for i, name in enumerate(names):
        freq = 300 + 37 * i
        samples = array.array("h", (round(9000 * math.sin(2 * math.pi * freq * n / rate)) for n in range(rate // 25)))
        with wave.open(str(folder / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples.tobytes())


def positions(stream: bytes, sounds: list[bytes]) -> list[int] | None:
    """Where each sound starts in the stream, each after the end of the one before; None if one is missing."""
    out, pos = [], 0
    for blob in sounds:
        at = stream.find(blob, pos)
        while at != -1 and at % 2:
            at = stream.find(blob, at + 1)
        if at == -1:
            return None
        out.append(at)
        pos = at + len(blob)
    return out


def test_the_display_process_speaks_through_sdl_disk_audio(tmp_path):
    tones(tmp_path / "clips", clip_names("zh-Hans"))
    speaker = tmp_path / "speaker.raw"
    with serve(tmp_path) as hall:
        open_windows(hall, 1, 2, 3)  # A001, A002, A003 to windows 1, 2, 3
        role = tmp_path / "display-1.toml"
        role.write_text(
            role_text(hall.url, f'clips = "{tmp_path / "clips"}"\nrepeat = 1\nchime = true\n')
            + '[[led]]\nport = "'
            + str(tmp_path / "no-adapter")
            + '"\naddress = 0\nmain = true\n',
            encoding="utf-8",
        )
        env = dict(
            os.environ,
            SDL_AUDIODRIVER="disk",
            SDL_DISKAUDIOFILE=str(speaker),
            SDL_VIDEODRIVER="dummy",
            PYGAME_HIDE_SUPPORT_PROMPT="1",
        )
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
            # the display reports itself to the core once it runs
            assert wait_until(lambda: hall.core.read(lambda h: h.devices["display-1"].online), 60), log.read_text()
            act(hall, 3, "call")
            time.sleep(0.05)
            act(hall, 3, "recall")
            act(hall, 2, "call")
            clips = ClipSet(tmp_path / "clips")
            expected = []
            for kind, number, window in (("call", "A003", 3), ("recall", "A003", 3), ("call", "A002", 2)):
                names = announcement_clips(kind, number, window, "zh-Hans", chime=True)
                expected.append(clips.join(names, pauses(names)).samples.tobytes())
            assert wait_until(lambda: speaker.exists() and positions(speaker.read_bytes(), expected), 60), (
                log.read_text()
            )
        finally:
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=30)
    assert status == 0, log.read_text()
    stream = speaker.read_bytes()
    starts = positions(stream, expected)
    assert starts is not None
    for (start, blob), following in zip(zip(starts, expected, strict=True), starts[1:], strict=False):
        assert following >= start + len(blob)  # whole, in order, none over another
    text = log.read_text()
    missing = [line for line in text.splitlines() if "no-adapter" in line]
    assert len(missing) == 1 and "cannot be opened" in missing[0]  # the missing LED adapter, logged once
