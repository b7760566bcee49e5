"""Technician files (SPEC §5): the examples load, and every mistake is named with file, line, table, key, value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from onewindow.configfile import ConfigError, ConfigFile
from onewindow.hallfile import load_hall, read_hall
from tests.support.hall import EXAMPLES, hall_toml


def check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "check-config", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def errors_of(text: str, name: str = "hall.toml") -> list[str]:
    file = ConfigFile(name, text)
    assert read_hall(file) is None
    return file.errors


def test_the_example_halls_are_valid_and_shaped_as_the_spec_says():
    hall = load_hall(EXAMPLES / "hall.toml")
    universal = [w for w in hall.windows if "general" in w.services]
    specialist = [w for w in hall.windows if "general" not in w.services]
    assert len(universal) == 18 and len(specialist) == 8 and len(hall.windows) == 26
    assert all(w.assists == ("general",) for w in specialist)
    assert len({s for w in hall.windows for s in w.services}) == len(hall.services)
    assert sum(hall.shares().values()) == pytest.approx(1.0)
    before = load_hall(EXAMPLES / "hall-before-reform.toml")
    assert len(before.windows) == 26 and all(len(w.services) == 1 for w in before.windows)
    assert len(before.services) == 7


def test_every_example_file_passes_check_config():
    files = sorted(EXAMPLES.glob("*.toml"))
    assert len(files) >= 2
    result = check(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_spec_example_message_for_an_unknown_service():
    text = hall_toml().replace('number = 3\nservices = ["general", "card"]', 'number = 3\nservices = ["medicl"]')
    line = text.splitlines().index('services = ["medicl"]') + 1
    assert errors_of(text) == [
        f'hall.toml:{line} [[window]] number=3: services: unknown service "medicl" (known: general, card, injury)'
    ]


def test_all_errors_at_once_in_line_order():
    text = (
        hall_toml()
        .replace('locale = "zh-Hans"', 'locale = "fr"')
        .replace("recall_limit = 2", "recall_limit = -1\nrecal_limt = 4")
        .replace('prefix = "E"', 'prefix = "e"')
        .replace("minutes = 25", 'minutes = "25"')
        .replace('kind = "display"', 'kind = "tv"')
    )
    errors = errors_of(text)
    assert len(errors) == 6, errors
    lines = [int(e.split(" ")[0].split(":")[1]) for e in errors]
    assert lines == sorted(lines)
    joined = "\n".join(errors)
    assert '[hall]: locale: "fr" is not allowed (allowed: zh-Hans, zh-Hant, en)' in joined
    assert "[hall]: recall_limit: -1 is too small (allowed: 0 to 20)" in joined
    assert "[hall]: recal_limt: unknown key (allowed here:" in joined
    assert '[[service]] id="card": prefix: "e" is not allowed (one or two capital letters)' in joined
    assert '[[service]] id="injury": minutes: "25" is not a number' in joined
    assert '[[device]] id="display-1": kind: "tv" is not allowed (allowed: kiosk, display, caller, evaluator)' in joined


def test_a_duplicate_names_the_later_line_and_the_earlier_one():
    text = hall_toml().replace("number = 4\n", "number = 2\n")
    first = text.splitlines().index("number = 2") + 1
    second = text.splitlines().index("number = 2", first) + 1
    errors = errors_of(text)
    assert errors[0] == f"hall.toml:{second} [[window]] number=2: number: 2 is used twice (first at line {first})"
    # and the devices that named window 4 now name a window that is gone
    assert all("unknown window 4 (known: 1-3, 5)" in e for e in errors[1:]) and len(errors) == 3


@pytest.mark.parametrize(
    "mistake,expected",
    [
        (("[hall]", "[hal]"), ["[hall]: this table is required", "unknown table 'hal'"]),
        (('pin_hash = "scrypt', 'pin_hash = "1234'), ["pin_hash: is not a hash from `onewindow hash-pin`"]),
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), ['timezone: "Mars/Olympus" is not a time zone']),
        (('id = "card"\n', 'id = "Card!"\n'), ['id: "Card!" is not allowed (lower-case letters']),
        (("windows = [1, 2, 3]", "windows = [1, 2, 30]"), ["windows: unknown window 30 (known: 1-5)"]),
        (('token_sha256 = "', 'token_sha256 = "x'), ['token_sha256: "x']),
        (("require_sign_in = true", 'require_sign_in = "yes"'), ['require_sign_in: "yes" is not true or false']),
        (
            ("rating_window_s = 60", "rating_window_s = 60\nrating_grace_s = 0"),
            ["rating_grace_s: 0 is too small (allowed: 1"],
        ),
        (
            ("rating_window_s = 60", "rating_window_s = 60\nrating_grace_s = 2.5"),
            ["rating_grace_s: 2.5 is not a whole"],
        ),
        (('[[window]]\nnumber = 5\nservices = ["injury"]', ""), ['no [[window]] serves "injury"']),
        (('[[service]]\nid = "general"', '[[service]]\nid = "general"\ncolour = "red"'), ["colour: unknown key"]),
        (('name = "测试大厅"', 'name = "测试大厅"\n[[window]]\nnumber = 1'), ["services: is required"]),
    ],
)
def test_mistakes_are_named(mistake, expected):
    old, new = mistake
    text = hall_toml()
    assert old in text
    errors = "\n".join(errors_of(text.replace(old, new, 1)))
    for part in expected:
        assert part in errors, errors
    assert all(line.startswith("hall.toml") for line in errors.splitlines())


def test_a_toml_syntax_error_names_its_line():
    errors = errors_of('[hall]\nname = "x"\nlocale = zh\n')
    assert errors[0].startswith("hall.toml:3: not valid TOML: Invalid value")


def test_check_config_exits_1_with_every_error_and_no_traceback(tmp_path):
    bad = tmp_path / "hall.toml"
    bad.write_text(hall_toml().replace('prefix = "E"', 'prefix = "AA1"').replace("minutes = 8", "minutes = 0"))
    result = check(bad, tmp_path / "missing.toml")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert any('prefix: "AA1" is not allowed' in line for line in out)
    assert any("minutes: 0 is not allowed (must be above 0)" in line for line in out)
    assert any(line.startswith("missing.toml: no such file") for line in out)


def test_the_core_refuses_to_start_on_an_invalid_hall(tmp_path):
    bad = tmp_path / "hall.toml"
    bad.write_text(hall_toml().replace('locale = "zh-Hans"', 'locale = "de"'))
    result = subprocess.run(
        [sys.executable, "-m", "onewindow.cli", "core", "--config", str(bad), "--db", str(tmp_path / "x.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert 'locale: "de" is not allowed' in result.stderr and "refusing to start" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_hall_raises_with_every_error():
    with pytest.raises(ConfigError) as err:
        load_hall(Path("/nonexistent/hall.toml"))
    assert err.value.errors == ["hall.toml: no such file (/nonexistent/hall.toml)"]


def test_the_halls_own_words_for_citizens_are_optional_and_checked():
    hall = load_hall(EXAMPLES / "hall.toml")
    assert hall.hotline == "0000-12345678" and hall.service_desk == "大厅入口右侧咨询服务台"
    assert hall.missed_rule.startswith("呼叫四次未到视为过号") and hall.online_url.startswith("https://")
    bare = ConfigFile("hall.toml", hall_toml())
    plain = read_hall(bare)
    assert plain is not None and (plain.hotline, plain.service_desk, plain.missed_rule, plain.online_url) == ("",) * 4
    words = 'hotline = "call us"\nonline_url = "shebao.example.gov.cn"\nmissed_rule = ""\n'
    text = hall_toml().replace("[hall]\n", "[hall]\n" + words, 1)
    assert errors_of(text) == [
        'hall.toml:2 [hall]: hotline: "call us" is not allowed (digits, spaces, + ( ) - / 、)',
        'hall.toml:3 [hall]: online_url: "shebao.example.gov.cn" is not allowed (an address, e.g. "https://…")',
        "hall.toml:4 [hall]: missed_rule: must not be empty",
    ]
