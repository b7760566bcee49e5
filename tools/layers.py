"""import-linter over the installed package's shape: the folders install as onewindow.<folder> (package-dir),
which import-linter cannot follow from the checkout, so it runs over a tree of links that mirrors the package.

`make venv` puts this in front of the venv's `lint-imports`, so the plain command checks the real layering."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mirror(into: Path, root: Path = ROOT) -> Path:
    """A tree of links shaped like the installed package, under `into`."""
    folders = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    package = into / "onewindow"
    package.mkdir()
    for name, folder in folders.items():
        if name == "onewindow":
            for source in (root / folder).glob("*.py"):
                (package / source.name).symlink_to(source)
        else:
            package.joinpath(*name.split(".")[1:]).symlink_to(root / folder, target_is_directory=True)
    return into


def lint_imports(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # import-linter finds the root package from its working directory, so it reads the mirror, not the checkout
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", command, str(ROOT / "pyproject.toml"), *args],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
    )


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="onewindow-layers-") as folder:
        result = lint_imports(mirror(Path(folder)), *argv)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
