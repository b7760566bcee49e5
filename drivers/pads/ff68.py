"""Protocol `ff68` of RS-485 caller and evaluator pads: frames, an incremental parser, and what frames mean.

    FF 68 L L 68 A F D1 … Dn S 16      L = n + 2,  S = (A + F + D1 + … + Dn) mod 256

Pad to host: key frames (F = 01; digits 00-09, then the key as the last data byte) and evaluator scores
(F = 11, D1 = 1-5). Host to pad: numbers to show (F = 02, six digit bytes, 0A blank) and a beep (F = 03,
data 01). The host echoes every well-formed frame from a pad as its acknowledgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HEAD = 0xFF
MARK = 0x68
END = 0x16

KEY = 0x01  # pad -> host: digits then a key
DISPLAY = 0x02  # host -> pad: numbers to show
BEEP = 0x03  # host -> pad: beep once
SCORE = 0x11  # evaluator -> host: a score 1-5

BLANK = 0x0A  # a dark digit on the pad's display
MAX_DATA = 16  # longer "frames" are noise; the longest real one (DISPLAY) has 6 data bytes
MIN_LENGTH, MAX_LENGTH = 2, MAX_DATA + 2

# the key byte of a key frame -> the key's name
KEYS = {0x0C: "call", 0x0D: "recall", 0x0B: "finish", 0x12: "pause", 0x13: "transfer", 0x0F: "confirm"}
KEY_CODES = {name: code for code, name in KEYS.items()}
NO_SHOW_DIGIT = "6"  # 06 0F: confirm with digit 6 is no-show (过号)


@dataclass(frozen=True)
class Frame:
    address: int
    function: int
    data: bytes = b""

    def to_bytes(self) -> bytes:
        return encode(self.address, self.function, self.data)


@dataclass(frozen=True)
class PadPress:
    """A key pressed on the pad at `address`, with the digits typed before it (e.g. transfer "2")."""

    address: int
    key: str
    digits: str = ""


@dataclass(frozen=True)
class PadScore:
    """A citizen's rating 1-5 on the evaluator pad at `address`."""

    address: int
    score: int


def checksum(address: int, function: int, data: bytes | Sequence[int]) -> int:
    return (address + function + sum(data)) % 256


def encode(address: int, function: int, data: bytes | Sequence[int] = b"") -> bytes:
    """One frame, e.g. encode(3, KEY, [0x0C]) -> FF 68 03 03 68 03 01 0C 10 16."""
    payload = bytes(data)
    if not 0 <= address <= 255 or not 0 <= function <= 255:
        raise ValueError(f"address {address} and function {function} must be bytes (0 to 255)")
    if len(payload) > MAX_DATA:
        raise ValueError(f"{len(payload)} data bytes; a frame carries at most {MAX_DATA}")
    length = len(payload) + 2
    return (
        bytes([HEAD, MARK, length, length, MARK, address, function])
        + payload
        + bytes([checksum(address, function, payload), END])
    )


def key_frame(address: int, key: str, digits: str = "") -> bytes:
    """What a pad sends when `key` is pressed after `digits` (tests and the fake pad use it)."""
    return encode(address, KEY, [int(d) for d in digits] + [KEY_CODES[key]])


def score_frame(address: int, score: int) -> bytes:
    return encode(address, SCORE, [score])


def display(address: int, waiting: int | None, current_digits: str | None) -> bytes:
    """Numbers for the pad's display: how many wait (3 digits) and the current ticket's digits (3 digits).

    None shows blank. Counts over 999 show 999; a ticket's digits keep their leading zeros ("001") and
    only the last three show ("A1002" -> "002"); anything but digits is left out.
    """
    if waiting is None:
        count = [BLANK] * 3
    else:
        text = str(min(max(waiting, 0), 999))
        count = [BLANK] * (3 - len(text)) + [int(d) for d in text]
    if current_digits is None:
        current = [BLANK] * 3
    else:
        digits = "".join(ch for ch in current_digits if ch in "0123456789")[-3:]
        current = [BLANK] * (3 - len(digits)) + [int(d) for d in digits]
    return encode(address, DISPLAY, count + current)


def beep(address: int) -> bytes:
    return encode(address, BEEP, [0x01])


def interpret(frame: Frame) -> PadPress | PadScore | None:
    """What a pad's frame means; None for frames that are not a press or a score, or malformed ones."""
    if frame.function == SCORE:
        if len(frame.data) == 1 and 1 <= frame.data[0] <= 5:
            return PadScore(frame.address, frame.data[0])
        return None
    if frame.function != KEY or not frame.data:
        return None
    *digit_bytes, code = frame.data
    if code not in KEYS or any(d > 9 for d in digit_bytes):
        return None
    digits = "".join(str(d) for d in digit_bytes)
    key = KEYS[code]
    if key == "confirm" and digits == NO_SHOW_DIGIT:
        return PadPress(frame.address, "no_show")
    return PadPress(frame.address, key, digits)


class FrameParser:
    """Turns the bytes of a line, in reads of any size, into frames.

    A frame with a wrong sum, a wrong end byte, differing length bytes or a length out of range is
    dropped; the search goes on from the byte after its FF, so a good frame right behind noise is found.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped = 0  # bytes thrown away as noise, for the curious technician

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buffer += chunk
        frames: list[Frame] = []
        buf = self._buffer
        while True:
            start = buf.find(HEAD)
            if start < 0:
                self._drop(len(buf))
                break
            self._drop(start)
            if len(buf) < 5:
                if buf[1:2] not in (b"", bytes([MARK])):
                    self._drop(1)
                    continue
                break
            length = buf[2]
            if buf[1] != MARK or buf[3] != length or buf[4] != MARK or not MIN_LENGTH <= length <= MAX_LENGTH:
                self._drop(1)
                continue
            size = length + 7
            if len(buf) < size:
                break
            address, function = buf[5], buf[6]
            data = bytes(buf[7 : 5 + length])
            if buf[size - 1] != END or buf[size - 2] != checksum(address, function, data):
                self._drop(1)
                continue
            frames.append(Frame(address, function, data))
            del buf[:size]
        return frames

    def idle(self) -> list[Frame]:
        """The line has been quiet: a frame still incomplete never will be, so give it up and look for
        whole frames behind its start (noise claiming a long length must not hold a good frame back)."""
        frames: list[Frame] = []
        while self._buffer:
            self._drop(1)
            frames += self.feed(b"")
        return frames

    @property
    def waiting(self) -> int:
        """Bytes held back as the start of a frame not yet complete."""
        return len(self._buffer)

    def _drop(self, count: int) -> None:
        if count:
            del self._buffer[:count]
            self.dropped += count
