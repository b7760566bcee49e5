"""The `[[bus]]` tables of a caller or evaluator role file: which pad on the line belongs to which window."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.configfile import ConfigFile, Table, show

BUS_PROTOCOLS = ("ff68",)
BAUDRATES = (1200, 115200)


@dataclass(frozen=True)
class PadSettings:
    address: int
    window: int


@dataclass(frozen=True)
class BusSettings:
    port: str
    pads: tuple[PadSettings, ...]
    baudrate: int = 9600
    protocol: str = "ff68"

    def window_of(self, address: int) -> int | None:
        """The window of the pad at `address`; None for a pad nobody configured."""
        return next((p.window for p in self.pads if p.address == address), None)

    def address_of(self, window: int) -> list[int]:
        """The pads of `window` on this line."""
        return [p.address for p in self.pads if p.window == window]


def read_bus(table: Table) -> BusSettings | None:
    """Read one `[[bus]]` entry; errors collect on its file, None when any was found."""
    table.name_by("port")
    port = table.str("port")
    baudrate = table.int("baudrate", 9600, minval=BAUDRATES[0], maxval=BAUDRATES[1])
    protocol = table.str("protocol", "ff68", choices=BUS_PROTOCOLS)
    if not table.has("pads"):
        table.error("pads", "is required: the pads on this line, e.g. pads = [{ address = 3, window = 3 }]")
    elements: list[Table] = table.elements("pads")
    if table.has("pads") and isinstance(table.data["pads"], list) and not table.data["pads"]:
        table.error("pads", "must not be empty: list the pads on this line, e.g. [{ address = 3, window = 3 }]")
    pads: list[PadSettings] = []
    first_at: dict[int, int] = {}
    for number, pad in enumerate(elements, start=1):
        address = pad.int("address", minval=0, maxval=255)
        window = pad.int("window", minval=1, maxval=999)
        pad.finish()
        if address is not None and address in first_at:
            pad.error(
                "address",
                f"{show(address)} is used twice on this line (first in pads[{first_at[address]}]); "
                "every pad on one line needs its own address",
            )
        elif address is not None:
            first_at[address] = number
        if pad.ok and address is not None and window is not None:
            pads.append(PadSettings(address=address, window=window))
        else:
            table.ok = False
    table.finish()
    if not table.ok or None in (port, baudrate, protocol):
        return None
    return BusSettings(port=port, pads=tuple(pads), baudrate=baudrate, protocol=protocol)


def read_buses(file: ConfigFile) -> list[BusSettings] | None:
    """Every `[[bus]]` entry, each port once. None when any error was found (they collect on `file`)."""
    buses: list[BusSettings] = []
    first_at: dict[str, int | None] = {}
    failed = False
    for table in file.tables("bus"):
        bus = read_bus(table)
        if bus is None:
            failed = True
            continue
        if bus.port in first_at:
            table.error(
                "port",
                f"{show(bus.port)} is used twice (first at line {first_at[bus.port]}): "
                "list every pad of one line in one [[bus]]",
            )
            failed = True
            continue
        first_at[bus.port] = table.line("port")
        buses.append(bus)
    return None if failed else buses
