"""Devices: a device asks who it is and reports its health; users see every device's last report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from .auth import principal, require_user
from .body import check_parts, read_body
from .errors import ApiError
from .state import app_state

devices = Blueprint("devices", __name__)

MAX_STATUS = 4096


@devices.get("/api/v1/device")
def whoami() -> dict[str, Any]:
    p = principal()
    if p.device is None:
        raise ApiError(403, "forbidden", "only devices have a device record")
    return {"id": p.device.id, "kind": p.device.kind, "windows": list(p.device.windows)}


@devices.post("/api/v1/devices/<device_id>/status")
def device_status(device_id: str) -> dict[str, Any]:
    p = principal()
    core = app_state().core
    if not any(d.id == device_id for d in core.config.devices):
        raise ApiError(404, "unknown_device", f"there is no device {device_id!r}")
    if p.kind != "device" or p.id != device_id:
        raise ApiError(403, "forbidden", "a device reports only its own status")
    body = read_body({"ok": (bool, True), "message": (str, False), "parts": (dict, False), "version": (str, False)})
    if len(request.get_data(cache=True)) > MAX_STATUS:
        raise ApiError(413, "body_too_large", f"a status report is at most {MAX_STATUS} bytes")
    status = {"ok": body["ok"], "message": body.get("message", ""), "parts": check_parts(body.get("parts", {}))}
    if "version" in body:
        status["version"] = body["version"]
    d = core.execute(lambda hall: hall.device_status(device_id, status, p.actor))
    return {"device": d.id, "kind": d.kind, "online": d.online, "status": d.status}


@devices.get("/api/v1/devices")
def list_devices() -> dict[str, Any]:
    require_user()
    return app_state().core.read(
        lambda hall: {
            "devices": [
                {
                    "id": d.id,
                    "kind": d.kind,
                    "online": d.online,
                    "last_seen": hall.iso(d.last_seen),
                    "status": d.status,
                }
                for d in hall.devices.values()
            ]
        }
    )
