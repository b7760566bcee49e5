"""The package as a Pi gets it: the built wheel, installed (not editable) into fresh virtualenvs, one role's extra
each at its lock's versions, run from a folder far from the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from onewindow.client import CoreClient
from tests.support.process import free_port
from tests.test_locks import LOCK_OF_EXTRA

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
# Each role checks the hall file and its own files, as the installer does on that role's machine.
ROLE_FILES = {
    "core": ["hall.toml", "hall-before-reform.toml"],
    "kiosk": ["hall.toml", "kiosk-1.toml", "kiosk-2.toml", "kiosk-3.toml"],
    "display": ["hall.toml", "display-1.toml"],
    "caller": ["hall.toml", "caller-keypads.toml", "caller-bus.toml", "evaluator-keypads.toml", "evaluator-bus.toml"],
}
# What a role's machine must never carry: the core's web server and database on a device, screens on the core.
FOREIGN = {
    "core": ["pygame", "escpos", "evdev"],
    "kiosk": ["flask", "sqlalchemy", "uvicorn", "psycopg", "evdev"],
    "display": ["flask", "sqlalchemy", "uvicorn", "psycopg", "escpos", "evdev"],
    "caller": ["flask", "sqlalchemy", "uvicorn", "psycopg", "pygame", "escpos"],
}


def _run(*command: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # no PYTHONPATH or the like: the installed package alone must do
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # from a clean copy, as the installer builds it: setuptools would pack leftovers of the checkout's build/
    source = out / "src"
    ignore = shutil.ignore_patterns(".venv", "build", "var", ".git", "tests", "__pycache__", "*.egg-info")
    shutil.copytree(ROOT, source, ignore=ignore)
    result = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, source, cwd=out)
    assert result.returncode == 0, result.stderr
    return next(out.glob("onewindow-*.whl"))


class Venv:
    """A fresh virtualenv holding the wheel with one extra (or none)."""

    def __init__(self, folder: Path, wheel: Path, extra: str | None):
        self.folder = folder
        self.python = folder / "bin" / "python"
        result = _run(sys.executable, "-m", "venv", "--without-pip", folder, cwd=folder.parent)
        assert result.returncode == 0, result.stderr
        target = (
            [f"{wheel}[{extra}]", "-c", ROOT / "requirements" / f"{LOCK_OF_EXTRA[extra]}.txt"] if extra else [wheel]
        )
        # this venv's pip installs into the new one: no pip of its own, and pip's cache serves the downloads
        result = _run(sys.executable, "-m", "pip", "--python", self.python, "install", "-q", *target, cwd=folder)
        assert result.returncode == 0, result.stderr

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return _run(self.folder / "bin" / "onewindow", *args, cwd=self.folder)

    def python_says(self, code: str) -> subprocess.CompletedProcess[str]:
        return _run(self.python, "-c", code, cwd=self.folder)

    def shipped(self, name: str) -> Path:
        result = self.python_says(f"from onewindow import config; print(config.{name})")
        assert result.returncode == 0, result.stderr
        return Path(result.stdout.strip())

    def importable(self, module: str) -> bool:
        return self.python_says(f"import {module}").returncode == 0


class Venvs:
    """One virtualenv per extra ("base" for none), made when a test first asks for it."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, wheel: Path):
        self.tmp_path_factory, self.wheel = tmp_path_factory, wheel
        self.made: dict[str, Venv] = {}

    def __getitem__(self, extra: str) -> Venv:
        if extra not in self.made:
            folder = self.tmp_path_factory.mktemp(f"venv-{extra}")
            self.made[extra] = Venv(folder, self.wheel, None if extra == "base" else extra)
        return self.made[extra]


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Venvs:
    return Venvs(tmp_path_factory, wheel)


def test_the_wheel_carries_every_shipped_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [
        *(ROOT / "config").glob("examples/*.toml"),
        *(ROOT / "config").glob("voice/*/*.wav"),
        ROOT / "config/voice/README.md",
    ]
    assert len(shipped) > 100
    for path in shipped:
        assert f"onewindow/config/{path.relative_to(ROOT / 'config')}" in names
    for folder in ("web", "manage"):
        for path in (ROOT / "dispatch" / folder).glob("[!.]*"):  # not the .keep of an empty folder
            assert f"onewindow/dispatch/{folder}/{path.name}" in names
    assert not any(name.startswith(("tests/", "bench/")) for name in names)


def test_the_base_install_imports_nothing_but_the_standard_library(venvs: Venvs) -> None:
    base = venvs["base"]
    examples = base.shipped("EXAMPLES")
    assert "site-packages" in examples.parts
    result = base.run("check-config", *(examples / f for f in ["hall.toml", "display-1.toml", "caller-bus.toml"]))
    assert result.returncode == 0, result.stdout + result.stderr
    freeze = base.python_says("import importlib.metadata as m; print(sorted(d.name for d in m.distributions()))")
    assert freeze.stdout.strip() == "['onewindow']"


@pytest.mark.parametrize("role", list(ROLE_FILES))
def test_each_role_checks_its_shipped_examples_and_carries_only_its_own_libraries(venvs: Venvs, role: str) -> None:
    venv = venvs[role]
    examples = venv.shipped("EXAMPLES")
    result = venv.run("check-config", *(examples / f for f in ROLE_FILES[role]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok") == len(ROLE_FILES[role])
    assert [m for m in FOREIGN[role] if venv.importable(m)] == []


def test_the_display_finds_the_shipped_voice_clips(venvs: Venvs) -> None:
    display = venvs["display"]
    result = display.python_says(
        "from onewindow.drivers.voice import ClipSet, shipped_folder\n"
        "clips = ClipSet(shipped_folder('zh-Hans'))\n"
        "print(clips.folder); print(clips.source('qing'))\n"
    )
    assert result.returncode == 0, result.stderr
    folder, qing = result.stdout.split()
    assert Path(folder) == display.shipped("VOICE") / "zh-Hans" and "site-packages" in Path(folder).parts
    assert Path(qing).is_file()


def test_the_core_serves_its_pages_from_the_installed_package(venvs: Venvs) -> None:
    core = venvs["core"]
    port = free_port()
    hall = core.shipped("EXAMPLES") / "hall.toml"
    log = (core.folder / "core.log").open("w")
    command = [core.folder / "bin" / "onewindow", "core", "--config", hall, "--db", core.folder / "core.sqlite"]
    process = subprocess.Popen(
        [str(c) for c in [*command, "--host", "127.0.0.1", "--port", str(port)]],
        cwd=core.folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        probe = CoreClient(f"http://127.0.0.1:{port}")
        end = time.monotonic() + 30
        while not probe.healthy() and process.poll() is None and time.monotonic() < end:
            time.sleep(0.1)
        probe.close()
        for page, text in [("/", "<html"), ("/static/common.js", ""), ("/manage", "<html")]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=10) as answer:
                assert answer.status == 200 and text in answer.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
