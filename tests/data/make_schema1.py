"""How tests/data/schema-1.sqlite was made, by onewindow 0.1 (schema 1). Kept as it is: never regenerate it."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

from onewindow.dispatch.core import Core
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall
from tests.support.hall import TZ, Clock, write_hall


def main(target: str) -> None:
    clock = Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    with tempfile.TemporaryDirectory() as folder:
        core = Core(load_hall(write_hall(Path(folder))), Store(target), clock=clock)
        kiosk, caller = "device:kiosk-1", "device:caller-1"
        for service in ("general", "general", "card", "general", "general"):
            core.execute(lambda hall, s=service: hall.issue(s, False, kiosk))
            clock.advance(40)
        core.execute(lambda hall: hall.sign_in(1, "c01", caller))
        core.execute(lambda hall: hall.call(1, caller))
        clock.advance(300)
        core.execute(lambda hall: hall.finish(1, caller))
        core.execute(lambda hall: hall.rate(1, 5, "device:eval-1"))
        core.execute(lambda hall: hall.call(1, caller))
        core.execute(lambda hall: hall.pause(2, caller, "培训"))
        core.execute(lambda hall: hall.device_status("kiosk-1", {"ok": True, "message": "", "parts": {}}, kiosk))
        core.close()


if __name__ == "__main__":
    main(sys.argv[1])
