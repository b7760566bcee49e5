"""The screens of a kiosk that gives no tickets now: what happened, and what the citizen can do instead.

Paper out, a printer fault, the core away, the hall closed: each fills the screen with the way on (another kiosk,
the service desk, the hotline, the hall's online service as a QR code), in the hall file's own words where the
hall needs its own (`service_desk`, `hotline`, `online_url`). Nothing on them can be tapped.
"""

from __future__ import annotations

import pygame

from . import flow
from .paint import BLUE, BLUE_SOFT, INK, MUTED, RED, WHITE, Color, HallWords, Line, Painter, Scene
from .texts import closed_texts, say

TITLES = {
    flow.CORE_AWAY: ("core_away_title", "core_away_hint", RED),
    flow.PAPER_OUT: ("paper_out_title", "paper_out_hint", RED),
    flow.PRINTER_FAULT: ("printer_title", "printer_hint", RED),
}


def ways_on(screen: str, words: HallWords, locale: str) -> list[str]:
    """What a citizen can do while this kiosk gives no tickets, most useful first."""
    desk = words.service_desk
    if screen in (flow.PAPER_OUT, flow.PRINTER_FAULT):
        ways = [say(locale, "do_other_kiosk"), say(locale, "do_desk", desk) if desk else say(locale, "do_staff")]
    elif screen == flow.CORE_AWAY:
        # every kiosk of the hall shares the core: another one would not help
        ways = [say(locale, "do_wait"), say(locale, "do_desk_ask", desk) if desk else say(locale, "do_staff_ask")]
    else:
        ways = []
    if words.hotline:
        ways.append(say(locale, "do_hotline", words.hotline))
    return ways


def fault(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """Paper out, printer fault or core away: the sign, what happened, and the ways on."""
    screen = scene.view.screen
    if screen == flow.STARTING:
        starting(p, scene, body)
        return
    title, hint, color = TITLES[screen]
    ways = ways_on(screen, scene.words, p.locale)
    _with_ways(p, body, color, "!", [_title(say(p.locale, title), color), _hint(say(p.locale, hint))], ways, scene)


def closed(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """Outside the hall's hours: no tickets, when they are issued again and today's hours; the hotline and the
    online service when the hall gives them."""
    shut = scene.view.closed or flow.Closed(None)
    title, back, hours = closed_texts(shut, scene.now, p.locale)
    lines = [_title(title, BLUE), Line(back, 64, INK, bold=True, lines=2, min_size=36)]
    if hours:
        lines.append(Line(hours, 44, MUTED, lines=2, min_size=28))
    ways = [say(p.locale, "do_hotline", scene.words.hotline)] if scene.words.hotline else []
    _with_ways(p, body, BLUE, "clock", lines, ways, scene)


def starting(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The first seconds, before the core has answered: a turning ring."""
    pad = p.u(60)
    area = pygame.Rect(pad, body.top, p.w - 2 * pad, body.height - pad)
    center = (p.w // 2, area.top + area.height * 40 // 100)
    p.spinner(center, p.u(100), scene.phase, BLUE)
    p.stack(
        [
            Line(say(p.locale, "starting_title"), 80, INK, bold=True, lines=1),
            Line(say(p.locale, "starting_hint"), 48, MUTED, lines=1),
        ],
        pygame.Rect(pad, center[1] + p.u(150), p.w - 2 * pad, p.u(260)),
    )


def _title(text: str, color: Color) -> Line:
    return Line(text, 88, color, bold=True, lines=2, min_size=48)


def _hint(text: str) -> Line:
    return Line(text, 50, INK, lines=3, min_size=30)


def _with_ways(
    p: Painter, body: pygame.Rect, color: Color, mark: str, lines: list[Line], ways: list[str], scene: Scene
) -> None:
    """The sign and `lines` above (portrait) or left of (landscape) a panel of the ways on."""
    pad = p.u(60)
    area = pygame.Rect(pad, body.top + p.u(30), p.w - 2 * pad, body.height - pad - p.u(30))
    url = scene.words.online_url
    if not ways and not url:
        sign_and_words(p, area, color, mark, lines)
        return
    if p.portrait:
        head = pygame.Rect(area.left, area.top, area.width, area.height * 42 // 100)
        panel = pygame.Rect(area.left, head.bottom + p.u(20), area.width, area.bottom - head.bottom - p.u(20))
    else:
        head = pygame.Rect(area.left, area.top, area.width * 36 // 100, area.height)
        panel = pygame.Rect(head.right + p.u(40), area.top, area.right - head.right - p.u(40), area.height)
    sign_and_words(p, head, color, mark, lines)
    _ways_panel(p, panel, ways, url)


def _ways_panel(p: Painter, panel: pygame.Rect, ways: list[str], url: str) -> None:
    """您可以： and each way on a numbered row; the online service's QR code under them (portrait) or beside.
    The panel is as tall as what it holds, at most `panel`: at the top of it on a tall screen, centred on a wide one."""
    qr_side = 0
    if url:
        ways = [*ways, say(p.locale, "do_online_below" if p.portrait else "do_online")]
        qr_side = min(p.u(380 if p.portrait else 320), (panel.height - p.u(48)) * 45 // 100, panel.width * 28 // 100)
    rows_h = p.u(90) + len(ways) * p.u(170)
    needed = p.u(48) + (rows_h + qr_side + p.u(24) if p.portrait else max(rows_h, qr_side + p.u(90)))
    if needed < panel.height:
        top = panel.top if p.portrait else panel.top + (panel.height - needed) // 2
        panel = pygame.Rect(panel.left, top, panel.width, needed)
    p.panel(panel, WHITE, 28, (205, 212, 222))
    inner = panel.inflate(-p.u(56), -p.u(48))
    p.text(
        say(p.locale, "you_can"),
        pygame.Rect(inner.left, inner.top, inner.width, p.u(70)),
        56,
        BLUE,
        bold=True,
        align="left",
    )
    rows_box = pygame.Rect(inner.left, inner.top + p.u(90), inner.width, inner.height - p.u(90))
    if url and p.portrait:
        rows_box.height -= qr_side + p.u(24)
        p.qr(url, pygame.Rect(inner.centerx - qr_side // 2, inner.bottom - qr_side, qr_side, qr_side))
    elif url:
        rows_box.width -= qr_side + p.u(40)
        p.qr(url, pygame.Rect(inner.right - qr_side, inner.centery - qr_side // 2 + p.u(40), qr_side, qr_side))
    row_h = min(p.u(170), rows_box.height // max(1, len(ways)))
    for i, way in enumerate(ways):
        row = pygame.Rect(rows_box.left, rows_box.top + i * row_h, rows_box.width, row_h)
        radius = p.u(30)
        pygame.draw.circle(p.surface, BLUE_SOFT, (row.left + radius, row.top + row_h // 2), radius)
        number = pygame.Rect(row.left, row.top + row_h // 2 - radius, 2 * radius, 2 * radius)
        p.text(str(i + 1), number, 40, BLUE, bold=True)
        text_box = pygame.Rect(row.left + 2 * radius + p.u(24), row.top, row.width - 2 * radius - p.u(24), row_h)
        p.text(way, text_box, 50, INK, align="left", lines=2, min_size=32)


def sign_and_words(p: Painter, area: pygame.Rect, color: Color, mark: str, lines: list[Line]) -> None:
    """A sign with its words right under it, the group a little above the middle of `area`."""
    radius = min(p.u(120), area.height * 16 // 100)
    margin = p.u(30)
    words_h = min(p.u(460), area.height - 2 * radius - p.u(50) - margin)
    group_h = 2 * radius + p.u(50) + words_h
    top = area.top + margin + max(0, (area.height - margin - group_h) * 2 // 5)
    p.sign((area.centerx, top + radius), radius, color, mark)
    words = pygame.Rect(area.left, top + 2 * radius + p.u(50), area.width, words_h)
    p.stack(lines, words, gap=30, valign="top")
