"""Deployment (SPEC §7): the installer's steps for each role, and the watchdog fed by the core (the units themselves:
test_units.py; the installer run again: test_installer.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.hall import EXAMPLES, write_hall
from tests.support.process import free_port

SYSTEMD = Path(__file__).resolve().parents[1] / "systemd"


@pytest.mark.parametrize(
    "role,args,unit",
    [
        ("core", ["hall.toml"], "onewindow-core.service onewindow-backup.timer"),
        ("kiosk", ["hall.toml"], "onewindow-kiosk.service"),
        ("display", ["hall.toml"], "onewindow-display.service"),
        ("caller", ["hall.toml", "keypads"], "onewindow-caller@keypads.service"),
    ],
)
def test_the_installer_installs_each_role(role, args, unit):
    files = [str(EXAMPLES / a) if a.endswith(".toml") else a for a in args]
    result = subprocess.run([str(SYSTEMD / "install.sh"), role, *files, "--dry-run"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"+ systemctl enable {unit}\n+ systemctl start {unit}\n" in out
    assert "check-config" in out and "useradd --system" in out
    assert "70-onewindow.rules" in out and "71-onewindow-site.rules" in out


def test_the_installer_refuses_without_a_file():
    result = subprocess.run([str(SYSTEMD / "install.sh"), "kiosk", "--dry-run"], capture_output=True, text=True)
    assert result.returncode == 1 and "configuration file" in result.stderr


def test_the_core_tells_systemd_it_is_ready_and_feeds_the_watchdog(tmp_path):
    address = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.settimeout(20)
    port = free_port()
    env = {**os.environ, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000", "PYTHONWARNINGS": "ignore"}
    core = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "onewindow.cli",
            "core",
            "--config",
            str(write_hall(tmp_path)),
            "--db",
            str(tmp_path / "db.sqlite"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    messages = []
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end and messages.count("WATCHDOG=1") < 2:
            messages.append(listener.recv(1024).decode())
        assert messages[0] == "READY=1"
        assert messages.count("WATCHDOG=1") >= 2
    finally:
        core.terminate()
        core.wait(timeout=20)
        listener.close()
