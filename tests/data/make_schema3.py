"""How tests/data/schema-3.sqlite was made by the release before the appraisal (schema 3: cases, no marks or
feedback), with its operation log's key and anchor. Never regenerate it."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

from onewindow.dispatch.core import Core
from onewindow.dispatch.store import Store
from onewindow.hallfile import load_hall
from tests.support.cases import case_hall_toml
from tests.support.hall import TZ, Clock


def main(target: str) -> None:
    clock = Clock(datetime(2026, 11, 30, 9, 0, tzinfo=TZ))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hall.toml"
        path.write_text(case_hall_toml(), encoding="utf-8")
        core = Core(load_hall(path), Store(target), clock=clock)
        caller = "device:caller-1"
        general, _ = core.execute(lambda hall: hall.issue("general", False, "device:kiosk-1"))
        core.execute(lambda hall: hall.issue("injury", False, "device:kiosk-1"))
        core.execute(lambda hall: hall.sign_in(1, "c01", caller))
        core.execute(lambda hall: hall.sign_in(5, "c05", "device:caller-5"))
        core.execute(lambda hall: hall.call(1, caller))
        core.execute(lambda hall: hall.call(5, "device:caller-5"))
        clock.advance(600)
        core.execute(lambda hall: hall.finish(1, caller))
        core.execute(lambda hall: hall.finish(5, "device:caller-5"))
        core.execute(lambda hall: hall.rate_ticket(general.id, 5, "citizen"))
        case = core.read(lambda hall: hall.open_cases()[0])
        clock.advance(300)
        core.execute(lambda hall: hall.decide(case.id, "review", "r1", "pass", "齐全", "clerk:r1"))
        core.close()


if __name__ == "__main__":
    main(sys.argv[1])
