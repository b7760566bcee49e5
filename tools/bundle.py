"""The offline bundle: one archive per role holding the package, every locked library, the installer and examples.

    python tools/bundle.py                          # dist/onewindow-VERSION-ROLE.tar.gz for every role
    python tools/bundle.py --role kiosk --platform x86_64 --out /tmp/b

A bundle installs with no network beyond the hall's Debian mirror (`systemd/install.sh --bundle FILE ROLE ...`):
wheels for Raspberry Pi OS bookworm on arm64 and for an x86_64 PC, both CPython 3.11, downloaded by platform tag
at the exact versions of requirements/ROLE.txt; evdev, which publishes no wheel, as its source with the build
tools it names, so the Pi builds it with its own compiler.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("core", "kiosk", "display", "caller")
# Debian bookworm's glibc is 2.36: a wheel made for any glibc from 2.17 to 2.36 runs there (pillow and
# psycopg-binary publish only manylinux_2_28 for aarch64, the rest manylinux2014).
GLIBC_MINORS = range(17, 37)
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}
# Libraries that publish no wheel for Linux: their source goes in the bundle and the Pi builds it.
BUILT_ON_THE_PI = {"evdev"}
PIN = re.compile(r"^([A-Za-z0-9._-]+)==")


def platform_tags(machine: str) -> list[str]:
    """pip's --platform tags a CPython 3.11 on bookworm accepts for `machine` (aarch64 or x86_64)."""
    return [f"manylinux2014_{machine}", *(f"manylinux_2_{minor}_{machine}" for minor in GLIBC_MINORS)]


def pip(*args: str | Path) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"bundle: pip {' '.join(map(str, args[:2]))} failed:\n{result.stdout}{result.stderr}")


def split_lock(lock: Path) -> tuple[list[str], list[str]]:
    """The lock's lines as (wheels to download, sources to build on the Pi)."""
    wheels: list[str] = []
    sources: list[str] = []
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            (sources if match[1].lower() in BUILT_ON_THE_PI else wheels).append(line.split("#")[0].strip())
    return wheels, sources


def download_wheels(requirements: list[str], platform: str, to: Path) -> None:
    """Every pinned library as a CPython 3.11 wheel for `platform` (arm64 or x86_64), never a source."""
    tags = [arg for tag in platform_tags(MACHINES[platform]) for arg in ("--platform", tag)]
    pip(
        "download", "-q", "--only-binary=:all:", "--no-deps", *tags, "--python-version", "3.11",
        "--implementation", "cp", "--abi", "cp311", "-d", to, *requirements,
    )  # fmt: skip


def download_sources(requirements: list[str], to: Path) -> None:
    """The sources built on the Pi, and the wheels of the build tools each names (pure Python, any platform)."""
    if not requirements:
        return
    pip("download", "-q", "--no-deps", "--no-binary=:all:", "-d", to, *requirements)
    tools: list[str] = []
    for source in to.glob("*.tar.gz"):
        with tarfile.open(source) as archive:
            # the project's own pyproject.toml, at the top of the source's one folder
            member = next(m for m in archive.getmembers() if re.fullmatch(r"[^/]+/pyproject\.toml", m.name))
            text = archive.extractfile(member).read().decode()  # type: ignore[union-attr]
        tools += tomllib.loads(text).get("build-system", {}).get("requires", [])
    # the build tools at the versions the tests use, when the dev lock pins them
    pip("download", "-q", "--only-binary=:all:", "-d", to, "-c", ROOT / "requirements/dev.txt", *tools)


def build_wheel(to: Path) -> Path:
    """The package's wheel, built from a clean copy of the checkout as the installer builds it."""
    source = to.parent / "src"
    ignore = shutil.ignore_patterns(
        ".venv", "build", "var", "dist", ".git", "tests", "__pycache__", "*.egg-info", ".*_cache"
    )
    shutil.copytree(ROOT, source, ignore=ignore)
    pip("wheel", "-q", "--no-deps", "-w", to, source)
    return next(to.glob("onewindow-*.whl"))


def lay_out(role: str, wheel: Path, platforms: list[str], work: Path) -> Path:
    """The bundle's folder: wheels/, requirements/, systemd/, config/examples/, bundle.txt, SHA256SUMS."""
    version = wheel.name.split("-")[1]
    folder = work / f"onewindow-{version}-{role}"
    wheels = folder / "wheels"
    wheels.mkdir(parents=True)
    shutil.copy2(wheel, wheels)
    lock = ROOT / "requirements" / f"{role}.txt"
    binary, sources = split_lock(lock)
    for platform in platforms:
        download_wheels(binary, platform, wheels)
    download_sources(sources, wheels)
    (folder / "requirements").mkdir()
    shutil.copy2(lock, folder / "requirements")
    shutil.copytree(ROOT / "systemd", folder / "systemd")
    shutil.copytree(ROOT / "config" / "examples", folder / "config" / "examples")
    (folder / "bundle.txt").write_text(
        f"role={role}\nversion={version}\npython=cp311\nplatforms={','.join(platforms)}\n"
        f"sources={','.join(s.split('==')[0] for s in sources)}\n"
    )
    sums = io.StringIO()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        sums.write(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder)}\n")
    (folder / "SHA256SUMS").write_text(sums.getvalue())
    return folder


def pack(folder: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{folder.name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name, filter=_owned_by_root)
    return archive


def _owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # unpacked by root on the Pi: the files belong to root, not to whoever built the bundle
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/bundle.py", description=__doc__.splitlines()[0])
    parser.add_argument("--role", action="append", choices=ROLES, help="a role to bundle (default: every role)")
    parser.add_argument(
        "--platform", action="append", choices=list(MACHINES), help="a platform's wheels (default: arm64 and x86_64)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the archives go (default dist/)")
    args = parser.parse_args(argv)
    platforms = args.platform or list(MACHINES)
    with tempfile.TemporaryDirectory(prefix="onewindow-bundle-") as temp:
        work = Path(temp)
        wheel = build_wheel(work / "wheel")
        for role in args.role or ROLES:
            archive = pack(lay_out(role, wheel, platforms, work / role), args.out)
            print(f"{archive}: the {role} for {' and '.join(platforms)}, {archive.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
