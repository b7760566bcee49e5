"""RS-485 caller and evaluator pads (protocol ff68): framing, the bus driver, its fake and the [[bus]] reader."""

from .bus import PadBus, PadEvent
from .fake import FakePadLine
from .ff68 import Frame, FrameParser, PadPress, PadScore
from .settings import BusSettings, PadSettings, read_bus, read_buses

__all__ = [
    "BusSettings",
    "FakePadLine",
    "Frame",
    "FrameParser",
    "PadBus",
    "PadEvent",
    "PadPress",
    "PadScore",
    "PadSettings",
    "read_bus",
    "read_buses",
]
