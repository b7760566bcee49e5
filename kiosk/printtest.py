"""`onewindow print-test`: the technician's first command at a new kiosk; prints a ticket marked 测试."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from onewindow.client import CoreClient, CoreRefused, CoreUnreachable
from onewindow.configfile import ConfigError
from onewindow.drivers.printer import PrinterSettings
from onewindow.drivers.printer.once import print_once
from onewindow.rolefile import load_role

from .flow import parse_time
from .settings import read_settings
from .texts import locale_of
from .ticket import sample_layout


def print_test(
    settings: PrinterSettings,
    hall_name: str,
    locale: str,
    at: datetime | None = None,
    hall: dict[str, Any] | None = None,
) -> tuple[int, str]:
    """Print the test ticket (marked 测试, number 000) at `at`, the hall's time; the machine's own clock only when
    no hall time is known. Answers (0, "printed", or with what the printer said) or (1, what is wrong)."""
    words = hall or {}
    layout = sample_layout(
        locale,
        hall_name,
        at or datetime.now().astimezone(),
        missed_rule=str(words.get("missed_rule") or ""),
        hotline=str(words.get("hotline") or ""),
    )
    return print_once(settings, layout)


def hall_time(snapshot: dict[str, Any]) -> datetime | None:
    """The hall's time from the core's snapshot (`now`, in the hall's time zone): a Pi's clock may be off."""
    return parse_time(snapshot.get("now"))


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="onewindow print-test",
        description="Print a test ticket on the kiosk's printer: marked 测试 (TEST) in the largest type and numbered "
        "000, at the hall's time, in the hall's language when the core answers (Simplified Chinese and this "
        "machine's clock otherwise). Exit 0 when printed; 1 with a plain message when the printer is away, "
        "offline or out of paper, or the role file is invalid. Stop the kiosk service first: the printer "
        "serves one program at a time.",
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.add_argument("--config", required=True, metavar="ROLE", help="the kiosk's role file (TOML)")
    parser.add_argument("--locale", choices=("zh-Hans", "zh-Hant", "en"), help="print in this language instead")
    args = parser.parse_args(argv)
    try:
        role = load_role(args.config, "kiosk", read_settings)
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print("onewindow print-test: refusing to start with an invalid configuration", file=sys.stderr)
        return 1
    hall_name, locale, where = "", args.locale, "without the core"
    snapshot: dict[str, Any] = {}
    with CoreClient(role.core, role.token, timeout=3.0) as client:
        try:
            snapshot = client.hall()
            hall_name, where = snapshot.get("name", ""), "the hall's name and time from the core"
            locale = locale or locale_of(snapshot)
        except (CoreUnreachable, CoreRefused) as exc:
            print(
                f"(the core did not answer, printing without the hall's name, at this machine's clock: {exc})",
                file=sys.stderr,
            )
    code, message = print_test(
        role.settings.printer, hall_name or "onewindow", locale or "zh-Hans", hall_time(snapshot), snapshot
    )
    print(f"{message} ({role.settings.printer.type} printer, {role.settings.printer.mode}, {where})")
    return code


if __name__ == "__main__":
    sys.exit(main())
