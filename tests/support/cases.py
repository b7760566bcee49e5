"""The test hall with cases: 工伤认定 to approve (unit injury), 社保卡 to review (unit card), and their deciders."""

from __future__ import annotations

from tests.support.hall import _hash, hall_toml

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
