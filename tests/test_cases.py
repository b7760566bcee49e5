"""Cases (SPEC §10): business a window handles, its unit reviews and approves, with duties kept apart."""

from __future__ import annotations

from onewindow.configfile import ConfigFile
from onewindow.hallfile import load_hall, read_hall
from tests.support.hall import EXAMPLES, _hash, hall_toml

UNITS = """
[[unit]]
id = "injury"
name = "工伤保险服务中心"

[[unit]]
id = "card"
name = "社会保障卡服务中心"
"""

DECIDERS = {  # id: (pin, duties, units)
    "r1": ("7001", ["review"], ["injury", "card"]),
    "r2": ("7002", ["approve"], ["injury"]),
    "c06": ("7006", ["window", "review", "approve"], ["injury", "card"]),
}


def case_hall_toml(limit_min: int = 60) -> str:
    """The test hall with 工伤认定 to approve (injury) and 社保卡 to review (card), their reviewers and approvers."""
    text = (
        hall_toml(extra=UNITS)
        .replace(
            'prefix = "C"\nminutes = 25\n',
            f'prefix = "C"\nminutes = 25\nclass = "approve"\nunit = "injury"\nlimit_min = {limit_min}\n',
        )
        .replace('prefix = "E"\nminutes = 5\n', 'prefix = "E"\nminutes = 5\nclass = "review"\nunit = "card"\n')
    )
    for clerk, (pin, duties, units) in DECIDERS.items():
        text += (
            f'\n[[clerk]]\nid = "{clerk}"\nname = "审核{clerk}"\npin_hash = "{_hash(pin)}"\n'
            f"duties = {duties!r}\nunits = {units!r}\n".replace("'", '"')
        )
    return text


def errors_of(text: str) -> list[str]:
    file = ConfigFile("hall.toml", text)
    assert read_hall(file) is None
    return file.errors


def test_the_example_hall_has_seven_units_classes_and_deciders():
    hall = load_hall(EXAMPLES / "hall.toml")
    assert len(hall.units) == 7
    kinds = [s.kind for s in hall.services]
    assert kinds.count("handle") >= kinds.count("review") >= kinds.count("approve") >= 1
    shares = hall.shares()
    assert sum(shares[s.id] for s in hall.services if s.kind == "handle") > 0.8  # most business ends at the window
    for s in hall.services:
        if s.opens_case:
            assert s.unit is not None and s.limit_min is not None
            assert any(c.decides("review", s.unit) for c in hall.clerks)
            if s.kind == "approve":
                assert any(c.decides("approve", s.unit) for c in hall.clerks)


def test_the_case_keys_are_read():
    hall = read_hall(ConfigFile("hall.toml", case_hall_toml(limit_min=45)))
    assert hall is not None
    injury = hall.service("injury")
    assert (injury.kind, injury.unit, injury.limit_min) == ("approve", "injury", 45)
    assert hall.service("general").kind == "handle" and not hall.service("general").opens_case
    clerks = {c.id: c for c in hall.clerks}
    assert clerks["c01"].duties == ("window",) and clerks["c01"].units == ()
    assert clerks["r2"].decides("approve", "injury") and not clerks["r2"].decides("review", "injury")
    assert hall.unit("card") is not None and hall.unit("card").name == "社会保障卡服务中心"


def test_case_mistakes_are_named_with_their_lines():
    text = case_hall_toml()
    text = text.replace('unit = "card"\n', 'unit = "cards"\n').replace("limit_min = 60", "limit_min = 0")
    text = text.replace('duties = ["approve"]\nunits = ["injury"]\n', 'duties = ["approve", "boss"]\n')
    text += '\n[[unit]]\nid = "card"\nname = "又一个"\n'
    errors = "\n".join(errors_of(text))
    lines = text.splitlines()
    line = lines.index('unit = "cards"') + 1
    assert f'hall.toml:{line} [[service]] id="card": unit: unknown unit "cards"' in errors
    assert '[[service]] id="injury": limit_min: 0 is too small' in errors
    assert '[[clerk]] id="r2": duties: "boss" is not allowed (must be one of: window, review, approve)' in errors
    assert '[[clerk]] id="r2": duties ["approve"] need `units`' in errors
    assert '[[unit]] id="card": id: "card" is used twice (first at line' in errors


def test_review_business_needs_its_unit_and_units_need_a_duty():
    text = case_hall_toml().replace('class = "review"\nunit = "card"\n', 'class = "review"\n')
    text = text.replace('id = "c01"\n', 'id = "c01"\nunits = ["card"]\n')
    errors = "\n".join(errors_of(text))
    assert 'class = "review" needs `unit`' in errors
    assert '[[clerk]] id="c01": units: only a clerk with the review or approve duty' in errors
