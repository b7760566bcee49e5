"""The systemd units as systemd reads them: accepted, hardened (systemd-analyze security), each role reaching exactly
its own devices; a kiosk without its screen that still says READY with a STATUS; errors at error priority."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.kiosk_rig import network_printer, role_text
from tests.support.process import free_port

SYSTEMD = Path(__file__).resolve().parents[1] / "systemd"
# the processes; onewindow-backup.service is a nightly oneshot, started by its timer
UNITS = sorted(u for u in SYSTEMD.glob("*.service") if u.name != "onewindow-backup.service")
# what each role opens, by the kernel's device groups (/proc/devices) or by path
DEVICES = {
    "onewindow-core.service": set(),
    "onewindow-kiosk.service": {
        "/dev/tty1 rw",
        "char-drm rw",
        "char-input r",
        "char-usb rw",
        "char-usb_device rw",
        "char-ttyUSB rw",
        "char-ttyACM rw",
        "char-ttyAMA rw",
    },
    "onewindow-display.service": {
        "/dev/tty1 rw",
        "char-drm rw",
        "char-alsa rw",
        "char-ttyUSB rw",
        "char-ttyACM rw",
        "char-ttyAMA rw",
    },
    "onewindow-caller@.service": {"char-input rw", "char-ttyUSB rw", "char-ttyACM rw", "char-ttyAMA rw"},
}
GROUPS = {
    "onewindow-core.service": None,
    "onewindow-kiosk.service": "video render input lp dialout",
    "onewindow-display.service": "video render audio dialout",
    "onewindow-caller@.service": "input dialout",
}
needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")


def settings(unit: Path, key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", unit.read_text(), flags=re.M)


def runnable(unit: Path, folder: Path) -> Path:
    """The unit as installed, its ExecStart pointing at this test's onewindow (verify wants a real program)."""
    onewindow = Path(sys.executable).with_name("onewindow")
    name = unit.name.replace("@.service", "@keypads.service")
    (folder / name).write_text(unit.read_text().replace("/opt/onewindow/venv/bin/onewindow", str(onewindow)))
    return folder / name


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_each_unit_is_hardened_and_reaches_exactly_its_devices(unit: Path) -> None:
    for key, value in [
        ("Type", "notify"),
        ("Restart", "always"),
        ("User", "onewindow"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("SyslogLevel", "err"),
        ("EnvironmentFile", "-/etc/default/onewindow"),
    ]:
        assert settings(unit, key) == [value], (unit.name, key)
    assert settings(unit, "WatchdogSec")
    assert set(settings(unit, "DeviceAllow")) == DEVICES[unit.name]
    if DEVICES[unit.name]:
        assert settings(unit, "DevicePolicy") == ["closed"]
    else:
        assert settings(unit, "PrivateDevices") == ["yes"]
    assert settings(unit, "SupplementaryGroups") == ([GROUPS[unit.name]] if GROUPS[unit.name] else [])
    # only the core writes, and only its own folder
    assert settings(unit, "ReadWritePaths") == (["/var/lib/onewindow"] if "core" in unit.name else [])


def test_the_nightly_backup_is_a_hardened_oneshot_that_writes_only_the_cores_folder_and_reaches_a_database_server() -> (
    None
):
    backup, timer = SYSTEMD / "onewindow-backup.service", SYSTEMD / "onewindow-backup.timer"
    assert settings(backup, "Type") == ["oneshot"] and settings(backup, "User") == ["onewindow"]
    assert "onewindow backup --db ${ONEWINDOW_DB} --to /var/lib/onewindow/backups" in settings(backup, "ExecStart")[0]
    assert settings(backup, "ReadWritePaths") == ["/var/lib/onewindow"] and settings(backup, "PrivateDevices") == [
        "yes"
    ]
    # a PostgreSQL hall's server is reached over TCP or its Unix socket; nothing else
    assert settings(backup, "RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6"]
    assert settings(timer, "Persistent") == ["yes"] and settings(timer, "OnCalendar")


@needs_systemd_analyze
@pytest.mark.parametrize("unit", [*UNITS, SYSTEMD / "onewindow-backup.service"], ids=lambda u: u.name)
def test_systemd_accepts_each_unit_and_rates_it_well_hardened(unit: Path, tmp_path: Path) -> None:
    installed = [runnable(unit, tmp_path)]
    if "backup" in unit.name:  # verified with the timer that starts it
        installed.append(Path(shutil.copy(SYSTEMD / "onewindow-backup.timer", tmp_path)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *map(str, installed)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(installed[0])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    exposure = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert exposure, result.stdout + result.stderr
    # systemd rates 0 (locked down) to 10 (exposed); "OK" is below 2; the screen roles need their devices
    assert float(exposure[1]) <= 2.0, result.stdout


def test_a_kiosk_without_its_screen_is_ready_says_why_and_logs_the_error_as_an_error(tmp_path: Path) -> None:
    role = tmp_path / "kiosk.toml"
    role.write_text(role_text(f"http://127.0.0.1:{free_port()}", network_printer(("127.0.0.1", free_port()))))
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(30)
    journal = (tmp_path / "journal").open("w")
    status = os.fstat(journal.fileno())
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "no-such-screen",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",  # as the unit sets it: pygame's greeting is no error
        "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
        "WATCHDOG_USEC": "1000000",
        "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("WATCHDOG_PID", None)
    command = [sys.executable, "-m", "onewindow.cli", "kiosk", "--config", str(role)]
    process = subprocess.Popen(command, env=env, stdout=journal, stderr=journal)
    try:
        said = [notify.recv(1000).decode()]
        while "WATCHDOG=1" not in said:
            said.append(notify.recv(1000).decode())
        ready = said[0].splitlines()
        assert ready[0] == "READY=1" and ready[1].startswith("STATUS=waiting for the screen: ")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        notify.close()
        journal.close()
    lines = (tmp_path / "journal").read_text().splitlines()
    assert any(line.startswith("<3>onewindow.kiosk") and "cannot open the screen" in line for line in lines), lines
    assert all(re.match(r"<[2-7]>", line) for line in lines if line.strip()), lines
