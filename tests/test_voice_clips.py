"""The shipped clip set (format, loudness, what espeak-ng says) and ClipSet: overrides, fallbacks, formats."""

from __future__ import annotations

import array
import logging
import math
import shutil
import struct
import wave
from pathlib import Path

import pytest

from onewindow.drivers.voice import ClipSet, WavError, announcement_clips, make_clips, pauses, read_wav, shipped_folder
from onewindow.drivers.voice.clips import SHIPPED
from onewindow.drivers.voice.pcm import Pcm, dbfs, parse_wav, write_wav

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
needs_tools = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are needed to generate clips",
)


# --- the shipped set ----------------------------------------------------------------------


def test_shipped_clips_are_16khz_mono_16bit_of_plausible_length_and_even_loudness() -> None:
    assert make_clips.check_files(SHIPPED) == []


@needs_espeak
def test_mandarin_clips_say_the_right_pinyin_with_the_right_tones() -> None:
    # espeak-ng's own dictionary agrees with the table on every character's pinyin, the pinyin voice
    # speaks each syllable with its tone's contour, and nothing switches to English (HARDWARE.md §6)
    assert make_clips.check_words() == []


@needs_espeak
def test_the_check_would_catch_a_wrong_tone_or_the_english_tone_digit_bug() -> None:
    assert make_clips.dictionary_pinyin("请") == "qing3"
    assert make_clips.tones_spoken(make_clips.phonemes("cmn-latn-pinyin", "hao4 chuang1kou3")) == ["51", "55", "214"]
    # the plain cmn voice reads 请's tone digit as English "three": what the shipped clips avoid
    assert "(en)" in make_clips.phonemes("cmn", "请")


@needs_tools
def test_make_clips_regenerates_clips_like_the_shipped_ones(tmp_path: Path) -> None:
    names = {"qing", "hao_chuangkou", "A", "3", "number", "chime"}
    written = make_clips.generate(tmp_path, names)
    assert len(written) == 9  # chime, A and 3 exist in both languages
    for path in written:
        fresh, shipped = read_wav(path), read_wav(SHIPPED / path.parent.name / path.name)
        assert abs(fresh.duration - shipped.duration) <= 0.2 * shipped.duration, path
    # the chime is synthesised, not spoken: exactly the shipped file
    assert (tmp_path / "zh-Hans" / "chime.wav").read_bytes() == (SHIPPED / "zh-Hans" / "chime.wav").read_bytes()


def test_a_shipped_announcement_joins_to_a_few_seconds() -> None:
    clips = ClipSet(shipped_folder("zh-Hans"))
    names = announcement_clips("call", "A001", 3, "zh-Hans", chime=True)
    sound = clips.join(names, pauses(names))
    parts = sum(clips.clip(n).duration for n in names) + sum(pauses(names))
    assert sound.clips == tuple(names)
    assert sound.rate == 16000 and math.isclose(sound.duration, parts, abs_tol=0.01)
    assert 3.0 < sound.duration < 9.0
    write_wav(_artifacts() / "zh_call_A001_window_3.wav", sound)


# --- reading what a technician drops in -------------------------------------------------------


def _wave_file(path: Path, rate: int, channels: int, width: int, frames: bytes) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


def _riff(tag: int, channels: int, rate: int, bits: int, data: bytes, extensible: bool = False) -> bytes:
    align = channels * bits // 8
    if extensible:
        fmt = struct.pack(
            "<HHIIHHHHI16s",
            0xFFFE,
            channels,
            rate,
            rate * align,
            align,
            bits,
            22,
            bits,
            0,
            struct.pack("<H", tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71",
        )
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # an odd-sized chunk with its pad byte
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def test_stereo_44k_clip_is_mixed_down_to_mono(tmp_path: Path) -> None:
    frames = array.array("h", [1000, 3000] * 4410 + [-2000, -4000] * 4410)  # 0.2 s of stereo
    clip = read_wav(_wave_file(tmp_path / "x.wav", 44100, 2, 2, frames.tobytes()))
    assert clip.rate == 44100 and len(clip.samples) == 8820
    assert clip.samples[0] == 2000 and clip.samples[-1] == -3000
    assert math.isclose(clip.duration, 0.2)


def test_8bit_24bit_float_and_extensible_wavs_are_read() -> None:
    eight = parse_wav(_riff(1, 1, 8000, 8, bytes([128, 255, 0])))
    assert list(eight.samples) == [0, 127 << 8, -128 << 8]
    s24 = b"".join(v.to_bytes(3, "little", signed=True) for v in (0, 0x123456, -0x800000))
    assert list(parse_wav(_riff(1, 1, 48000, 24, s24)).samples) == [0, 0x1234, -0x8000]
    floats = array.array("f", [0.0, 0.5, -1.0, 2.0]).tobytes()
    assert list(parse_wav(_riff(3, 1, 22050, 32, floats)).samples) == [0, 16384, -32767, 32767]
    ext = parse_wav(_riff(1, 2, 16000, 16, array.array("h", [100, 300]).tobytes(), extensible=True))
    assert (ext.rate, list(ext.samples)) == (16000, [200])


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b"ID3\x03 an mp3 renamed", "not a WAV"),
        (_riff(0x55, 1, 16000, 16, b"\x00\x00"), "format 0x0055"),
        (_riff(1, 1, 16000, 12, b"\x00\x00"), "12 bits"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no fmt"),
    ],
)
def test_files_that_are_not_usable_wavs_say_why(blob: bytes, reason: str) -> None:
    with pytest.raises(WavError, match=reason):
        parse_wav(blob)


# --- ClipSet ----------------------------------------------------------------------------------


def _tone(path: Path, seconds: float, rate: int = 16000, freq: float = 440.0, channels: int = 1) -> Path:
    count = round(seconds * rate)
    samples = array.array(
        "h", (round(8000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(count) for _ in range(channels))
    )
    return _wave_file(path, rate, channels, 2, samples.tobytes())


def test_a_recorded_clip_in_the_folder_replaces_the_shipped_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _tone(tmp_path / "qing.wav", 0.5)
    clips = ClipSet(tmp_path, shipped_folder("zh-Hans"))
    assert clips.source("qing") == tmp_path / "qing.wav"
    assert clips.source("hao") == shipped_folder("zh-Hans") / "hao.wav"
    assert clips.clip("qing").duration == 0.5
    with caplog.at_level(logging.INFO, logger="onewindow.voice"):
        assert clips.check(make_clips.clip_names("zh-Hans")) == []
    # one line says which clips still come from the shipped set, not one line per clip
    borrowed = [r.getMessage() for r in caplog.records if "using the shipped ones" in r.getMessage()]
    assert len(borrowed) == 1 and "hao, dao" in borrowed[0] and "qing" not in borrowed[0].split(": ", 1)[1]


def test_clips_of_other_rates_and_channels_join_at_the_highest_rate(tmp_path: Path) -> None:
    _tone(tmp_path / "qing.wav", 0.25, rate=44100, channels=2)
    _tone(tmp_path / "hao.wav", 0.5, rate=8000)
    clips = ClipSet(tmp_path, shipped_folder("zh-Hans"))
    assert clips.rate == 44100
    sound = clips.join(["qing", "A", "hao"], [0.1, 0.1])
    expected = 0.25 + 0.1 + read_wav(shipped_folder("zh-Hans") / "A.wav").duration + 0.1 + 0.5
    assert sound.rate == 44100 and math.isclose(sound.duration, expected, abs_tol=0.001)
    assert sound.clips == ("qing", "A", "hao")
    # raising 8 kHz to 44.1 kHz keeps the tone: still about 440 crossings up per second
    hao = clips.clip("hao")
    ups = sum(1 for a, b in zip(hao.samples, hao.samples[1:], strict=False) if a < 0 <= b)
    assert 215 <= ups <= 225


def test_missing_clips_are_reported_once_and_left_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _tone(tmp_path / "qing.wav", 0.2)
    clips = ClipSet(tmp_path, empty)
    with caplog.at_level(logging.WARNING, logger="onewindow.voice"):
        for _ in range(3):
            sound = clips.join(["qing", "hao", "qing"], [0.1, 0.3])
    assert sound.clips == ("qing", "qing")
    assert math.isclose(sound.duration, 0.2 + 0.3 + 0.2)  # the longer pause stays
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "'hao'" in lines[0] and "leave it out" in lines[0]


def test_unreadable_misnamed_and_missing_folders_are_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "qing.wav").write_bytes(b"ID3 this is an mp3")
    _tone(tmp_path / "Hao.wav", 0.2)
    (tmp_path / "notes.txt").write_text("recorded by Ms Li")
    with caplog.at_level(logging.WARNING, logger="onewindow.voice"):
        clips = ClipSet(tmp_path, shipped_folder("zh-Hans"))
        clips.check(make_clips.clip_names("zh-Hans"))
        clips.check(make_clips.clip_names("zh-Hans"))
        assert clips.source("qing") == shipped_folder("zh-Hans") / "qing.wav"
        ClipSet(tmp_path / "nowhere", shipped_folder("zh-Hans"))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert "qing.wav cannot be used: not a WAV file" in lines[0]
    assert "Hao.wav" in lines[1] and "never played" in lines[1]
    assert "nowhere does not exist" in lines[2]


def test_a_folder_that_is_the_shipped_set_reports_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="onewindow.voice"):
        clips = ClipSet(shipped_folder("en"), shipped_folder("en"))
        assert clips.check(make_clips.clip_names("en")) == []
    assert caplog.records == [] and clips.reports == []


def test_loudness_levelling_reaches_the_target_without_clipping() -> None:
    quiet = Pcm(16000, array.array("h", (round(300 * math.sin(i / 5)) for i in range(16000))))
    levelled = make_clips.level(quiet, -20.0)
    assert abs(dbfs(make_clips.voiced_rms(levelled)) - -20.0) < 0.2
    spiky = Pcm(16000, array.array("h", [0] * 1000 + [20000] + [100] * 1000))
    assert dbfs(max(abs(v) for v in make_clips.level(spiky, -20.0).samples)) <= -0.99


def _artifacts() -> Path:
    folder = Path(__file__).resolve().parent / "artifacts" / "voice"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
