"""The offline bundle (`make bundle`): a kiosk's archive built for this machine installs with no index at all, and
the Pi's arm64 wheels exist for every role's lock."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "tools" / "bundle.py"
pytestmark = pytest.mark.install
# any attempt to reach an index through a proxy meets a closed loopback port
NO_NETWORK = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "PIP_INDEX_URL": "http://127.0.0.1:9/",
}


def build(out: Path, *args: str) -> list[Path]:
    result = subprocess.run([sys.executable, BUNDLE, "--out", out, *args], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return sorted(out.glob("*.tar.gz"))


def install(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")} | NO_NETWORK
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def kiosk_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    [archive] = build(tmp_path_factory.mktemp("dist"), "--role", "kiosk", "--platform", "x86_64")
    return archive


def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return next(into.glob("onewindow-*"))


def test_a_bundle_holds_the_package_its_locked_wheels_the_installer_and_the_examples(kiosk_bundle, tmp_path):
    assert kiosk_bundle.name == "onewindow-0.1.0-kiosk.tar.gz"
    folder = unpack(kiosk_bundle, tmp_path)
    wheels = sorted(p.name for p in (folder / "wheels").iterdir())
    assert "onewindow-0.1.0-py3-none-any.whl" in wheels
    names = {w.split("-")[0].lower().replace("_", "-") for w in wheels}
    locked = re.findall(r"^([a-z0-9-]+)==", (ROOT / "requirements/kiosk.txt").read_text(), re.M)
    assert {n for n in locked if n != "colorama"} <= names  # colorama is for Windows only
    assert not any(w.endswith(".tar.gz") for w in wheels)  # the kiosk builds nothing
    assert all("aarch64" not in w for w in wheels)  # this one is for x86_64 only
    assert (folder / "requirements/kiosk.txt").read_bytes() == (ROOT / "requirements/kiosk.txt").read_bytes()
    assert os.access(folder / "systemd/install.sh", os.X_OK)
    assert (folder / "config/examples/kiosk-1.toml").is_file()
    assert "role=kiosk\n" in (folder / "bundle.txt").read_text()
    check = subprocess.run(["sha256sum", "--quiet", "--strict", "-c", "SHA256SUMS"], cwd=folder)
    assert check.returncode == 0


def test_the_kiosk_installs_from_its_bundle_with_no_index_and_checks_its_example(kiosk_bundle, tmp_path):
    examples = unpack(kiosk_bundle, tmp_path / "unpacked") / "config/examples"
    root = tmp_path / "root"
    installer = ROOT / "systemd/install.sh"
    result = install(installer, "--bundle", kiosk_bundle, "kiosk", examples / "kiosk-1.toml", "--root", root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"from {kiosk_bundle}" in result.stdout
    onewindow = root / "opt/onewindow/venv/bin/onewindow"
    checked = install(onewindow, "check-config", examples / "hall.toml", examples / "kiosk-1.toml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.split() == ["hall.toml:", "ok", "kiosk-1.toml:", "ok"]
    python = root / "opt/onewindow/venv/bin/python"
    assert install(python, "-c", "import pygame, escpos, PIL, qrcode, serial").returncode == 0
    assert install(python, "-c", "import flask").returncode != 0
    assert (root / "etc/onewindow/kiosk.toml").read_bytes() == (examples / "kiosk-1.toml").read_bytes()


def test_an_unpacked_bundle_refuses_another_role_and_a_damaged_file(kiosk_bundle, tmp_path):
    folder = unpack(kiosk_bundle, tmp_path)
    installer = folder / "systemd/install.sh"
    other = install(installer, "display", folder / "config/examples/display-1.toml", "--root", tmp_path / "r1")
    assert other.returncode == 1 and "the kiosk's bundle, not the display's" in other.stderr
    wheel = next((folder / "wheels").glob("qrcode-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    damaged = install(installer, "kiosk", folder / "config/examples/kiosk-1.toml", "--root", tmp_path / "r2")
    assert damaged.returncode == 1 and "is damaged" in damaged.stderr
    assert not (tmp_path / "r2/opt/onewindow/venv").exists()


@pytest.mark.skipif(not os.environ.get("ONEWINDOW_SLOW"), reason="every role's arm64 wheels: make bundle-check")
def test_every_roles_lock_resolves_to_arm64_wheels_for_the_pi(tmp_path):
    archives = build(tmp_path / "dist", "--platform", "arm64")
    roles = [a.name.split("-")[2].removesuffix(".tar.gz") for a in archives]
    assert roles == ["caller", "core", "display", "kiosk"]
    for archive, role in zip(archives, roles, strict=True):
        folder = unpack(archive, tmp_path / role)
        wheels = [p.name for p in (folder / "wheels").iterdir()]
        have = {w.split("-")[0].lower().replace("_", "-") for w in wheels}
        lock = (ROOT / f"requirements/{role}.txt").read_text()
        locked = {n for n, marker in re.findall(r"^([a-z0-9-]+)==\S+(.*)$", lock, re.M) if "win32" not in marker}
        assert locked <= have, f"{role}: no wheel for {locked - have}"
        compiled = [w for w in wheels if not w.endswith(("-none-any.whl", ".tar.gz"))]
        assert all(w.split("-")[2] == "cp311" and "aarch64" in w for w in compiled), compiled
        assert [w for w in wheels if w.endswith(".tar.gz")] == (["evdev-2.0.0.tar.gz"] if role == "caller" else [])
