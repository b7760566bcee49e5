"""The house's rules, checked: the import layering (import-linter, contracts in pyproject.toml) and short functions."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from tools.layers import lint_imports, mirror

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("onewindow", "dispatch", "kiosk", "display", "caller", "drivers", "simulator", "demo")
LONGEST = 80  # lines; a longer function says why in a comment that contains "long because"


def test_every_layering_contract_is_kept(tmp_path):
    result = lint_imports(mirror(tmp_path), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


def test_a_driver_reaching_up_into_a_role_breaks_the_contracts(tmp_path):
    tree = mirror(tmp_path)
    drivers = tree / "onewindow" / "drivers"
    drivers.unlink()
    shutil.copytree(ROOT / "drivers", drivers)
    (drivers / "shortcut.py").write_text('"""A driver that knows a ticket."""\n\nimport onewindow.kiosk.ticket\n')
    result = lint_imports(tree, "--no-cache")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "onewindow.drivers.shortcut -> onewindow.kiosk.ticket" in result.stdout
    assert "Drivers import no role, no core, no demo and no simulator BROKEN" in " ".join(result.stdout.split())


def long_functions() -> list[str]:
    found = []
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                said_why = any("long because" in line for line in lines[max(0, first - 4) : first - 1])
                if length > LONGEST and not said_why:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_80_lines_unless_it_says_why():
    assert long_functions() == []
