"""How tests/data/schema-2.sqlite was made by the release before cases (schema 2). Never regenerate it."""

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
        issued = []
        for service in ("general", "injury", "card", "general"):
            t, _ = core.execute(lambda hall, s=service: hall.issue(s, False, kiosk))
            issued.append(t)
            clock.advance(40)
        core.execute(lambda hall: hall.sign_in(1, "c01", caller))
        core.execute(lambda hall: hall.sign_in(5, "c05", "device:caller-5"))
        core.execute(lambda hall: hall.call(1, caller))
        core.execute(lambda hall: hall.call(5, "device:caller-5"))
        clock.advance(300)
        core.execute(lambda hall: hall.finish(1, caller))
        core.execute(lambda hall: hall.finish(5, "device:caller-5"))
        core.execute(lambda hall: hall.rate_ticket(issued[0].id, 2, "citizen", ("等候太久",)))
        core.execute(lambda hall: hall.call(1, caller))
        core.close()


if __name__ == "__main__":
    main(sys.argv[1])
