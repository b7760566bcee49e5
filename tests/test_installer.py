"""systemd/install.sh run again and again, as a technician updates a hall: in its --root mode it installs the
built package for real into a folder, keeps every site edit, and stops and starts only what changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = "onewindow-core.service"
TIMER = "onewindow-backup.timer"
pytestmark = pytest.mark.install


class Machine:
    """A copy of the checkout (so a test can change the code) and the folder it installs into."""

    def __init__(self, tmp_path: Path):
        self.src = tmp_path / "src"
        ignore = shutil.ignore_patterns(".venv", "build", "var", ".git", "artifacts", "__pycache__", "*.egg-info")
        shutil.copytree(ROOT, self.src, ignore=ignore)
        self.root = tmp_path / "root"
        self.hall = tmp_path / "hall.toml"
        shutil.copy(ROOT / "config/examples/hall.toml", self.hall)

    def install(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [self.src / "systemd/install.sh", "core", *args, "--root", self.root]
        return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300)

    def systemctl(self) -> list[str]:
        """What systemctl was asked, in order (packages and users are asked for again on a machine without them)."""
        path = self.root / "system.log"
        return [line for line in path.read_text().splitlines() if line.startswith("systemctl ")]

    def running(self) -> list[str]:
        return (self.root / "active").read_text().split()

    def file(self, path: str) -> Path:
        return self.root / path.lstrip("/")


def test_a_second_run_keeps_site_edits_and_restarts_only_what_changed(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    first = machine.install(machine.hall)
    assert first.returncode == 0, first.stdout + first.stderr
    assert machine.running() == [TIMER, UNIT]
    assert machine.systemctl()[-2:] == [f"systemctl enable {UNIT} {TIMER}", f"systemctl start {UNIT} {TIMER}"]
    assert machine.file("/etc/onewindow/hall.toml").read_bytes() == machine.hall.read_bytes()
    assert machine.file(f"/usr/local/lib/systemd/system/{UNIT}").read_bytes() == (ROOT / "systemd" / UNIT).read_bytes()
    installed = subprocess.run(
        [machine.file("/opt/onewindow/venv/bin/onewindow"), "check-config", machine.file("/etc/onewindow/hall.toml")],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr  # the package itself, not the checkout

    # the technician's edits: the database, a device name, a drop-in
    defaults = machine.file("/etc/default/onewindow")
    defaults.write_text(defaults.read_text() + "ONEWINDOW_DB=postgresql://hall@localhost/hall\n")
    site_rules = machine.file("/etc/udev/rules.d/71-onewindow-site.rules")
    site_rules.write_text(site_rules.read_text() + 'SUBSYSTEM=="tty", KERNELS=="1-1.1", SYMLINK+="hall-led485b"\n')
    drop_in = machine.file(f"/etc/systemd/system/{UNIT}.d/site.conf")
    drop_in.parent.mkdir(parents=True)
    drop_in.write_text("[Service]\nEnvironment=ONEWINDOW_PORT=80\n")
    edits = {path: path.read_bytes() for path in (defaults, site_rules, drop_in)}
    log_before = machine.systemctl()

    again = machine.install()
    assert again.returncode == 0, again.stderr
    assert f"nothing changed; {UNIT} keeps running" in again.stdout
    assert machine.systemctl() == log_before
    assert {path: path.read_bytes() for path in edits} == edits

    # a new release changes the unit, and the technician gives a new hall file: the core is stopped, then started
    unit = machine.src / "systemd" / UNIT
    unit.write_text(unit.read_text().replace("RestartSec=2", "RestartSec=3"))
    machine.hall.write_text(machine.hall.read_text(encoding="utf-8").replace("recall_limit = 3", "recall_limit = 2"))
    third = machine.install(machine.hall)
    assert third.returncode == 0, third.stderr
    assert machine.systemctl()[len(log_before) :] == [
        f"systemctl stop {UNIT}",
        "systemctl daemon-reload",
        f"systemctl enable {UNIT} {TIMER}",
        f"systemctl start {UNIT}",
    ]
    assert "done: unit config changed" in third.stdout
    assert machine.file("/etc/onewindow/hall.toml.old").read_text(encoding="utf-8").count("recall_limit = 3") == 1
    assert {path: path.read_bytes() for path in edits} == edits


def test_new_code_restarts_every_onewindow_unit_of_the_machine_and_a_bad_file_stops_nothing(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    assert machine.install(machine.hall).returncode == 0
    (machine.root / "active").write_text(f"onewindow-caller@keypads.service\n{TIMER}\n{UNIT}\n")
    hours = machine.src / "onewindow" / "hours.py"
    hours.write_text(hours.read_text() + "\n# a new release\n")
    log_before = machine.systemctl()

    bad = machine.hall.parent / "bad-hall.toml"
    bad.write_text(machine.hall.read_text(encoding="utf-8").replace("recall_limit = 3", "recall_limit = 99"), "utf-8")
    refused = machine.install(bad)
    assert refused.returncode == 1
    assert "recall_limit: 99 is too large" in refused.stdout + refused.stderr
    assert "is not valid: nothing was changed" in refused.stderr
    assert machine.systemctl() == log_before and "recall_limit = 99" not in machine.file(
        "/etc/onewindow/hall.toml"
    ).read_text(encoding="utf-8")

    update = machine.install()
    assert update.returncode == 0, update.stderr
    assert machine.systemctl()[len(log_before) :] == [
        f"systemctl stop onewindow-caller@keypads.service {UNIT}",
        f"systemctl enable {UNIT} {TIMER}",
        f"systemctl start onewindow-caller@keypads.service {UNIT}",
    ]
    assert "done: package changed" in update.stdout
    installed = machine.file("/opt/onewindow/venv/lib/python3.11/site-packages/onewindow/hours.py")
    assert installed.read_text().endswith("# a new release\n")
