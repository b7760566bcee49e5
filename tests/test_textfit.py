"""Text fitting shared by the kiosk, the TV page and the printer, with a measure where each character is `size` wide."""

from __future__ import annotations

from onewindow.drivers.textfit import fit_box, fit_lines, largest_size, longest_start, wrap


def square(text: str, size: int) -> float:
    return len(text) * size


def test_a_service_name_shrinks_until_it_wraps_into_the_lines_allowed():
    fit = fit_lines("社会保障卡业务", square, 100, 1, 40, 10)
    assert (fit.size, fit.lines, fit.whole) == (14, ["社会保障卡业务"], True)
    fit = fit_lines("社会保障卡业务", square, 100, 2, 40, 10)
    assert (fit.size, fit.lines) == (25, ["社会保障", "卡业务"])


def test_text_too_long_even_at_the_smallest_size_is_cut_to_its_lines_and_said_so():
    fit = fit_lines("一二三四五六七八九十", square, 30, 2, 20, 10)
    assert (fit.size, fit.lines, fit.whole) == (10, ["一二三", "四五六"], False)


def test_the_box_takes_the_line_count_that_gives_the_largest_type():
    # one line is 10 at most; two lines of three are 20 wide and 40 tall: exactly the box
    fit = fit_box("工伤认定申请", square, lambda size: size, (60, 40), 2, 30, 8)
    assert fit is not None and (fit.size, fit.lines) == (20, ["工伤认", "定申请"])
    assert fit_box("工伤认定申请", square, lambda size: size, (60, 5), 2, 30, 8) is None


def test_largest_size_and_longest_start():
    assert largest_size(lambda size: size * 3 <= 100, 6, 200) == 33
    assert largest_size(lambda size: False, 6, 200) == 6
    assert longest_start("请A001号", 5, lambda ch: 1 if ch.isascii() else 2) == "请A00"


def test_a_character_wider_than_the_line_goes_on_a_line_of_its_own():
    # a very narrow box at a large size: nothing fits, and the wrap still ends, one character a line
    assert wrap("社保大厅", lambda s: len(s) == 0) == ["社", "保", "大", "厅"]
