"""The `[[led]]` tables of a display's role file: which board sits on which line, at which address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from onewindow.configfile import ConfigFile, Table, show

from .protocols import PROTOCOLS

BAUDRATES = (1200, 115200)


@dataclass(frozen=True)
class LedSettings:
    """One LED board: over a window (`window`) or the hall's main board (`main`)."""

    port: str
    address: int
    baudrate: int = 9600
    protocol: str = "soh"
    window: int | None = None
    main: bool = False
    width: int | None = None  # how many half-width cells the board shows (a Chinese character takes two)


def read_led(table: Table) -> LedSettings | None:
    """Read one `[[led]]` entry; errors collect on its file, None when any was found."""
    table.name_by("address")
    port = table.str("port")
    baudrate = table.int("baudrate", 9600, minval=BAUDRATES[0], maxval=BAUDRATES[1])
    protocol = table.str("protocol", "soh", choices=PROTOCOLS)
    address = table.int("address", minval=0, maxval=255)
    window = table.int("window", None, minval=1, maxval=999)
    main = table.bool("main", False)
    width = table.int("width", None, minval=1, maxval=255)
    if table.has("window") and main:
        table.error("main", "a board shows one window (window = N) or is the hall's main board (main = true), not both")
    elif not table.has("window") and main is False:
        table.error(
            None,
            "say which board this is: window = N for the board over window N, or main = true for the hall's main board",
        )
    table.finish()
    if not table.ok or None in (port, baudrate, protocol, address, main):
        return None
    return LedSettings(
        port=port, address=address, baudrate=baudrate, protocol=protocol, window=window, main=main, width=width
    )


def read_leds(file: ConfigFile) -> list[LedSettings] | None:
    """Every `[[led]]` entry, checked against each other: one address once per line, one speed and
    protocol per line. None when any error was found (they collect on `file`)."""
    boards: list[LedSettings] = []
    lines: dict[str, tuple[LedSettings, int | None]] = {}
    addresses: dict[tuple[str, int], int | None] = {}
    failed = False
    for table in file.tables("led"):
        board = read_led(table)
        if board is None:
            failed = True
            continue
        first = lines.get(board.port)
        if first is None:
            lines[board.port] = (board, table.line("port"))
        else:
            other, line = first
            for key in ("baudrate", "protocol"):
                if getattr(board, key) != getattr(other, key):
                    table.error(
                        key,
                        f"{show(getattr(board, key))} differs from the board at line {line} on "
                        f"the same port {show(board.port)} ({show(getattr(other, key))}): "
                        "boards on one line share its speed and protocol",
                    )
        where = (board.port, board.address)
        if where in addresses:
            table.error(
                "address",
                f"{board.address} is used twice on port {show(board.port)} (first at line {addresses[where]})",
            )
        else:
            addresses[where] = table.line("address")
        if not table.ok:
            failed = True
            continue
        boards.append(board)
    return None if failed else boards


def ports(boards: Iterable[LedSettings]) -> list[str]:
    """The distinct lines the boards sit on, in the order of the file."""
    return list(dict.fromkeys(b.port for b in boards))
