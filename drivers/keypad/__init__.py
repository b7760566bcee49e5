"""USB keypads read through evdev: key names, key maps, the reconnecting reader, its fake and the readers
of [[keypad]] and [keymap.NAME] tables."""

from .fake import FakeKeypad
from .keymap import ACTIONS, BUILTIN, NUMPAD, Keymap, key_code, key_name, read_keymap, read_keymaps
from .reader import EvdevKeypad, KeypadReader, pressed_keys
from .settings import KeypadSettings, read_keypad, read_keypads

__all__ = [
    "ACTIONS",
    "BUILTIN",
    "NUMPAD",
    "EvdevKeypad",
    "FakeKeypad",
    "KeypadReader",
    "KeypadSettings",
    "Keymap",
    "key_code",
    "key_name",
    "pressed_keys",
    "read_keymap",
    "read_keymaps",
    "read_keypad",
    "read_keypads",
]
