"""`onewindow caller` as the hall runs it: its own process, a pad line on a pty, a core of its own; systemd's
READY and WATCHDOG; --help without hardware libraries; a bad role file refused with every error."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys

import pytest

from onewindow.client import CoreClient
from onewindow.drivers.pads import ff68
from tests.support.hall import token
from tests.support.process import CoreProcess
from tests.support.pty_pair import PtyPair, wait_until


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onewindow.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def test_help_explains_the_keys_and_needs_no_hardware_library():
    result = run("caller", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: onewindow caller [-h] --config ROLE")
    assert "工号 Enter PIN Enter" in result.stdout and "5 非常满意" in result.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, onewindow.caller.main as m, onewindow.caller.settings, onewindow.caller.station\n"
            "assert not {'evdev', 'serial', 'pygame'} & set(sys.modules), sys.modules.keys()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr


def test_a_bad_role_file_is_refused_with_every_error(tmp_path):
    path = tmp_path / "caller.toml"
    path.write_text(
        'core = "10.0.0.2"\ndevice = "caller-1"\ntoken = "short"\n\n[caller]\nclerk_digits = 12\n', encoding="utf-8"
    )
    result = run("caller", "--config", str(path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "onewindow caller: refusing to start with an invalid configuration"
    assert any(line.startswith("caller.toml:1") and "core" in line for line in lines)
    assert any(line.startswith("caller.toml:3") and "token" in line for line in lines)
    assert any(line.startswith("caller.toml:6 [caller]: clerk_digits: 12 is too large") for line in lines)
    assert any("no keypad and no pad" in line for line in lines)


@pytest.fixture
def notify_socket(tmp_path):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    yield path, sock
    sock.close()


def test_the_process_answers_pads_and_calls_through_the_core(tmp_path, notify_socket):
    notify_path, notify = notify_socket
    pty = PtyPair(tmp_path, "hall-caller485")
    with CoreProcess(tmp_path, require_sign_in=False) as core:  # an open window is staffed: the ticket goes to 1
        core.issue("general")
        role = tmp_path / "caller-1.toml"
        role.write_text(
            f'core = "{core.url}"\ndevice = "caller-1"\ntoken = "{token("caller-1")}"\n\n'
            '[caller]\nclerk_prefix = "c"\nclerk_digits = 2\n\n'
            f'[[bus]]\nport = "{pty.port}"\npads = [{{ address = 1, window = 1 }}]\n',
            encoding="utf-8",
        )
        env = {**os.environ, "NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "1000000", "PYTHONWARNINGS": "ignore"}
        process = subprocess.Popen(
            [sys.executable, "-m", "onewindow.cli", "caller", "--config", str(role)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            messages: list[bytes] = []

            def heard(message: bytes) -> bool:
                with contextlib.suppress(TimeoutError):
                    messages.append(notify.recv(100))
                return message in messages

            assert wait_until(lambda: heard(b"READY=1"), 30)
            assert wait_until(lambda: heard(b"WATCHDOG=1"), 10)
            # the pad shows one waiting, nobody at the counter; then the clerk signs in and calls
            shown = ff68.display(1, 1, None)
            assert pty.wait_for(lambda got: shown in got, 20)
            frames = [ff68.key_frame(1, "confirm", "01"), ff68.key_frame(1, "confirm", "1111")]
            for frame in frames:
                pty.write(frame)
            with CoreClient(core.url) as client:
                assert wait_until(lambda: (client.window(1)["clerk"] or {}).get("id") == "c01", 20)
                pty.write(ff68.key_frame(1, "call"))
                assert wait_until(lambda: client.window(1)["current"] is not None, 20)
                number = client.window(1)["current"]["number"]
            assert pty.wait_for(lambda got: ff68.display(1, 0, number) in got, 20)
            assert pty.wait_for(lambda got: got.count(b"\xff\x68\x03\x03\x68\x01\x01\x0c\x0e\x16") == 1)
            process.send_signal(signal.SIGTERM)
            assert process.wait(20) == 0
            assert wait_until(lambda: heard(b"STOPPING=1"), 5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            assert process.stdout is not None
            output = process.stdout.read().decode()
            process.stdout.close()
            pty.close()
    assert "caller-1 is the caller of windows 1" in output
    assert "1111" not in output  # the PIN is in no log line
