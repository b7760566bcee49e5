"""Sound as 16-bit mono samples: reading any PCM or float WAV, converting, joining and writing clips.

Pure Python on purpose (no numpy, no audioop, which Python 3.13 removes): a display Pi loads a few dozen
short clips once, so speed hardly matters, and a technician's recordings come in whatever format their
recorder writes (44.1 kHz stereo, 24-bit, float, WAVE_FORMAT_EXTENSIBLE, which `wave` in 3.11 refuses).
"""

from __future__ import annotations

import array
import math
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_PCM = 0x0001
_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE


class WavError(ValueError):
    """A file that is not a WAV this module can read, with a reason a technician can act on."""


@dataclass(frozen=True, eq=False)
class Pcm:
    """Mono signed 16-bit samples at `rate`; `clips` names what it was joined from, for logs and tests."""

    rate: int
    samples: array.array = field(repr=False)
    clips: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def __repr__(self) -> str:
        return f"Pcm({self.duration:.3f} s at {self.rate} Hz, clips={list(self.clips)})"


def samples16(values: Iterable[int] = ()) -> array.array:
    return array.array("h", values)


def read_wav(path: str | Path) -> Pcm:
    """A WAV file as mono 16-bit samples at the file's own rate."""
    try:
        blob = Path(path).read_bytes()
    except OSError as exc:
        raise WavError(f"cannot read: {exc.strerror or exc}") from None
    return parse_wav(blob)


def parse_wav(blob: bytes) -> Pcm:
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise WavError("not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    pos = 12
    while pos + 8 <= len(blob):
        chunk_id, size = blob[pos : pos + 4], struct.unpack_from("<I", blob, pos + 4)[0]
        body = blob[pos + 8 : pos + 8 + size]  # recorders that stream write a bogus size: take what is there
        if chunk_id == b"fmt ":
            fmt = _read_format(body)
        elif chunk_id == b"data":
            data = body
        pos += 8 + size + (size & 1)  # chunks are padded to even length
    if fmt is None:
        raise WavError("no fmt chunk")
    if data is None:
        raise WavError("no data chunk")
    tag, channels, rate, bits = fmt
    return Pcm(rate, to_mono(_decode(data, tag, bits), channels))


def _read_format(body: bytes) -> tuple[int, int, int, int]:
    if len(body) < 16:
        raise WavError("fmt chunk too short")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE:
        if len(body) < 26:
            raise WavError("WAVE_FORMAT_EXTENSIBLE without its sub-format")
        tag = struct.unpack_from("<H", body, 24)[0]  # first two bytes of the sub-format GUID
    if channels < 1:
        raise WavError("no channels")
    if not 1000 <= rate <= 384000:
        raise WavError(f"sample rate {rate} Hz is not plausible")
    if (tag, bits) not in ((_PCM, 8), (_PCM, 16), (_PCM, 24), (_PCM, 32), (_FLOAT, 32), (_FLOAT, 64)):
        kind = {_PCM: "integer PCM", _FLOAT: "float"}.get(tag, f"format {tag:#06x}")
        raise WavError(f"{kind} with {bits} bits is not supported (save as 16-bit PCM WAV)")
    return tag, channels, rate, bits


def _decode(data: bytes, tag: int, bits: int) -> array.array:
    width = bits // 8
    data = data[: len(data) - len(data) % width]
    if tag == _FLOAT:
        floats = array.array("f" if bits == 32 else "d", data)
        if sys.byteorder == "big":
            floats.byteswap()
        return samples16(_clamp(round(v * 32767.0)) if math.isfinite(v) else 0 for v in floats)
    if bits == 8:  # 8-bit WAV is unsigned
        return samples16((b - 128) << 8 for b in data)
    if bits == 16:
        out = samples16()
        out.frombytes(data)
        if sys.byteorder == "big":
            out.byteswap()
        return out
    if bits == 24:  # widen to 32-bit little-endian, low byte zero
        wide = bytearray(len(data) // 3 * 4)
        wide[1::4], wide[2::4], wide[3::4] = data[0::3], data[1::3], data[2::3]
        data = bytes(wide)
    ints = array.array("i", data)
    if sys.byteorder == "big":
        ints.byteswap()
    return samples16(v >> 16 for v in ints)


def _clamp(v: int) -> int:
    return -32768 if v < -32768 else 32767 if v > 32767 else v


def to_mono(samples: array.array, channels: int) -> array.array:
    """Interleaved samples of `channels` channels mixed down to one by averaging."""
    if channels == 1:
        return samples
    frames = len(samples) // channels
    columns = [samples[c : frames * channels : channels] for c in range(channels)]
    return samples16(sum(frame) // channels for frame in zip(*columns, strict=True))


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear interpolation to `rate`. Fine for raising the rate (what ClipSet does); lowering it this way
    would alias, so that is left to SDL's converter when the mixer plays the sound."""
    if rate == pcm.rate or not pcm.samples:
        return Pcm(rate, pcm.samples, pcm.clips)
    src = pcm.samples
    count = max(1, round(len(src) * rate / pcm.rate))
    step = pcm.rate / rate
    last = len(src) - 1
    out = samples16()
    for i in range(count):
        x = i * step
        j = int(x)
        if j >= last:
            out.append(src[last])
            continue
        frac = x - j
        out.append(round(src[j] + (src[j + 1] - src[j]) * frac))
    return Pcm(rate, out, pcm.clips)


def silence(seconds: float, rate: int) -> array.array:
    return samples16([0]) * max(0, round(seconds * rate))


def join(parts: Sequence[Pcm], pauses: Sequence[float] = (), rate: int | None = None, clips: Sequence[str] = ()) -> Pcm:
    """One sound from several, with `pauses[i]` seconds of silence after part i (missing pauses are 0)."""
    rate = rate or (max(p.rate for p in parts) if parts else 16000)
    out = samples16()
    for i, part in enumerate(parts):
        out.extend(resample(part, rate).samples if part.rate != rate else part.samples)
        if i < len(parts) - 1 and i < len(pauses):
            out.extend(silence(pauses[i], rate))
    return Pcm(rate, out, tuple(clips))


def wav_bytes(pcm: Pcm) -> bytes:
    """A 16-bit mono PCM WAV file of the sound, as pygame's mixer and any player read it."""
    body = array.array("h", pcm.samples)
    if sys.byteorder == "big":
        body.byteswap()
    raw = body.tobytes()
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(raw),
        b"WAVE",
        b"fmt ",
        16,
        _PCM,
        1,
        pcm.rate,
        pcm.rate * 2,
        2,
        16,
        b"data",
        len(raw),
    )
    return header + raw


def write_wav(path: str | Path, pcm: Pcm) -> None:
    Path(path).write_bytes(wav_bytes(pcm))


def peak(pcm: Pcm) -> int:
    return max((abs(v) for v in pcm.samples), default=0)


def rms(pcm: Pcm) -> float:
    if not pcm.samples:
        return 0.0
    return math.sqrt(sum(v * v for v in pcm.samples) / len(pcm.samples))


def dbfs(level: float) -> float:
    """A level in 16-bit sample units as decibels below full scale."""
    return 20 * math.log10(level / 32768) if level > 0 else -math.inf
