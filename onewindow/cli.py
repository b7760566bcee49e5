"""The one command: `onewindow <role>` starts each process of the hall, and the technician's tools."""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import systemd
from .configfile import ConfigError, ConfigFile
from .credentials import hash_secret, new_token
from .hallfile import is_hall_file, read_hall
from .rolefile import check_against_hall
from .roles import read_any_role

DEFAULT_DB = os.environ.get("ONEWINDOW_DB", "var/onewindow.sqlite")


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if systemd.to_journal(sys.stderr):
        handler.setFormatter(systemd.JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[handler])


def cmd_core(args: argparse.Namespace) -> int:
    from onewindow.dispatch.core import Core
    from onewindow.dispatch.server import run
    from onewindow.dispatch.store import Store, StoreError
    from onewindow.hallfile import load_hall

    hall = load_hall(args.config)
    try:
        store = Store(args.db, audit_key=args.audit_key)
        store.claim(hall.name, str(Path(args.config).resolve()))
        core = Core(hall, store)
    except StoreError as exc:
        print(f"onewindow core: {exc}", file=sys.stderr)
        return 1
    try:
        return run(
            core,
            args.host,
            args.port,
            heartbeat_s=args.heartbeat,
            behind_tls=args.behind_tls,
            per_address=args.followers_per_address,
        )
    except OSError as exc:
        print(f"onewindow core: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def cmd_check_config(args: argparse.Namespace) -> int:
    files = [ConfigFile(path) for path in args.files]
    halls = [h for h in (read_hall(f) for f in files if f.valid_toml and is_hall_file(f)) if h is not None]
    errors: list[str] = []
    for f in files:
        if f.valid_toml and is_hall_file(f):
            errors += f.errors
            continue
        role = read_any_role(f) if f.valid_toml else None
        if role is not None and halls:
            # with several hall files given, a role file belongs to the one that lists its device
            hall = next((h for h in halls if any(d.id == role.device for d in h.devices)), halls[0])
            check_against_hall(f, role, hall)
        errors += f.errors
    if errors:
        for line in errors:
            print(line)
        print(
            f"{len(errors)} error{'s' if len(errors) > 1 else ''} in {len(files)} file{'s' if len(files) > 1 else ''}",
            file=sys.stderr,
        )
        return 1
    for f in files:
        print(f"{f.name}: ok")
    return 0


def cmd_hash_pin(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("again: ") != pin:
            print("the two entries differ", file=sys.stderr)
            return 1
    else:
        pin = sys.stdin.readline().rstrip("\r\n")
    if not pin:
        print("an empty PIN cannot be hashed", file=sys.stderr)
        return 1
    print(hash_secret(pin))
    return 0


def cmd_new_token(args: argparse.Namespace) -> int:
    token, digest = new_token()
    print(f'token = "{token}"          # for the device\'s role file')
    print(f'token_sha256 = "{digest}"  # for its [[device]] in the hall file')
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from onewindow.dispatch.store import StoreError, verify_copy

    if "://" not in args.db and not Path(args.db).exists():
        print(f"no database at {args.db}", file=sys.stderr)
        return 1
    try:
        ok, message = verify_copy(args.db, args.audit_key)
    except StoreError as exc:
        print(f"onewindow audit: {exc}", file=sys.stderr)
        return 1
    print(("ok: " if ok else "ALTERED: ") + message)
    return 0 if ok else 1


def cmd_rename_hall(args: argparse.Namespace) -> int:
    from onewindow.dispatch.store import Store, StoreError
    from onewindow.hallfile import load_hall

    hall = load_hall(args.config)
    if "://" not in args.db and not Path(args.db).exists():
        print(f"no database at {args.db}", file=sys.stderr)
        return 1
    try:
        before = Store(args.db).rename_hall(hall.name, str(Path(args.config).resolve()))
    except StoreError as exc:
        print(f"onewindow rename-hall: {exc}", file=sys.stderr)
        return 1
    print(f'the database {args.db} now belongs to the hall "{hall.name}" (it was "{before}")')
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from datetime import datetime

    from onewindow.dispatch.backup import BackupError, back_up

    try:
        made, removed = back_up(args.db, Path(args.to), args.keep_days, datetime.now())
    except BackupError as exc:
        print(f"onewindow backup: {exc}", file=sys.stderr)
        return 1
    removed_text = f"; removed {len(removed)} older than {args.keep_days} days" if removed else ""
    print(f"backed up {args.db} to {made}{removed_text}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from datetime import datetime

    from onewindow.dispatch.backup import BackupError, restore
    from onewindow.dispatch.store import StoreError, restart_anchor

    now = datetime.now()
    try:
        kept = restore(Path(args.backup), args.db, now)
        anchor = restart_anchor(args.db, args.audit_key, f"before-restore-{now:%Y%m%d-%H%M%S}")
    except (BackupError, StoreError, OSError) as exc:
        print(f"onewindow restore: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.db} from {args.backup}" + (f"; the database it replaced is kept as {kept}" if kept else ""))
    if anchor is not None:
        print(f"the operation log's anchor starts again from the backup; the one before is kept as {anchor}")
    print(f"check its operation log: onewindow audit verify --db {args.db}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import json
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from onewindow.dispatch.city import city_rows
    from onewindow.dispatch.reports import KINDS, BadRange, report_range
    from onewindow.dispatch.sheets import as_file
    from onewindow.dispatch.store import StoreError

    if args.kind not in KINDS:
        print(f"onewindow report: there is no report {args.kind!r}; there are: {', '.join(KINDS)}", file=sys.stderr)
        return 1
    try:
        zone = ZoneInfo(args.timezone) if args.timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        print(f"onewindow report: {args.timezone!r} is not a time zone this machine knows", file=sys.stderr)
        return 1
    try:
        first, last = report_range(args.first, args.last)
        rows = city_rows(args.kind, first, last, args.databases, zone)
    except (BadRange, StoreError) as exc:
        print(f"onewindow report: {exc}", file=sys.stderr)
        return 1
    columns = ("hall", *KINDS[args.kind].columns)
    if args.format == "json":
        body = (
            json.dumps(
                {"kind": args.kind, "from": first, "to": last, "columns": columns, "rows": rows},
                ensure_ascii=False,
                indent=1,
            ).encode()
            + b"\n"
        )
    else:
        body = as_file(args.format, columns, rows, f"{args.kind} {first} {last}")
    if args.out:
        Path(args.out).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


# Commands whose module parses its own arguments (`main(argv) -> int`, prog "onewindow <name>"), so that each
# role's options live beside its code and `onewindow --help` never imports pygame, escpos or evdev.
DELEGATED = {
    "kiosk": ("onewindow.kiosk.main", "the ticket kiosk: touchscreen and printer"),
    "display": ("onewindow.display.main", "the call display: TV page, LED boards and voice"),
    "caller": ("onewindow.caller.main", "caller and evaluator keypads (USB and RS-485)"),
    "print-test": ("onewindow.kiosk.printtest", "print a sample ticket on the kiosk's printer"),
    "simulate": ("onewindow.simulator.main", "a day of the hall on a virtual clock, against a shared queue"),
    "demo": ("onewindow.demo.main", "a whole simulated hall on this machine"),
}


def _delegate(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return int(importlib.import_module(module).main(args.rest))

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onewindow", description=__doc__)
    parser.add_argument(
        "--log-level",
        default=os.environ.get("ONEWINDOW_LOG", "info"),
        help="debug, info, warning or error (default info)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("core", help="the dispatch core", description="Run the dispatch core for one hall.")
    p.add_argument("--config", required=True, metavar="HALL", help="the hall file (TOML)")
    p.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH or URL",
        help=f"SQLite file or database URL such as postgresql://user@host/db (default {DEFAULT_DB})",
    )
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument(
        "--audit-key",
        default=os.environ.get("ONEWINDOW_AUDIT_KEY"),
        metavar="FILE",
        help="the operation log's key, made at first start with mode 0600 (default $ONEWINDOW_AUDIT_KEY, else "
        "PATH.audit-key beside a SQLite database; required with a database URL); its anchor is FILE.anchor",
    )
    p.add_argument(
        "--behind-tls",
        action="store_true",
        default=os.environ.get("ONEWINDOW_BEHIND_TLS", "").lower() in ("1", "yes", "true"),
        help="browsers come through an HTTPS proxy on this machine (docs/deployment.md): the session cookie is "
        "Secure and the proxy's X-Forwarded-For is believed (default: ONEWINDOW_BEHIND_TLS=yes in the environment)",
    )
    p.add_argument(
        "--followers-per-address",
        type=int,
        default=int(os.environ.get("ONEWINDOW_FOLLOWERS_PER_ADDRESS", "0")) or None,
        metavar="N",
        help="event streams without a device token from one address (default 64, or "
        "$ONEWINDOW_FOLLOWERS_PER_ADDRESS); raise it when the hall's phones reach the core through one NAT address",
    )
    p.add_argument("--heartbeat", type=float, default=15.0, help=argparse.SUPPRESS)
    p.set_defaults(run=cmd_core)

    for name, (module, text) in DELEGATED.items():
        # the module's own parser answers --help and every option after the command's name
        p = sub.add_parser(name, help=text, add_help=False, prefix_chars="\0")
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(run=_delegate(module))

    p = sub.add_parser(
        "check-config",
        help="check hall and role files",
        description="Check hall and role files; exit 0 when all are valid, 1 listing every error. "
        "Given the hall file too, role files are checked against its devices.",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=cmd_check_config)

    p = sub.add_parser(
        "hash-pin",
        help="make a pin_hash (or password_hash) from standard input",
        description="Read a PIN or password on standard input (not echoed on a terminal) and "
        "print the hash for the hall file.",
    )
    p.set_defaults(run=cmd_hash_pin)

    p = sub.add_parser(
        "new-token",
        help="make a device token and its token_sha256",
        description="Print a new device token (for the role file) and its sha256 (for the hall).",
    )
    p.set_defaults(run=cmd_new_token)

    _database_commands(sub)
    return parser


def _database_commands(sub: Any) -> None:
    """The technician's tools for the core's database: whose hall it is, backups, the operation log."""
    p = sub.add_parser(
        "rename-hall",
        help="record a renamed hall's new name on its database",
        description="A database records the hall it belongs to, and the core refuses another hall's. When the "
        "hall itself was renamed in its hall file, this records the new name (the hall keeps its id).",
    )
    p.add_argument("--config", required=True, metavar="HALL", help="the hall file with the new name")
    p.add_argument("--db", default=DEFAULT_DB, metavar="PATH or URL")
    p.set_defaults(run=cmd_rename_hall)

    p = sub.add_parser(
        "backup",
        help="copy the core's database while it runs",
        description="Copy the core's database, safe while the core runs, into a folder, and remove the copies "
        "older than --keep-days: a SQLite file with SQLite's online backup as core-DATE-TIME.sqlite, a PostgreSQL "
        "hall with pg_dump of its own schema (the URL's schema=, else public) as core-DATE-TIME.pgdump.",
    )
    p.add_argument("--db", default=DEFAULT_DB, metavar="PATH or URL")
    p.add_argument("--to", required=True, metavar="FOLDER", help="where the copies are kept")
    p.add_argument("--keep-days", type=int, default=14, metavar="N", help="days a copy is kept (default 14)")
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="put a backup in place of the core's database (stop the core first)",
        description="Put a backup in place of the core's database; the database it replaces is kept beside "
        "it (a PostgreSQL hall's schema is renamed SCHEMA_before_restore_DATE_TIME). Stop the core first, and "
        "check the result with `onewindow audit verify`.",
    )
    p.add_argument("backup", metavar="BACKUP", help="a copy made by onewindow backup (.sqlite or .pgdump)")
    p.add_argument("--db", default=DEFAULT_DB, metavar="PATH or URL")
    p.add_argument(
        "--audit-key",
        default=os.environ.get("ONEWINDOW_AUDIT_KEY"),
        metavar="FILE",
        help="the operation log's key, whose anchor starts again from the backup (default $ONEWINDOW_AUDIT_KEY, "
        "else PATH.audit-key)",
    )
    p.set_defaults(run=cmd_restore)

    p = sub.add_parser(
        "report",
        help="a report over several halls' databases (a city's), each row with its hall",
        description="The rows of one kind of report (as GET /api/v1/reports/KIND gives one hall's) for the days "
        "--from to --to, over each hall's database in turn, with the hall's name first. Each database is a SQLite "
        "file or a URL such as postgresql://city@db/halls?schema=hall_a (one schema per hall).",
    )
    p.add_argument("--kind", required=True, help="windows, clerks, services, units, hours or appraisal")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD", help="the first day")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD", help="the last day (included)")
    p.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv", help="default csv (UTF-8 with BOM)")
    p.add_argument("--out", metavar="FILE", help="write here instead of to standard output")
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        help="the zone for --kind hours (default: each hall's, from its hall file when readable here, else this "
        "machine's)",
    )
    p.add_argument("databases", nargs="+", metavar="DB", help="each hall's database: a SQLite file or a URL")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("audit", help="the operation log", description="Check the operation log.")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser(
        "verify",
        help="check the keyed chain and its anchor; report the first entry altered, removed or added",
        description="Check the operation log without writing to the database (a read-only copy will do).",
    )
    v.add_argument("--db", default=DEFAULT_DB, metavar="PATH or URL")
    v.add_argument(
        "--audit-key",
        default=os.environ.get("ONEWINDOW_AUDIT_KEY"),
        metavar="FILE",
        help="the log's key (default $ONEWINDOW_AUDIT_KEY, else PATH.audit-key); FILE.anchor beside it",
    )
    v.set_defaults(run=cmd_audit_verify)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.log_level)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print(f"onewindow {args.command}: refusing to start with an invalid configuration", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
