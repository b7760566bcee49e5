"""Reading technician-written TOML files strictly, with errors that name file, line, table, key and value."""

from __future__ import annotations

import builtins
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

REQUIRED: Any = object()
# no onewindow file nests deeper than a few levels; far deeper is a mistake or an attack on the parser's recursion
MAX_DEPTH = 32

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*=""")


class ConfigError(Exception):
    """Every error found in one or more files, each a line a technician can act on."""

    def __init__(self, errors: Sequence[str]):
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def _split_key(raw: str) -> tuple[str, ...]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[A-Za-z0-9_\-]+', raw)
    return tuple(p.strip("\"'") for p in parts)


@dataclass
class _TableLines:
    line: int
    keys: dict[str, int] = field(default_factory=dict)
    elements: dict[str, list[int]] = field(default_factory=dict)


class _LineIndex:
    """Where each table and key of a TOML text sits; tomllib parses values but keeps no positions."""

    def __init__(self, text: str):
        self.tables: dict[tuple[str, ...], list[_TableLines]] = {(): [_TableLines(0)]}
        current = self.tables[()][0]
        current_path: tuple[str, ...] = ()
        in_string: str | None = None
        open_key: str | None = None
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            stripped = _strip_comment(line)
            if depth > 0 and open_key is not None:
                current.elements.setdefault(open_key, []).extend([number] * stripped.count("{"))
                depth += stripped.count("[") - stripped.count("]")
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                current_path = _split_key(header.group(2))
                current = _TableLines(number)
                self.tables.setdefault(current_path, []).append(current)
                # the parents of a dotted header exist from here too
                for cut in range(1, len(current_path)):
                    self.tables.setdefault(current_path[:cut], [_TableLines(number)])
                continue
            key = _KEY.match(line)
            if not key:
                continue
            path = _split_key(key.group(1))
            name = path[0]
            current.keys.setdefault(name, number)
            if len(path) > 1:
                sub = self.tables.setdefault(current_path + path[:-1], [_TableLines(number)])[-1]
                sub.keys.setdefault(path[-1], number)
            value = stripped[key.end() :]
            for quote in ('"""', "'''"):
                if value.count(quote) % 2 == 1:
                    in_string = quote
            if value.lstrip().startswith("["):
                current.elements[name] = [number] * value.count("{")
                depth = value.count("[") - value.count("]")
                open_key = name if depth > 0 else None

    def find(self, path: tuple[str, ...], index: int) -> _TableLines | None:
        entries = self.tables.get(path)
        if not entries:
            return None
        return entries[min(index, len(entries) - 1)]


def _strip_comment(line: str) -> str:
    out, quote = [], ""
    for ch in line:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out)


def _shape_problem(data: dict[str, Any]) -> str | None:
    """Nesting too deep or a whole number too large for anything to use, found without recursion."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        item, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return f"{_dotted(path[:3])}…: arrays or tables nested more than {MAX_DEPTH} deep"
        if isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 64:
            # Python would not even print it back (4300 digits at most)
            return f"{_dotted(path)}: a whole number far too large (more than 19 digits)"
        if isinstance(item, dict):
            stack.extend((v, (*path, str(k))) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, (*path, f"[{i + 1}]")) for i, v in enumerate(item))
    return None


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path).replace(".[", "[")


def show(value: Any) -> str:
    """A value as the technician wrote it in TOML."""
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + " }"
    return str(value)


def known(items: Iterable[str], limit: int = 8) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (", …" if len(items) > limit else "")


class ConfigFile:
    """One parsed file; tables are read through it and errors collect on it."""

    def __init__(self, path: str | Path, text: str | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self._errors: list[tuple[int, int, str]] = []
        self.data: dict[str, Any] = {}
        self._read_tables: set[str] = set()
        if text is None:
            try:
                text = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                self.error(None, "", f"no such file ({self.path})")
                text = None
            except (OSError, UnicodeDecodeError) as exc:
                self.error(None, "", f"cannot read: {exc}")
                text = None
        self.readable = text is not None
        self.lines = _LineIndex(text or "")
        if text is not None:
            self._parse(text)

    def _parse(self, text: builtins.str) -> None:
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            where = re.search(r"\(at line (\d+), column (\d+)\)", message)
            line = where.group(1) if where else str(max(1, len(text.splitlines())))
            message = message.replace("(at end of document)", "(the file ends too early)")
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
            self.error(int(line), "", f"not valid TOML: {message}")
        except RecursionError:
            self.error(None, "", f"not valid here: arrays or tables nested far too deeply (at most {MAX_DEPTH})")
        except ValueError:
            # tomllib turns digits into int() and Python refuses more than 4300 of them
            self.error(None, "", "not valid here: a number with far too many digits")
        else:
            problem = _shape_problem(self.data)
            if problem is None:
                return
            self.error(None, "", f"not valid here: {problem}")
        self.data = {}
        self.readable = False

    @property
    def valid_toml(self) -> bool:
        return self.readable

    def error(self, line: int | None, where: str, message: str) -> None:
        at = f"{self.name}:{line}" if line else self.name
        self._errors.append((line or 0, len(self._errors), f"{at} {where}: {message}" if where else f"{at}: {message}"))

    @property
    def errors(self) -> list[str]:
        """Every error so far, in the order of the file's lines."""
        return [message for _, _, message in sorted(self._errors)]

    def root(self) -> Table:
        return Table(self, (), 0, self.data, label="")

    def table(self, name: str, required: bool = False) -> Table | None:
        self._read_tables.add(name)
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(None, f"[{name}]", "this table is required")
            return None
        if not isinstance(value, dict):
            self.error(self._top_line(name), "", f"{name}: must be a table [{name}], not {show(value)}")
            return None
        return Table(self, (name,), 0, value, label=f"[{name}]")

    def tables(self, name: str) -> list[Table]:
        """The entries of an array of tables `[[name]]`."""
        self._read_tables.add(name)
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.error(self._top_line(name), "", f"{name}: must be written as [[{name}]] tables")
            return []
        return [Table(self, (name,), i, v, label=f"[[{name}]]") for i, v in enumerate(value)]

    def table_group(self, name: str) -> dict[str, Table]:
        """Named tables `[name.X]`, e.g. `[keymap.pad]`."""
        self._read_tables.add(name)
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(self._top_line(name), "", f"{name}: must be written as [{name}.NAME] tables")
            return {}
        out = {}
        for key, sub in value.items():
            if not isinstance(sub, dict):
                self.error(self._top_line(name), f"[{name}]", f"{key}: must be a table [{name}.{key}]")
                continue
            out[key] = Table(self, (name, key), 0, sub, label=f"[{name}.{key}]")
        return out

    def _top_line(self, key: str) -> int | None:
        top = self.lines.find((), 0)
        return top.keys.get(key) if top else None

    def finish(self, allowed_top_keys: Iterable[str] = ()) -> None:
        """Unknown tables and top-level keys are errors."""
        allowed = set(allowed_top_keys)
        top = self.lines.find((), 0)
        for key, value in self.data.items():
            if key in self._read_tables or key in allowed:
                continue
            headers = self.lines.tables.get((key,))
            is_table = isinstance(value, dict) or (
                isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            )
            line = headers[0].line if is_table and headers and headers[0].line else None
            if line is None and top is not None:
                line = top.keys.get(key)
            self.error(line, "", f"unknown {'table' if is_table else 'key'} {key!r}")


class Table:
    """A table of the file, read Klipper-style: each getter checks bounds, unread keys are errors."""

    def __init__(
        self,
        file: ConfigFile,
        path: tuple[builtins.str, ...],
        index: builtins.int,
        data: dict[builtins.str, Any],
        label: builtins.str,
    ):
        self.file = file
        self.path = path
        self.index = index
        self.data = data
        self.label = label
        self._read: set[builtins.str] = set()
        self._element_of: tuple[builtins.str, int] | None = None
        self.ok = True

    # --- where things are -------------------------------------------------------------------
    def line(self, key: builtins.str | None = None) -> builtins.int | None:
        lines = self.file.lines.find(self.path, self.index)
        if lines is None:
            return None
        if self._element_of is not None:
            name, i = self._element_of
            elements = lines.elements.get(name, [])
            if i < len(elements):
                return elements[i]
            return lines.keys.get(name, lines.line or None)
        if key is not None and key in lines.keys:
            return lines.keys[key]
        return lines.line or None

    def name_by(self, key: builtins.str) -> None:
        """Label this entry by one of its keys, e.g. `[[window]] number=19`."""
        if key in self.data:
            self.label = f"{self.label} {key}={show(self.data[key])}".strip()

    def error(self, key: builtins.str | None, message: builtins.str) -> None:
        self.ok = False
        where = self.label
        text = f"{key}: {message}" if key else message
        self.file.error(self.line(key), where, text)

    def fail(self, key: builtins.str | None, message: builtins.str) -> NoReturn:
        self.error(key, message)
        raise _Invalid

    # --- getters ----------------------------------------------------------------------------
    def has(self, key: builtins.str) -> bool:
        return key in self.data

    def _get(self, key: builtins.str, default: Any) -> Any:
        self._read.add(key)
        if key not in self.data:
            if default is REQUIRED:
                self.error(key, "is required")
                raise _Invalid
            raise _Default
        return self.data[key]

    def get(
        self,
        key: builtins.str,
        default: Any = REQUIRED,
        *,
        check: Callable[[Any], str | None] | None = None,
        kind: type | tuple[type, ...] | None = None,
        kind_name: builtins.str = "",
    ) -> Any:
        try:
            value = self._get(key, default)
        except _Default:
            return default
        except _Invalid:
            return None
        if kind is not None and (
            not isinstance(value, kind)
            or (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)))
        ):
            self.error(key, f"{show(value)} is not {kind_name}")
            return None
        if check is not None:
            problem = check(value)
            if problem:
                self.error(key, problem)
                return None
        return value

    def str(
        self,
        key: builtins.str,
        default: Any = REQUIRED,
        *,
        choices: Sequence[builtins.str] | None = None,
        pattern: builtins.str | None = None,
        pattern_help: builtins.str = "",
        max_length: builtins.int = 200,
    ) -> Any:
        def check(value: builtins.str) -> builtins.str | None:
            if not value.strip() and choices is None:
                return "must not be empty"
            if len(value) > max_length:
                return f"{show(value[:20] + '…')} is longer than {max_length} characters"
            if choices is not None and value not in choices:
                return f"{show(value)} is not allowed (allowed: {', '.join(choices)})"
            if pattern is not None and not re.fullmatch(pattern, value):
                return f"{show(value)} is not allowed ({pattern_help or 'must match ' + pattern})"
            return None

        return self.get(key, default, kind=str, kind_name="a string", check=check)

    def int(
        self,
        key: builtins.str,
        default: Any = REQUIRED,
        *,
        minval: builtins.int | None = None,
        maxval: builtins.int | None = None,
    ) -> Any:
        return self.get(key, default, kind=int, kind_name="a whole number", check=lambda v: _bounds(v, minval, maxval))

    def float(
        self,
        key: builtins.str,
        default: Any = REQUIRED,
        *,
        minval: builtins.float | None = None,
        maxval: builtins.float | None = None,
        above: builtins.float | None = None,
    ) -> Any:
        def check(value: builtins.float) -> builtins.str | None:
            if not math.isfinite(value):
                return f"{show(value)} is not allowed (must be a finite number)"
            if above is not None and not value > above:
                return f"{show(value)} is not allowed (must be above {above:g})"
            return _bounds(value, minval, maxval)

        value = self.get(key, default, kind=(int, float), kind_name="a number", check=check)
        return float(value) if isinstance(value, int | builtins.float) and not isinstance(value, bool) else value

    def bool(self, key: builtins.str, default: Any = REQUIRED) -> Any:
        return self.get(key, default, kind=bool, kind_name="true or false")

    def list(
        self,
        key: builtins.str,
        default: Any = REQUIRED,
        *,
        item: type = builtins.str,
        item_name: builtins.str = "strings",
        nonempty: builtins.bool = True,
    ) -> Any:
        def check(value: builtins.list[Any]) -> builtins.str | None:
            if nonempty and not value:
                return "must not be empty"
            for v in value:
                if not isinstance(v, item) or (isinstance(v, bool) and item is not bool):
                    return f"{show(value)} is not allowed (must be a list of {item_name})"
            return None

        return self.get(key, default, kind=list, kind_name=f"a list of {item_name}", check=check)

    def elements(self, key: builtins.str) -> builtins.list[Table]:
        """Inline tables in a list, e.g. `pads = [{ address = 3, window = 3 }]`."""
        value = self.get(key, [], kind=list, kind_name="a list of inline tables { … }")
        out = []
        for i, element in enumerate(value or []):
            if not isinstance(element, dict):
                self.error(key, f"{show(element)} is not an inline table {{ … }}")
                continue
            sub = Table(self.file, self.path, self.index, element, label=f"{self.label} {key}[{i + 1}]")
            sub._element_of = (key, i)
            out.append(sub)
        return out

    def subtable(self, key: builtins.str) -> Table | None:
        value = self.get(key, None, kind=dict, kind_name="a table")
        if value is None:
            return None
        return Table(self.file, self.path + (key,), 0, value, label=f"[{'.'.join(self.path + (key,))}]")

    def finish(self, ignore: Iterable[builtins.str] = ()) -> None:
        """Keys nobody read are unknown: name them with what is allowed."""
        skip = set(ignore)
        for key in self.data:
            if key not in self._read and key not in skip:
                allowed = sorted(self._read | skip)
                self.error(key, f"unknown key (allowed here: {', '.join(allowed)})" if allowed else "unknown key")


def _bounds(value: float, minval: float | None, maxval: float | None) -> str | None:
    if minval is not None and value < minval:
        return (
            f"{value} is too small (allowed: {minval} to {maxval})"
            if maxval is not None
            else f"{value} is too small (must be at least {minval})"
        )
    if maxval is not None and value > maxval:
        return (
            f"{value} is too large (allowed: {minval} to {maxval})"
            if minval is not None
            else f"{value} is too large (at most {maxval})"
        )
    return None


class _Invalid(Exception):
    pass


class _Default(Exception):
    pass
