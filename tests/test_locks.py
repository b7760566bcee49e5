"""The locks (requirements/*.txt, refreshed by `make lock`): every dependency pyproject.toml names is pinned to
one exact version that meets its bound, and every role runs the versions the tests run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# which lock file pins each extra: the core's lock also carries PostgreSQL's driver
LOCK_OF_EXTRA = {
    "core": "core",
    "postgres": "core",
    "kiosk": "kiosk",
    "display": "display",
    "caller": "caller",
    "dev": "dev",
}
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;#]+)")


def pins(lock: str) -> dict[str, set[Version]]:
    """Name to its pinned versions (two when a marker splits them, e.g. by Python version)."""
    found: dict[str, set[Version]] = {}
    for line in (ROOT / "requirements" / f"{lock}.txt").read_text().splitlines():
        match = PIN.match(line)
        if match:
            found.setdefault(canonicalize_name(match[1]), set()).add(Version(match[2]))
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"{lock}.txt: not an exact pin: {line}"
    return found


def named(extra: str) -> list[Requirement]:
    """What an extra asks for, its references to the project's own extras followed."""
    out: list[Requirement] = []
    for text in PROJECT["optional-dependencies"][extra]:
        requirement = Requirement(text)
        if requirement.name == PROJECT["name"]:
            out += [r for own in sorted(requirement.extras) for r in named(own)]
        else:
            out.append(requirement)
    return out


def test_every_extra_has_a_lock_and_the_base_needs_none():
    assert PROJECT["dependencies"] == []
    assert set(PROJECT["optional-dependencies"]) == set(LOCK_OF_EXTRA)
    assert {p.stem for p in (ROOT / "requirements").glob("*.txt")} == set(LOCK_OF_EXTRA.values())


def test_each_lock_pins_every_dependency_its_extra_names_within_its_bound():
    for extra, lock in LOCK_OF_EXTRA.items():
        pinned = pins(lock)
        for requirement in named(extra):
            versions = pinned.get(canonicalize_name(requirement.name))
            assert versions, f"requirements/{lock}.txt does not pin {requirement.name} ({extra})"
            assert all(requirement.specifier.contains(v) for v in versions), (lock, requirement, versions)


def test_every_role_runs_the_versions_the_tests_run():
    tested = pins("dev")
    for lock in set(LOCK_OF_EXTRA.values()) - {"dev"}:
        for name, versions in pins(lock).items():
            assert versions <= tested.get(name, set()), f"{lock}.txt pins {name} {versions}, dev.txt {tested.get(name)}"
