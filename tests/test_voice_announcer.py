"""The Announcer speaks calls in order, one at a time, skips stale ones, and survives having no sound card.

Most tests record what a fake player would play on a virtual clock, so their timing is exact. The last
ones run the real pygame mixer with SDL's disk audio driver in a child process and read back the audio it
wrote: every announcement must be in the file, sample for sample, in order and never mixed with another.
"""

from __future__ import annotations

import array
import json
import logging
import math
import os
import subprocess
import sys
import textwrap
import threading
import wave
from pathlib import Path

import pytest

from onewindow.drivers.voice import (
    Announcer,
    ClipSet,
    RecordingPlayer,
    VirtualClock,
    announcement_clips,
    clip_names,
    pauses,
    shipped_folder,
)
from onewindow.drivers.voice.pcm import Pcm


def _announcer(player: RecordingPlayer, clock: VirtualClock, locale: str = "zh-Hans", **options: object) -> Announcer:
    return Announcer(ClipSet(shipped_folder(locale)), locale=locale, player=player, clock=clock, **options)  # type: ignore[arg-type]


def _numbers(player: RecordingPlayer) -> list[str]:
    """The ticket numbers spoken, from the clips between 请 and 号."""
    out = []
    for played in player.played:
        clips = list(played.clips)
        out.append("".join(clips[clips.index("qing") + 1 : clips.index("hao")]))
    return out


def _sound(clips: ClipSet, kind: str, number: str, window: int, chime: bool, locale: str = "zh-Hans") -> Pcm:
    names = announcement_clips(kind, number, window, locale, chime=chime)
    return clips.join(names, pauses(names))


def test_rapid_calls_are_spoken_in_order_and_never_overlap() -> None:
    clock = VirtualClock(1000.0)
    player = RecordingPlayer(clock)
    announcer = _announcer(player, clock, gap_s=0.8, max_age_s=60.0)
    try:
        # three windows call within the same second, far faster than speech
        for number, window in (("A001", 3), ("B002", 12), ("A003", 26)):
            assert announcer.announce("call", number, window, at=1000.0)
        assert announcer.wait_until_idle(30)
    finally:
        announcer.close()
    assert [p.clips for p in player.played] == [
        tuple(announcement_clips("call", "A001", 3, "zh-Hans", chime=True)),
        tuple(announcement_clips("call", "B002", 12, "zh-Hans", chime=True)),
        tuple(announcement_clips("call", "A003", 26, "zh-Hans", chime=True)),
    ]
    for before, after in zip(player.played, player.played[1:], strict=False):
        assert after.start >= before.end + 0.8 - 1e-9
    assert announcer.health == {
        "state": "idle",
        "problem": None,
        "spoken": 3,
        "stale": 0,
        "dropped": 0,
        "missing_clips": [],
    }


def test_repeats_with_a_gap_and_the_chime_only_first() -> None:
    clock = VirtualClock()
    player = RecordingPlayer(clock)
    announcer = _announcer(player, clock, repeat=3, gap_s=0.5, volume=0.7)
    try:
        announcer.announce("recall", "A001", 3, at=0.0)
        assert announcer.wait_until_idle(30)
    finally:
        announcer.close()
    with_chime = announcement_clips("recall", "A001", 3, "zh-Hans", chime=True)
    assert [list(p.clips) for p in player.played] == [with_chime, with_chime[1:], with_chime[1:]]
    assert [p.volume for p in player.played] == [0.7] * 3
    assert player.rests == [0.5, 0.5]
    assert player.played[1].start == pytest.approx(player.played[0].end + 0.5)


def test_chime_off() -> None:
    clock = VirtualClock()
    player = RecordingPlayer(clock)
    announcer = _announcer(player, clock, chime=False, locale="en")
    try:
        announcer.announce("call", "A001", 3, at=0.0)
        assert announcer.wait_until_idle(30)
    finally:
        announcer.close()
    assert [list(p.clips) for p in player.played] == [["number", "A", "0", "0", "1", "please_go_to_window", "3"]]


def test_calls_too_old_when_their_turn_comes_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    clock = VirtualClock(5000.0)
    player = RecordingPlayer(clock)
    announcer = _announcer(player, clock, max_age_s=10.0, gap_s=0.8)
    numbers = ["A001", "A002", "A003", "A004", "A005"]
    try:
        with caplog.at_level(logging.INFO, logger="onewindow.voice"):
            for number in numbers:
                announcer.announce("call", number, 3, at=5000.0)
            assert announcer.wait_until_idle(30)
    finally:
        announcer.close()
    # the same rule worked by hand: an announcement is spoken when, at its turn, it is at most 10 s old
    expected: list[str] = []
    now = 5000.0
    for number in numbers:
        if now - 5000.0 > 10.0:
            continue
        now += (0.8 if expected else 0.0) + _sound(announcer.clips, "call", number, 3, True).duration
        expected.append(number)
    assert 1 <= len(expected) < len(numbers)
    assert _numbers(player) == expected
    assert (announcer.spoken, announcer.stale) == (len(expected), len(numbers) - len(expected))
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped == [
        f"voice: skipped {len(numbers) - len(expected)} call(s) older than 10 s (caught up after "
        "a reconnect, or calls came faster than they can be spoken)"
    ]


def test_catching_up_after_a_reconnect_speaks_only_the_fresh_call() -> None:
    clock = VirtualClock(10_000.0)
    player = RecordingPlayer(clock)
    announcer = _announcer(player, clock)
    try:
        # the display replays what it missed while the core was away: three old calls, one just now
        announcer.announce("call", "A010", 3, at=10_000.0 - 300)
        announcer.announce("recall", "A010", 3, at=10_000.0 - 240)
        announcer.announce("call", "B004", 5, at=10_000.0 - 45)
        announcer.announce("call", "A011", 3, at=10_000.0 - 2)
        assert announcer.wait_until_idle(30)
    finally:
        announcer.close()
    assert _numbers(player) == ["A011"]
    assert (announcer.spoken, announcer.stale) == (1, 3)


def test_no_sound_device_drops_announcements_and_keeps_going() -> None:
    clock = VirtualClock()
    player = RecordingPlayer(clock, online=False)
    announcer = _announcer(player, clock, repeat=2)
    try:
        for number in ("A001", "A002", "A003"):
            assert announcer.announce("call", number, 3, at=0.0)
        assert announcer.wait_until_idle(30)
        assert (announcer.state, announcer.dropped, announcer.spoken) == ("offline", 3, 0)
        assert player.attempts == 3  # no repeats of what could not be played
        player.online = True  # the USB speaker is plugged back in
        announcer.announce("call", "A004", 3, at=clock())
        assert announcer.wait_until_idle(30)
        assert (announcer.state, announcer.spoken) == ("idle", 1)
    finally:
        announcer.close()
    assert _numbers(player) == ["A004", "A004"]


def test_unreadable_calls_are_refused_at_once_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    clock = VirtualClock()
    player = RecordingPlayer(clock)
    announcer = _announcer(player, clock)
    try:
        with caplog.at_level(logging.WARNING, logger="onewindow.voice"):
            assert not announcer.announce("call", "??", 3, at=0.0)
            assert not announcer.announce("call", "A001", 0, at=0.0)
            assert not announcer.announce("cancel", "A001", 3, at=0.0)
        assert announcer.wait_until_idle(5)
    finally:
        announcer.close()
    assert player.played == [] and len(caplog.records) == 3
    assert "not announcing call '??' to window 3" in caplog.records[0].getMessage()


def test_announce_returns_while_the_speaker_is_still_busy() -> None:
    class HeldSpeaker(RecordingPlayer):
        """Plays nothing until the test lets it: announce() must not wait for it."""

        def __init__(self) -> None:
            super().__init__()
            self.playing = threading.Event()
            self.release = threading.Event()

        def play(self, pcm: Pcm, volume: float) -> bool:
            self.playing.set()
            assert self.release.wait(60)
            return super().play(pcm, volume)

    player = HeldSpeaker()
    announcer = Announcer(ClipSet(shipped_folder("zh-Hans")), player=player, max_age_s=600.0, gap_s=0.0)
    try:
        assert announcer.announce("call", "A001", 1)
        assert player.playing.wait(60)  # the first call is being spoken and cannot finish
        assert announcer.announce("call", "A002", 2) and announcer.announce("recall", "A001", 1)
        assert announcer.state == "speaking" and player.played == []
        player.release.set()
        assert announcer.wait_until_idle(60)
    finally:
        player.release.set()
        announcer.close()
    assert _numbers(player) == ["A001", "A002", "A001"]
    assert announcer.state == "idle"


def test_a_failing_announcement_does_not_stop_the_worker(caplog: pytest.LogCaptureFixture) -> None:
    class Flaky(RecordingPlayer):
        def play(self, pcm: Pcm, volume: float) -> bool:
            if len(self.played) == 0 and self.attempts == 0:
                self.attempts += 1
                raise RuntimeError("driver bug")
            return super().play(pcm, volume)

    clock = VirtualClock()
    player = Flaky(clock)
    announcer = _announcer(player, clock)
    try:
        with caplog.at_level(logging.ERROR, logger="onewindow.voice"):
            announcer.announce("call", "A001", 3, at=0.0)
            announcer.announce("call", "A002", 3, at=0.0)
            assert announcer.wait_until_idle(30)
    finally:
        announcer.close()
    assert _numbers(player) == ["A002"]
    assert "announcing" in caplog.records[0].getMessage()


# --- the real mixer, writing to a file through SDL's disk audio driver --------------------------

_CHILD = textwrap.dedent("""
    import json, logging, sys, time
    from onewindow.drivers.voice import Announcer, ClipSet, MixerPlayer, pre_init_mixer
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="LOG %(levelname)s %(message)s")
    plan = json.loads(sys.argv[1])
    pre_init_mixer()
    clips = ClipSet(plan["clips"])
    announcer = Announcer(clips, locale=plan["locale"], repeat=plan["repeat"], gap_s=plan["gap_s"],
                          max_age_s=10.0, player=MixerPlayer(retry_s=plan.get("retry_s", 30.0)))
    now = time.time()
    for kind, number, window, age in plan["calls"]:
        assert announcer.announce(kind, number, window, at=now - age)
    idle = announcer.wait_until_idle(120)
    state = announcer.state
    announcer.close()
    import pygame
    pygame.mixer.quit()                     # flushes the disk driver's file
    health = announcer.health
    print(json.dumps({"idle": idle, "state": state, "spoken": announcer.spoken, "stale": announcer.stale,
                      "dropped": announcer.dropped, "problem": health["problem"]}))
""")


def _run_child(plan: dict[str, object], tmp_path: Path, driver: str = "disk") -> tuple[dict[str, object], str, bytes]:
    out = tmp_path / "speaker.raw"
    env = dict(os.environ, SDL_AUDIODRIVER=driver, SDL_DISKAUDIOFILE=str(out), PYGAME_HIDE_SUPPORT_PROMPT="1")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(plan)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr, out.read_bytes() if out.exists() else b""


def _tones(folder: Path, names: tuple[str, ...], rate: int = 16000, channels: int = 1) -> None:
    """A short distinct tone for every clip name, so that a test announcement lasts about a second."""
    folder.mkdir()
    for i, name in enumerate(names):
        freq = 300 + 37 * i
        samples = array.array(
            "h",
            (round(9000 * math.sin(2 * math.pi * freq * n / rate)) for n in range(rate // 20) for _ in range(channels)),
        )
        with wave.open(str(folder / f"{name}.wav"), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples.tobytes())


def _expected(clips: ClipSet, plan: dict, locale: str) -> list[Pcm]:
    sounds = []
    for kind, number, window, age in plan["calls"]:
        if age > 10:
            continue
        for i in range(plan["repeat"]):
            sounds.append(_sound(clips, kind, number, window, chime=i == 0, locale=locale))
    return sounds


def _find_in_order(stream: bytes, sounds: list[Pcm], rate: int) -> list[tuple[float, float]]:
    """Where each sound sits in the written audio, in seconds; each must follow the end of the one before."""
    spans, pos = [], 0
    for sound in sounds:
        blob = sound.samples.tobytes()
        at = stream.find(blob, pos)
        while at != -1 and at % 2:
            at = stream.find(blob, at + 1)
        assert at != -1, f"{sound} is not in the written audio after {pos / 2 / rate:.2f} s (or was mixed with another)"
        spans.append((at / 2 / rate, (at + len(blob)) / 2 / rate))
        pos = at + len(blob)
    return spans


def _voiced(samples: array.array) -> array.array:
    return array.array("h", (v for v in samples if v))


def test_disk_audio_holds_each_announcement_whole_in_order_and_skips_the_stale(tmp_path: Path) -> None:
    _tones(tmp_path / "clips", clip_names("zh-Hans"))
    plan = {
        "clips": str(tmp_path / "clips"),
        "locale": "zh-Hans",
        "repeat": 2,
        "gap_s": 0.2,
        "calls": [["call", "A001", 3, 0], ["call", "A002", 12, 60], ["recall", "B7", 5, 0], ["call", "YB100", 126, 0]],
    }
    result, log, raw = _run_child(plan, tmp_path)
    assert result == {"idle": True, "state": "idle", "spoken": 3, "stale": 1, "dropped": 0, "problem": None}
    stream = array.array("h", raw)
    sounds = _expected(ClipSet(tmp_path / "clips"), plan, "zh-Hans")
    spans = _find_in_order(raw, sounds, 16000)
    # nothing else was played: the stream without its silences is exactly the sounds without theirs,
    # so its speech lasts exactly as long as the clips; the stale A002 (window 12, 十二) is not there
    assert _voiced(stream) == _voiced(array.array("h", b"".join(s.samples.tobytes() for s in sounds)))
    assert len(stream) / 16000 >= sum(s.duration for s in sounds)
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))
    assert "skipped 1 call(s)" in log


def test_disk_audio_of_a_shipped_mandarin_call(tmp_path: Path) -> None:
    plan = {
        "clips": str(shipped_folder("zh-Hans")),
        "locale": "zh-Hans",
        "repeat": 1,
        "gap_s": 0.5,
        "calls": [["call", "A001", 3, 0]],
    }
    result, _log, raw = _run_child(plan, tmp_path)
    assert result["spoken"] == 1 and result["problem"] is None
    expected = _sound(ClipSet(shipped_folder("zh-Hans")), "call", "A001", 3, chime=True)
    [(start, end)] = _find_in_order(raw, [expected], 16000)
    assert end - start == pytest.approx(expected.duration)
    assert 3.0 < expected.duration < 9.0
    with wave.open(str(_artifacts() / "disk_audio_zh_call.wav"), "wb") as w:  # for a person to listen to
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(raw)


def test_disk_audio_of_recordings_at_44khz_stereo(tmp_path: Path) -> None:
    # a technician's recorder wrote 44.1 kHz stereo: joined at 44.1 kHz, SDL converts it for the 16 kHz mixer
    _tones(tmp_path / "clips", clip_names("zh-Hans"), rate=44100, channels=2)
    plan = {
        "clips": str(tmp_path / "clips"),
        "locale": "zh-Hans",
        "repeat": 1,
        "gap_s": 0.2,
        "calls": [["call", "A001", 3, 0]],
    }
    result, _log, raw = _run_child(plan, tmp_path)
    assert result["spoken"] == 1
    expected = _sound(ClipSet(tmp_path / "clips"), "call", "A001", 3, chime=True)
    assert expected.rate == 44100
    stream = array.array("h", raw)
    sound = [i for i, v in enumerate(stream) if abs(v) > 200]
    # counted in samples, not timed: the converted sound spans as many 16 kHz samples as it lasts
    assert (sound[-1] - sound[0]) / 16000 == pytest.approx(expected.duration, abs=0.02)


def test_without_a_sound_card_the_announcer_logs_once_and_keeps_going(tmp_path: Path) -> None:
    _tones(tmp_path / "clips", clip_names("en"))
    plan = {
        "clips": str(tmp_path / "clips"),
        "locale": "en",
        "repeat": 2,
        "gap_s": 0.2,
        "retry_s": 600,
        "calls": [["call", "A001", 3, 0], ["call", "A002", 4, 0], ["recall", "A001", 3, 0]],
    }
    result, log, _raw = _run_child(plan, tmp_path, driver="nosuchdriver")
    assert result == {
        "idle": True,
        "state": "offline",
        "spoken": 0,
        "stale": 0,
        "dropped": 3,
        "problem": "no sound device (Audio target 'nosuchdriver' not available)",
    }
    warnings = [line for line in log.splitlines() if line.startswith("LOG WARNING")]
    assert warnings == [
        "LOG WARNING voice: no sound device (Audio target 'nosuchdriver' not available); "
        "announcements are dropped until it works (retrying every 600 s)"
    ]


def _artifacts() -> Path:
    folder = Path(__file__).resolve().parent / "artifacts" / "voice"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
