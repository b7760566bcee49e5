"""Role files: the one file each device process reads (core, device, token, then its hardware tables)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .configfile import ConfigError, ConfigFile, Table, show
from .credentials import same_digest, token_sha256
from .hallfile import HallConfig

# Which device kinds in the hall file may use a role's file.
ROLE_KINDS = {"kiosk": ("kiosk",), "display": ("display",), "caller": ("caller", "evaluator")}


@dataclass(frozen=True)
class RoleConfig:
    role: str
    path: str
    core: str
    device: str
    token: str
    settings: Any


def read_common(file: ConfigFile) -> tuple[str | None, str | None, str | None]:
    root = file.root()
    core = root.get("core", kind=str, kind_name="a URL", check=_url_problem)
    device = root.str(
        "device", pattern=r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", pattern_help="the device's id in the hall file"
    )
    token = root.str(
        "token",
        pattern=r"[A-Za-z0-9_\-]{20,200}",
        pattern_help="the token printed by `onewindow new-token`, not its sha256",
    )
    return core, device, token


def _url_problem(value: str) -> str | None:
    if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+(:\d+)?/?", value):
        return f'{show(value)} is not the core\'s address (e.g. "http://10.0.0.2:8080")'
    return None


def read_role(file: ConfigFile, role: str, reader: Callable[[ConfigFile], Any]) -> RoleConfig | None:
    """Read a role file for `role`, its own tables by `reader` (the role's `read_settings`); errors collect on
    `file`."""
    if not file.valid_toml:
        return None
    core, device, token = read_common(file)
    settings = reader(file)
    file.finish(allowed_top_keys=("core", "device", "token"))
    if file.errors or core is None or device is None or token is None or settings is None:
        return None
    return RoleConfig(
        role=role, path=str(file.path), core=core.rstrip("/"), device=device, token=token, settings=settings
    )


def check_against_hall(file: ConfigFile, role: RoleConfig, hall: HallConfig) -> None:
    """With the hall file at hand, the role file's device must exist, be of the right kind and hold its token."""
    device = next((d for d in hall.devices if d.id == role.device), None)
    root = file.root()
    if device is None:
        known = ", ".join(d.id for d in hall.devices if d.kind in ROLE_KINDS[role.role])
        file.error(
            root.line("device"),
            "",
            f"device: {show(role.device)} is not a [[device]] of {Path(hall.path).name} (known: {known or 'none'})",
        )
        return
    if device.kind not in ROLE_KINDS[role.role]:
        file.error(
            root.line("device"),
            "",
            f"device: {show(role.device)} is a {device.kind} in "
            f"{Path(hall.path).name}, not a {' or '.join(ROLE_KINDS[role.role])}",
        )
    if not same_digest(token_sha256(role.token), device.token_sha256):
        file.error(
            root.line("token"),
            "",
            f"token: does not match token_sha256 of {show(device.id)} in "
            f"{Path(hall.path).name}: copy the token `onewindow new-token` printed",
        )


def load_role(path: str | Path, role: str, reader: Callable[[ConfigFile], Any]) -> RoleConfig:
    """The role file at `path` for `role`, read by `reader`, or ConfigError listing every problem."""
    file = ConfigFile(path)
    config = read_role(file, role, reader)
    if config is None:
        raise ConfigError(file.errors or [f"{file.name}: not a valid {role} file"])
    return config


def optional_table(file: ConfigFile, name: str, reader: Callable[[Table], Any], default: Any) -> Any:
    """A single table read by `reader`, or `default` when the file has none."""
    table = file.table(name)
    return default if table is None else reader(table)
