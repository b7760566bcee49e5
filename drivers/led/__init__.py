"""LED boards over serial lines: protocol modules by name, the line writer, its fake and the [[led]] reader."""

from .fake import FakeLedLine
from .line import LedBoards, LedLine, open_led_lines
from .protocols import PROTOCOLS, encoder
from .settings import LedSettings, read_led, read_leds

__all__ = [
    "PROTOCOLS",
    "FakeLedLine",
    "LedBoards",
    "LedLine",
    "LedSettings",
    "encoder",
    "open_led_lines",
    "read_led",
    "read_leds",
]
