"""The core as the hall runs it: `onewindow core` in its own process, which tests can kill and start again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from onewindow.client import CoreClient

from .hall import token, write_hall


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CoreProcess:
    def __init__(self, folder: Path, db: str | None = None, hall: Path | None = None, **options: object):
        self.folder = folder
        self.hall = hall or write_hall(folder, **options)
        self.db = db or str(folder / "core.sqlite")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "core.log"
        self.kiosk = CoreClient(self.url, token("kiosk-1"))

    def start(self, timeout: float = 30.0) -> None:
        command = [
            sys.executable,
            "-m",
            "onewindow.cli",
            "core",
            "--config",
            str(self.hall),
            "--db",
            self.db,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"}
            )
        end = time.monotonic() + timeout
        probe = CoreClient(self.url)
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"core exited: {self.log.read_text()[-2000:]}")
            if probe.healthy():
                probe.close()
                return
            time.sleep(0.05)
        raise RuntimeError("core did not come up")

    def stop(self, how: str = "SIGTERM") -> None:
        if self.process is None:
            return
        self.process.send_signal(getattr(signal, how))
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def issue(self, service: str = "general") -> dict:
        return self.kiosk.issue(service)

    def __enter__(self) -> CoreProcess:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.kiosk.close()
        self.stop("SIGKILL" if self.process is not None else "SIGTERM")
