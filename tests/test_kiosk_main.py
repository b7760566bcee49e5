"""`onewindow kiosk` and `onewindow print-test` as commands: the process a systemd unit runs, and the
technician's first command at a new kiosk."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from onewindow.drivers.printer.preview import render
from onewindow.hallfile import load_hall
from onewindow.kiosk import printtest
from tests.support.fake_printer import OFFLINE, OUT, NetworkPrinter
from tests.support.hall import Clock, basic, raw_request, serve
from tests.support.kiosk_rig import hall_text, network_printer, role_text
from tests.support.process import CoreProcess, free_port


def qr_texts(image) -> list[str]:
    import zxingcpp

    return [c.text for c in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.fixture
def printer():
    fake = NetworkPrinter()
    yield fake
    fake.close()


def kiosk_devices(url: str) -> dict:
    status, body = raw_request(url, "GET", "/api/v1/devices", headers=basic("manager"))
    assert status == 200, body
    return next(d for d in body["devices"] if d["id"] == "kiosk-1")  # type: ignore[index]


def test_the_kiosk_process_tells_systemd_reports_to_the_core_and_stops_on_sigterm(tmp_path, printer):
    hall = tmp_path / "hall.toml"
    hall.write_text(hall_text("zh-Hans"), encoding="utf-8")
    role = tmp_path / "kiosk.toml"
    shots = tmp_path / "shots"
    notify_path = str(tmp_path / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(30)
    with CoreProcess(tmp_path, hall=hall) as core:
        role.write_text(role_text(core.url, network_printer(printer.address)), encoding="utf-8")
        env = {
            **os.environ,
            "SDL_VIDEODRIVER": "dummy",
            "NOTIFY_SOCKET": notify_path,
            "WATCHDOG_USEC": "1000000",
            "PYTHONWARNINGS": "error",
        }
        env.pop("WATCHDOG_PID", None)
        command = [sys.executable, "-m", "onewindow.cli", "kiosk", "--config", str(role), "--windowed"]
        command += ["--size", "540x960", "--screenshot-dir", str(shots)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            said = []
            while "WATCHDOG=1" not in said:
                said.append(notify.recv(100).decode())
            assert said[0] == "READY=1"
            deadline = time.monotonic() + 30
            while True:
                device = kiosk_devices(core.url)
                # each part reports as it comes up: under load the screen can open after the printer answers
                parts = device["status"]["parts"] if device["online"] and device["status"] else {}
                if all(parts.get(name, {}).get("state") == "ok" for name in ("printer", "screen")):
                    break
                assert time.monotonic() < deadline, device
                time.sleep(0.1)
            assert device["status"]["ok"] is True
            assert device["status"]["parts"]["screen"] == {
                "state": "ok",
                "message": "open",
                "size": "540x960",
                "turned": 0,
            }
            deadline = time.monotonic() + 30
            while not list(shots.glob("*-home.png")):
                assert time.monotonic() < deadline, sorted(p.name for p in shots.glob("*"))
                time.sleep(0.1)
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            notify.close()
    assert process.returncode == 0, output.decode()


def test_the_kiosk_refuses_to_start_on_an_invalid_role_file(tmp_path):
    role = tmp_path / "kiosk.toml"
    role.write_text(role_text("http://127.0.0.1:1", 'type = "network"\nhost = "10.0.0.31"', kiosk="idle_s = 1"))
    result = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "kiosk", "--config", str(role)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "kiosk.toml:10 [kiosk]: idle_s: 1 is too small (allowed: 5 to 600)" in result.stderr
    assert "refusing to start" in result.stderr and "Traceback" not in result.stderr


def test_print_test_prints_a_sample_with_the_hall_name_from_the_core(tmp_path, printer, capsys):
    hall = tmp_path / "hall.toml"
    hall.write_text(hall_text("en"), encoding="utf-8")
    role = tmp_path / "kiosk.toml"
    with CoreProcess(tmp_path, hall=hall) as core:
        role.write_text(role_text(core.url, network_printer(printer.address, 'mode = "gb18030"')), encoding="utf-8")
        assert printtest.main(["--config", str(role)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "printed (network printer, gb18030, the hall's name and time from the core)"
    paper = render(printer.received)
    assert paper.lines[:3] == [
        "TEST",
        "Test ticket: not a real ticket",
        "County Human Resources and Social Security Hall",
    ]
    assert "Please go to Window 3" in paper.lines
    assert qr_texts(paper.image) == ["https://onewindow.invalid/t/print-test"]


def test_print_test_is_marked_test_at_the_hall_time_not_the_machine_clock(tmp_path, printer, capsys, monkeypatch):
    """The core's clock says 2 March 10:17 in Shanghai; this machine's clock says another day in New York. The
    ticket says 测试 above and below, numbers itself 000 (never issued), and prints the hall's time and words."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        hall_at = datetime(2026, 3, 2, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai"))
        machine = datetime.now().astimezone()
        assert machine.strftime("%Y-%m-%d %H:%M") != "2026-03-02 10:17"
        words = 'hotline = "0000-12345678"\nmissed_rule = "叫号三次未到视为过号，过号请重新取号"\n'
        hall = hall_text("zh-Hans").replace("[hall]\n", "[hall]\n" + words, 1)
        (tmp_path / "hall.toml").write_text(hall, encoding="utf-8")
        role = tmp_path / "kiosk.toml"
        with serve(tmp_path, clock=Clock(hall_at), config=load_hall(tmp_path / "hall.toml")) as core:
            role.write_text(role_text(core.url, network_printer(printer.address, 'mode = "gb18030"')), encoding="utf-8")
            assert printtest.main(["--config", str(role)]) == 0
        assert "the hall's name and time from the core" in capsys.readouterr().out
        lines = render(printer.received).lines
        assert lines[:2] == ["测试", "测试号票 · 不是有效号票"] and lines[-1] == "测试号票 · 不是有效号票"
        assert "000" in lines and not any(line.startswith(("A0", "B0", "C0")) for line in lines)
        assert "2026-03-02 10:17  当日有效" in lines
        assert not any(machine.strftime("%Y-%m-%d %H:%M") in line for line in lines)
        assert "叫号三次未到视为过号，过号请重新取号" in lines and "咨询电话：0000-12345678" in lines
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_print_test_says_plainly_what_is_wrong(tmp_path, printer, capsys):
    role = tmp_path / "kiosk.toml"
    no_core = f"http://127.0.0.1:{free_port()}"
    role.write_text(role_text(no_core, network_printer(printer.address)), encoding="utf-8")
    assert printtest.main(["--config", str(role)]) == 0  # no core: printed all the same, without the hall's name
    assert capsys.readouterr().out.startswith("printed (network printer, raster, without the core)")
    assert qr_texts(render(printer.received).image) == ["https://onewindow.invalid/t/print-test"]
    printer.status.paper = OUT
    assert printtest.main(["--config", str(role), "--locale", "en"]) == 1
    assert capsys.readouterr().out.startswith("out of paper (")
    printer.status.paper = 0x12
    printer.status.printer = OFFLINE
    assert printtest.main(["--config", str(role)]) == 1
    assert capsys.readouterr().out.startswith("offline (cover open?) (")
    printer.unplug()
    assert printtest.main(["--config", str(role)]) == 1
    assert capsys.readouterr().out.startswith(f"printer away (no answer from 127.0.0.1:{printer.port})")


def test_print_test_on_the_example_role_file_names_the_config_errors(tmp_path):
    role = tmp_path / "kiosk.toml"
    role.write_text(
        Path(__file__).resolve().parents[1].joinpath("config/examples/kiosk-1.toml").read_text() + "x = 1\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "print-test", "--config", str(role)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "unknown key" in result.stderr and "refusing to start" in result.stderr
