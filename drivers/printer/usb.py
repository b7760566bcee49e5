"""Backend `usb`: a printer driven directly over libusb through python-escpos's `Usb` (vendor and product id).

python-escpos and pyusb are imported when the printer is opened, so reading a config never needs them.
`Usb` detaches the kernel's usblp driver, so /dev/usb/lp0 disappears while this backend holds the printer.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from onewindow.configfile import show

from .backends import Backend, Common
from .link import LinkAway, LinkLost

if TYPE_CHECKING:
    from onewindow.configfile import Table


# python-escpos's defaults, used when the interface does not tell us its bulk endpoints
DEFAULT_IN_EP = 0x82
DEFAULT_OUT_EP = 0x01


@dataclass(frozen=True)
class UsbOptions:
    vendor: int
    product: int
    in_ep: int | None = None  # None: the first bulk IN endpoint of interface 0
    out_ep: int | None = None  # None: the first bulk OUT endpoint of interface 0


def _usb_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return f"{show(value)} is not a USB id"
    if isinstance(value, int):
        return None if 0 < value <= 0xFFFF else f"{value:#x} is not a USB id (0x0001 to 0xffff)"
    if isinstance(value, str):
        try:
            number = int(value, 16)
        except ValueError:
            number = -1
        if 0 < number <= 0xFFFF:
            return None
    return f'{show(value)} is not a USB id (write it as lsusb shows it, e.g. 0x0416 or "0416")'


def _as_int(value: Any) -> int:
    return value if isinstance(value, int) else int(value, 16)


def read_options(t: Table) -> UsbOptions | None:
    vendor = t.get("vendor", check=_usb_id)
    product = t.get("product", check=_usb_id)
    in_ep = t.get(
        "in_ep",
        None,
        kind=int,
        kind_name="an endpoint number",
        check=lambda v: None if 0x81 <= v <= 0x8F else f"{v:#x} is not an IN endpoint (0x81 to 0x8f)",
    )
    out_ep = t.get(
        "out_ep",
        None,
        kind=int,
        kind_name="an endpoint number",
        check=lambda v: None if 0x01 <= v <= 0x0F else f"{v:#x} is not an OUT endpoint (0x01 to 0x0f)",
    )
    if vendor is None or product is None or not t.ok:
        return None
    return UsbOptions(vendor=_as_int(vendor), product=_as_int(product), in_ep=in_ep, out_ep=out_ep)


def bulk_endpoints(device: Any) -> tuple[int | None, int | None]:
    """The first bulk IN and OUT endpoint addresses of interface 0, or None where there is none."""
    import usb.core
    import usb.util

    try:
        interface = device.get_active_configuration()[(0, 0)]
    except (usb.core.USBError, KeyError, IndexError, NotImplementedError):
        # a device that cannot describe itself: the defaults or the configured endpoints are used
        return None, None
    found_in = found_out = None
    for endpoint in interface:
        if usb.util.endpoint_type(endpoint.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
            continue
        if usb.util.endpoint_direction(endpoint.bEndpointAddress) == usb.util.ENDPOINT_IN:
            found_in = found_in or endpoint.bEndpointAddress
        else:
            found_out = found_out or endpoint.bEndpointAddress
    return found_in, found_out


class UsbLink:
    """python-escpos `Usb` with a write timeout (its default, 0, means wait forever in libusb)."""

    answers = True

    def __init__(self, options: UsbOptions, settings: Common):
        self.options = options
        self.timeout_ms = int(settings.timeout_s * 1000)
        self.where = f"USB {options.vendor:04x}:{options.product:04x}"
        self._printer: Any = None
        self._device: Any = None
        self.in_ep = options.in_ep or DEFAULT_IN_EP
        self.out_ep = options.out_ep or DEFAULT_OUT_EP

    def open(self) -> None:
        try:
            import usb.core
            from escpos.exceptions import DeviceNotFoundError
            from escpos.printer import Usb
        except ImportError as exc:
            raise LinkAway("python-escpos with the usb extra (pyusb) is not installed") from exc
        printer = Usb(
            self.options.vendor, self.options.product, timeout=self.timeout_ms, in_ep=self.in_ep, out_ep=self.out_ep
        )
        try:
            printer.open()
            device = printer.device
        except usb.core.NoBackendError as exc:
            printer._device = False  # nothing to dispose of
            raise LinkAway(f"no {self.where}: libusb-1.0 is not installed") from exc
        except (DeviceNotFoundError, usb.core.USBError) as exc:
            printer._device = False
            lines = str(exc).strip().splitlines()
            raise LinkAway(f"no {self.where}: {lines[-1] if lines else type(exc).__name__}") from exc
        found_in, found_out = bulk_endpoints(device)
        self.in_ep = self.options.in_ep or found_in or DEFAULT_IN_EP
        self.out_ep = self.options.out_ep or found_out or DEFAULT_OUT_EP
        self._printer, self._device = printer, device

    def _opened(self) -> Any:
        if self._device is None:
            raise LinkLost("not open")
        return self._device

    def write(self, data: bytes) -> None:
        device = self._opened()
        import usb.core

        try:
            written = device.write(self.out_ep, data, self.timeout_ms)
        except usb.core.USBTimeoutError as exc:
            raise LinkLost(f"{self.where} took no data for {self.timeout_ms / 1000:g} s") from exc
        except usb.core.USBError as exc:
            raise LinkLost(f"{self.where} lost: {exc}") from exc
        if written != len(data):
            raise LinkLost(f"{self.where} took {written} of {len(data)} bytes")

    def read(self, size: int, timeout_s: float) -> bytes:
        """Replies can take several reads (zero-length packets first), so read until the deadline."""
        import usb.core

        device = self._opened()
        deadline = time.monotonic() + timeout_s
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                return b""
            try:
                data = bytes(device.read(self.in_ep, max(size, 64), left_ms))
            except usb.core.USBTimeoutError:
                return b""
            except usb.core.USBError as exc:
                raise LinkLost(f"{self.where} lost: {exc}") from exc
            if data:
                return data[:size]

    def discard_input(self) -> None:
        import usb.core

        device = self._opened()
        for _ in range(8):
            try:
                if not bytes(device.read(self.in_ep, 64, 10)):
                    return
            except usb.core.USBTimeoutError:
                return
            except usb.core.USBError as exc:
                raise LinkLost(f"{self.where} lost: {exc}") from exc

    def end_job(self) -> None:
        pass

    def close(self) -> None:
        printer, self._printer, self._device = self._printer, None, None
        if printer is not None:
            # closing a device that is already gone may fail in any way
            with contextlib.suppress(Exception):
                printer.close()


BACKEND = Backend(read_options=read_options, link=UsbLink, band_pause_ms=20)
