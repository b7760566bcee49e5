"""The demo's stand-ins for the hall's hardware: role files pointing the real device processes at fake printers and
at an LED line that records, and the listener that plays the LED boards.

The role files are the example ones (`config/examples/`) with what a desk lacks swapped out: the printer is a
folder (the `fake` backend saves every ticket as bytes and a PNG), the TV a window, the LED line a TCP socket
(`socket://`, which pyserial opens like any RS-485 converter on the LAN) that `LedRecorder` answers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import re
import socket
import threading
import tomllib
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from onewindow.config import EXAMPLES

log = logging.getLogger(__name__)

SOH, BEL = 0x01, 0x07  # protocol `soh`: 01 <address> <text in GB2312> 07
MAX_FRAME = 512  # a board's text is short; a longer run without an end byte is noise, dropped


# --- role files -----------------------------------------------------------------------------------------


def read_example(name: str) -> dict[str, Any]:
    """An example role file as a TOML document (`kiosk-1`, `display-1`, `caller-bus`, …)."""
    with open(EXAMPLES / f"{name}.toml", "rb") as f:
        return tomllib.load(f)


def kiosk_role(example: dict[str, Any], core: str, printer_folder: Path, screen: bool) -> dict[str, Any]:
    """The example kiosk with its printer in a folder, a window instead of the panel, and QR codes that point
    at this machine's core (the example points at the hall's public name)."""
    role = dict(example)
    role["core"] = core
    role["printer"] = {"type": "fake", "folder": str(printer_folder), "mode": "raster", "dots": 576}
    role["screen"] = {**example.get("screen", {}), "enabled": screen, "fullscreen": False}
    role["kiosk"] = {**example.get("kiosk", {}), "ticket_url": "{core}/t/{id}"}
    return role


def display_role(example: dict[str, Any], core: str, led_port: str, voice: bool) -> dict[str, Any]:
    """The example display in a window, every LED board on the recorder's line, the voice on or off."""
    role = dict(example)
    role["core"] = core
    role["screen"] = {**example.get("screen", {}), "enabled": True, "fullscreen": False}
    role["led"] = [{**board, "port": led_port} for board in example.get("led", [])]
    role["voice"] = {**example.get("voice", {}), "enabled": voice}
    return role


def toml_text(document: dict[str, Any], comment: str = "") -> str:
    """A TOML file for a document of plain values, tables and arrays of tables (what role files hold)."""
    lines = [f"# {line}" for line in comment.splitlines()]
    _emit(document, (), lines)
    return "\n".join(lines).strip() + "\n"


def _emit(table: dict[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in table.items() if _is_array_of_tables(v)}
    for key, value in table.items():
        if key not in tables and key not in arrays:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables.items():
        lines += ["", f"[{'.'.join(_key(k) for k in (*path, key))}]"]
        _emit(value, (*path, key), lines)
    for key, items in arrays.items():
        for item in items:
            lines += ["", f"[[{'.'.join(_key(k) for k in (*path, key))}]]"]
            _emit(item, (*path, key), lines)


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


# --- the LED line ---------------------------------------------------------------------------------------


class SohReader:
    """Splits the bytes of an LED line into `soh` frames: (address, text) for each complete one.

    Bytes before a frame's start, and a frame that runs past MAX_FRAME without its end, are dropped the way a
    board drops them: it waits for the next 01.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, str]]:
        self._buffer += data
        frames: list[tuple[int, str]] = []
        while True:
            start = self._buffer.find(SOH)
            if start < 0:
                self._buffer.clear()
                return frames
            del self._buffer[:start]
            # the address (byte 1) may be 01 or 07 itself; the text never holds either (the encoder sees to it),
            # so a 01 after it starts a new frame and the one before it broke off
            end = self._buffer.find(BEL, 2)
            restart = self._buffer.find(SOH, 2)
            if restart >= 0 and (end < 0 or restart < end):
                del self._buffer[:restart]
                continue
            if end < 0:
                if len(self._buffer) > MAX_FRAME:
                    self._buffer.clear()
                return frames
            address, text = self._buffer[1], bytes(self._buffer[2:end])
            del self._buffer[: end + 1]
            frames.append((address, text.decode("gb2312", errors="replace")))


class LedRecorder:
    """The LED boards of the demo: a TCP listener the display's `socket://` line connects to.

    Every frame goes to `frames.log` (time, board, text) and `boards` keeps what each board shows now;
    `boards.txt` is rewritten as they change, main board first.
    """

    def __init__(self, folder: Path, names: dict[int, str], host: str = "127.0.0.1"):
        self.folder = folder
        self.names = names  # address -> "main board" / "window 3"
        self.boards: dict[int, str] = {}
        self.frames = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.5)
        self.port = int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        folder.mkdir(parents=True, exist_ok=True)
        self._log = open(folder / "frames.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> LedRecorder:
        self._spawn(self._accept, "led-listener")
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        self._log.close()

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(conn)
            self._spawn(self._read, "led-line", conn)

    def _read(self, conn: socket.socket) -> None:
        reader = SohReader()
        conn.settimeout(0.5)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return  # the display closed the line (stopped, or reopening it)
                for address, text in reader.feed(data):
                    self.record(address, text)

    def record(self, address: int, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
        with self._lock:
            self.frames += 1
            self.boards[address] = text
            self._log.write(f"{stamp}  {self.names.get(address, f'address {address}'):<14} {text}\n")
            self._write_boards()

    def _write_boards(self) -> None:
        lines = [f"{self.names.get(a, f'address {a}'):<14} {self.boards[a]}" for a in sorted(self.boards)]
        path = self.folder / "boards.txt"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(path)


def board_names(display: dict[str, Any]) -> dict[int, str]:
    """How frames.log names each board of a display role document."""
    names = {}
    for board in display.get("led", []):
        names[int(board["address"])] = "main board" if board.get("main") else f"window {board.get('window')}"
    return names


# --- the kiosks the simulated citizens use --------------------------------------------------------------


class TappedKiosk:
    """A kiosk that simulated citizens tap: the kiosk's own worker (paper checked, one ticket per tap with its
    Idempotency-Key, the ticket printed on the role file's printer) and its heartbeat, without a screen."""

    def __init__(self, role: Any, hall: Callable[[], dict[str, Any] | None]):
        from onewindow.client import CoreClient
        from onewindow.device import Heartbeat
        from onewindow.drivers.printer import open_printer
        from onewindow.kiosk.issuing import Dispenser

        self.role = role
        self.client = CoreClient(role.core, role.token, timeout=5.0)
        self.printer = open_printer(role.settings.printer)
        self.refused = 0
        self._waiting: queue.SimpleQueue[Callable[[dict[str, Any]], None]] = queue.SimpleQueue()
        k = role.settings.kiosk
        self.dispenser = Dispenser(
            self.client,
            self.printer,
            core_url=role.core,
            ticket_url_template=k.ticket_url,
            hall=hall,
            on_outcome=self._outcome,
            on_printer=lambda _: self._printer_changed(),
            issue_timeout_s=k.issue_timeout_s,
            check_every_s=k.printer_check_s,
        )
        self.heartbeat = Heartbeat(self.client, role.device, self.health)

    def _printer_changed(self) -> None:
        self.heartbeat.now()

    def start(self) -> TappedKiosk:
        self.dispenser.start()
        self.heartbeat.start()
        return self

    def stop(self) -> None:
        self.dispenser.stop()
        self.heartbeat.stop()
        self.printer.close()
        self.client.close()

    def tap(self, service: str, priority: bool, on_ticket: Callable[[dict[str, Any]], None]) -> None:
        """A citizen taps a service; `on_ticket` gets the ticket once it is printed (the worker's thread)."""
        from onewindow.kiosk.flow import Take

        self._waiting.put(on_ticket)  # the worker answers its commands in order, one outcome each
        self.dispenser.submit(Take(service, priority, uuid.uuid4().hex))

    def _outcome(self, outcome: Any) -> None:
        from onewindow.kiosk.flow import NotIssued

        on_ticket = self._waiting.get_nowait()
        if isinstance(outcome, NotIssued):
            self.refused += 1
            log.info("%s issued nothing: %s %s", self.role.device, outcome.reason, outcome.message)
            return
        on_ticket(outcome.ticket)

    def health(self) -> dict[str, Any]:
        status = self.dispenser.status
        if status is None:
            printer = {"state": "unknown", "message": "not asked yet"}
        else:
            state = {"ok": "ok", "near_end": "warning", "unknown": "unknown"}.get(status.paper, "fault")
            printer = {"state": state if status.can_print else "fault", "message": status.message[:200]}
        screen = {"state": "ok", "message": "none: the demo's simulated citizens tap this kiosk"}
        parts = {"printer": printer, "screen": screen}
        return {"ok": printer["state"] != "fault", "message": "simulated kiosk", "parts": parts}
