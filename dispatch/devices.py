"""The hall's devices: what each kiosk, display and caller last reported, and which have gone silent."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from onewindow.hallfile import Device


@dataclass
class DeviceState:
    id: str
    kind: str
    last_seen: float | None = None
    online: bool = False
    status: dict[str, Any] = field(default_factory=dict)
    changed_at: float | None = None  # when it last said something new (not stored: after a restart, unknown)


class Devices(Mapping[str, DeviceState]):
    """Every device of the hall file by id; one silent for longer than `timeout_s` counts as offline."""

    def __init__(self, devices: Iterable[Device], timeout_s: float):
        self.timeout_s = timeout_s
        self._states = {d.id: DeviceState(d.id, d.kind) for d in devices}

    def __getitem__(self, device_id: str) -> DeviceState:
        return self._states[device_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def restore(self, states: Iterable[DeviceState]) -> None:
        """Take back stored states, of the devices the hall file still has."""
        for d in states:
            if d.id in self._states:
                self._states[d.id] = d

    def report(self, device_id: str, status: dict[str, Any], now: float) -> tuple[DeviceState, bool]:
        """A device says it is alive and how it is; True when that is news (it was offline or said otherwise)."""
        d = self._states[device_id]
        changed = not d.online or d.status != status
        if changed:
            d.changed_at = now
        d.last_seen, d.online, d.status = now, True, status
        return d, changed

    def silent(self, now: float) -> list[DeviceState]:
        """Mark offline, and return, the online devices not heard from for longer than the timeout."""
        gone = []
        for d in self._states.values():
            if d.online and d.last_seen is not None and now - d.last_seen > self.timeout_s:
                d.online = False
                gone.append(d)
        return gone
