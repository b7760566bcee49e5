"""Drawing the kiosk's screens with pygame: large type in the hall's own glyph forms, every text fitted to its box.

Each screen is drawn from a `View` onto the upright picture and returns the tap targets it drew (the tools are
in `paint.py`; elder mode's screens in `elder.py`, the fault screens in `faults.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygame

from . import elder, faults, flow
from .cards import heading, priority_door, service_grid, waiting_line
from .flow import Card, shown_window
from .paint import (
    AMBER_SOFT,
    BLUE,
    BLUE_DARK,
    BLUE_SOFT,
    GREEN,
    GREY,
    GREY_INK,
    INK,
    MUTED,
    ORANGE,
    PAPER,
    RED,
    WHITE,
    Line,
    Painter,
    Scene,
    Type,
)
from .texts import clock_text, say
from .ticket import ahead_text, wait_text


def draw(surface: pygame.Surface, type_: Type, locale: str, scene: Scene) -> Painter:
    """Draw the scene on the upright picture; the returned painter holds the tap targets."""
    p = Painter(surface, type_, locale)
    surface.fill(PAPER)
    body = header(p, scene)
    screens: dict[str, Callable[[Painter, Scene, pygame.Rect], None]] = {
        flow.HOME: home,
        flow.PRIORITY: home,
        flow.GUIDE: guide,
        flow.PRINTING: printing,
        flow.RESULT: result,
        flow.PRINT_FAILED: print_failed,
        flow.NOTICE: notice,
        flow.HELP: elder.help_screen,
        flow.CLOSED: faults.closed,
        flow.STARTING: faults.fault,
        flow.CORE_AWAY: faults.fault,
        flow.PAPER_OUT: faults.fault,
        flow.PRINTER_FAULT: faults.fault,
    }
    screens[scene.view.screen](p, scene, body)
    return p


def header(p: Painter, scene: Scene) -> pygame.Rect:
    """The hall's name and the time on a blue band; returns the rest of the picture."""
    height = p.u(170 if p.portrait else 130)
    band = pygame.Rect(0, 0, p.w, height)
    pygame.draw.rect(p.surface, BLUE, band)
    pygame.draw.rect(p.surface, BLUE_DARK, pygame.Rect(0, height - p.u(8), p.w, p.u(8)))
    pad = p.u(48)
    clock = clock_text(scene.now, p.locale)
    if p.portrait:
        p.text(scene.hall_name, pygame.Rect(pad, p.u(22), p.w - 2 * pad, p.u(78)), 54, WHITE, bold=True)
        p.text(clock, pygame.Rect(pad, p.u(100), p.w - 2 * pad, p.u(48)), 32, BLUE_SOFT)
    else:
        clock_w = p.u(560)
        p.text(
            scene.hall_name,
            pygame.Rect(pad, p.u(20), p.w - 3 * pad - clock_w, p.u(90)),
            54,
            WHITE,
            bold=True,
            align="left",
        )
        p.text(clock, pygame.Rect(p.w - pad - clock_w, p.u(20), clock_w, p.u(90)), 34, BLUE_SOFT, align="right")
    return pygame.Rect(0, height, p.w, p.h - height)


def home(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The services as buttons (the priority lane's own list when in it), the way to the priority lane and the
    way into elder mode (elder mode draws its own, larger, page: `elder.py`)."""
    if scene.view.elder:
        elder.home(p, scene, body)
        return
    lane = scene.view.screen == flow.PRIORITY
    pad = p.u(48)
    accent = GREEN if lane else BLUE
    top = heading(p, body.top + p.u(36), lane)
    # the bottom bar: the priority lane's door (or "back" in the lane), and elder mode's, always in sight
    bar_h = p.u(170 if p.portrait else 120)
    bar = pygame.Rect(pad, p.h - pad - bar_h, p.w - 2 * pad, bar_h)
    gap = p.u(28)
    elder_w = (bar.width - gap) * (42 if p.portrait else 34) // 100
    left = pygame.Rect(bar.left, bar.top, bar.width - elder_w - gap, bar.height)
    if lane:
        back = pygame.Rect(left.left, left.top, min(left.width, p.u(480)), left.height)
        p.button(back, say(p.locale, "back"), "back", fill=WHITE, ink=INK, border=GREY_INK, size=52)
    elif scene.priority_offered:
        priority_door(p, left)
    else:
        left = pygame.Rect(bar.left, bar.top, 0, bar.height)
    elder.door(p, pygame.Rect(bar.right - elder_w, bar.top, elder_w, bar.height))
    bottom = bar.top - p.u(32)
    service_grid(p, scene.cards, pygame.Rect(pad, top, p.w - 2 * pad, bottom - top), accent)


def _card(scene: Scene) -> Card | None:
    return next((c for c in scene.cards if c.id == scene.view.service), None)


def guide(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """What to bring for one service, and the buttons to take a ticket or go back."""
    card = _card(scene)
    pad = p.u(56)
    accent = GREEN if scene.view.priority else BLUE
    top = body.top + p.u(40)
    if scene.view.priority:
        p.text(say(p.locale, "priority_title"), pygame.Rect(pad, top, p.w - 2 * pad, p.u(60)), 44, GREEN, bold=True)
        top += p.u(70)
    big = 1.2 if scene.view.elder else 1.0  # elder mode: every text of the guide a fifth larger
    p.text(card.name if card else "", pygame.Rect(pad, top, p.w - 2 * pad, p.u(110)), 84 * big, INK, bold=True)
    top += p.u(116)
    if card is not None and card.available:
        p.text(waiting_line(p.locale, card), pygame.Rect(pad, top, p.w - 2 * pad, p.u(60)), 44 * big, MUTED)
    elif card is not None:
        p.text(
            say(p.locale, "paused" if card.why_not == "paused" else "closed"),
            pygame.Rect(pad, top, p.w - 2 * pad, p.u(60)),
            44,
            RED,
            bold=True,
        )
    top += p.u(90)
    buttons_h = p.u(150 if p.portrait else 120)
    buttons_top = p.h - pad - buttons_h
    box = pygame.Rect(pad, top, p.w - 2 * pad, buttons_top - p.u(48) - top)
    p.panel(box, WHITE, 28, (205, 212, 222))
    inner = box.inflate(-p.u(80), -p.u(64))
    p.text(
        say(p.locale, "guide_title"),
        pygame.Rect(inner.left, inner.top, inner.width, p.u(70)),
        52,
        accent,
        bold=True,
        align="left",
    )
    text_box = pygame.Rect(inner.left, inner.top + p.u(100), inner.width, inner.height - p.u(100))
    what = (card.guide if card else "") or say(p.locale, "guide_none")
    p.text(what, text_box, 50 * big, INK, align="left", valign="top", lines=12, min_size=28 * big)
    gap = p.u(40)
    back_w = (p.w - 2 * pad - gap) * 2 // 5
    back = pygame.Rect(pad, buttons_top, back_w, buttons_h)
    take = pygame.Rect(back.right + gap, buttons_top, p.w - 2 * pad - gap - back_w, buttons_h)
    p.button(back, say(p.locale, "back"), "back", fill=WHITE, ink=INK, border=GREY_INK, size=52 * big)
    p.button(
        take,
        say(p.locale, "take"),
        "take",
        card.id if card else None,
        fill=accent,
        size=64 * big,
        enabled=bool(card and card.available),
    )


def printing(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """While the core and the printer work: a turning ring and what is happening."""
    card = _card(scene)
    radius = p.u(110)
    center = (p.w // 2, body.top + body.height * (34 if p.portrait else 36) // 100)
    accent = GREEN if scene.view.priority else BLUE
    p.spinner(center, radius, scene.phase, accent)
    title = say(p.locale, "reprinting" if scene.view.reprinting else "printing")
    lines = [Line(title, 84, INK, bold=True, lines=1), Line(say(p.locale, "printing_wait"), 48, MUTED, lines=1)]
    if card is not None and not scene.view.reprinting:
        lines.insert(0, Line(card.name, 52, accent, bold=True, lines=1))
    lines.append(Line(say(p.locale, "printing_hint"), 40, MUTED, lines=2))
    pad = p.u(60)
    p.stack(
        lines,
        pygame.Rect(pad, center[1] + radius + p.u(50), p.w - 2 * pad, p.h - center[1] - radius - p.u(110)),
        gap=26,
    )


def ticket_panel(p: Painter, ticket: dict[str, Any], box: pygame.Rect) -> None:
    """The ticket on screen: its number huge, then where to go, the people ahead and the wait. On a wide screen
    the number stands on the left and the rest on the right, so both stay large."""
    p.panel(box, WHITE, 32, (205, 212, 222))
    inner = box.inflate(-p.u(60), -p.u(50))
    window = shown_window(ticket)
    ahead = int(ticket.get("ahead") or 0)
    estimate = ticket.get("estimated_wait_s")
    wait = wait_text(None if estimate is None else float(estimate), ahead, p.locale, at_window=window is not None)
    number = [
        Line(say(p.locale, "your_number"), 44, MUTED, lines=1),
        Line(ticket.get("number", ""), 300 if p.portrait else 280, BLUE, bold=True, lines=1, min_size=150),
    ]
    rest = [Line(say(p.locale, "priority_title"), 48, GREEN, bold=True, lines=1)] if ticket.get("priority") else []
    column = inner.width if p.portrait else inner.width * 54 // 100 - p.u(40)
    rest += [_where_to_go(p, window, column), Line(ahead_text(ahead, p.locale), 50, INK, lines=1, min_size=30)]
    if wait:
        rest.append(Line(wait, 50, INK, lines=1, min_size=30))
    if p.portrait:
        p.stack(number + rest, inner, gap=18)
        return
    left = pygame.Rect(inner.left, inner.top, inner.width * 46 // 100, inner.height)
    right = pygame.Rect(left.right + p.u(40), inner.top, inner.right - left.right - p.u(40), inner.height)
    p.stack(number, left, gap=0)
    pygame.draw.line(
        p.surface,
        GREY,
        (left.right + p.u(20), inner.top + p.u(20)),
        (left.right + p.u(20), inner.bottom - p.u(20)),
        p.u(3),
    )
    p.stack(rest, right, gap=22)


def _where_to_go(p: Painter, window: str | None, width: int) -> Line:
    """ "请到 3号窗口" on one line when it fits large; else the window's name on a line of its own, never split.
    A ticket in its service's shared queue names no window: "请留意叫号"."""
    size = 92
    if window is None:
        return Line(say(p.locale, "watch"), size, ORANGE, bold=True, lines=2, min_size=50)
    text = say(p.locale, "go", window)
    if p.type.width(text, p.u(size * 0.75), p.locale, True) <= width:
        return Line(text, size, INK, bold=True, lines=1, min_size=size * 0.75)
    prefix = say(p.locale, "go", "\0").split("\0")[0].rstrip()
    return Line(f"{prefix}\n{window}", size, INK, bold=True, lines=2, min_size=50)


def result(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The ticket came out: the number and the window large, the people ahead and the wait."""
    ticket = scene.view.ticket or {}
    pad = p.u(60)
    top = body.top + p.u(40)
    sign_r = p.u(44)
    title = say(p.locale, "result_title")
    title_box = pygame.Rect(pad, top, p.w - 2 * pad, p.u(96))
    title_w = min(p.type.width(title, p.u(64), p.locale, True), title_box.width - 2 * sign_r - p.u(24))
    left = (p.w - title_w - 2 * sign_r - p.u(24)) // 2
    p.sign((left + sign_r, title_box.centery), sign_r, GREEN, "✓")
    p.text(
        title,
        pygame.Rect(left + 2 * sign_r + p.u(24), title_box.top, title_w, title_box.height),
        64,
        GREEN,
        bold=True,
        align="left",
    )
    button_h = p.u(140 if p.portrait else 116)
    button = pygame.Rect(0, p.h - pad - button_h, min(p.w - 2 * pad, p.u(560)), button_h)
    button.centerx = p.w // 2
    hint_box = pygame.Rect(pad, button.top - p.u(100), p.w - 2 * pad, p.u(70))
    p.text(say(p.locale, "take_ticket"), hint_box, 44, ORANGE, bold=True)
    card = pygame.Rect(pad, title_box.bottom + p.u(30), p.w - 2 * pad, hint_box.top - title_box.bottom - p.u(60))
    ticket_panel(p, ticket, card)
    p.button(button, say(p.locale, "done"), "done", size=56)


def print_failed(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """The ticket was issued but did not print: its number and window large, and a button to print it again."""
    ticket = scene.view.ticket or {}
    pad = p.u(60)
    top = body.top + p.u(36)
    banner = pygame.Rect(pad, top, p.w - 2 * pad, p.u(200 if p.portrait else 180))
    p.panel(banner, AMBER_SOFT, 24, ORANGE)
    p.stack(
        [
            Line(say(p.locale, "failed_title"), 60, ORANGE, bold=True, lines=1),
            Line(say(p.locale, "failed_hint"), 38, INK, lines=2, min_size=26),
        ],
        banner.inflate(-p.u(48), -p.u(20)),
        gap=8,
    )
    button_h = p.u(140 if p.portrait else 116)
    gap = p.u(40)
    row = pygame.Rect(pad, p.h - pad - button_h, p.w - 2 * pad, button_h)
    done_w = (row.width - gap) * 2 // 5
    p.button(
        pygame.Rect(row.left, row.top, done_w, row.height),
        say(p.locale, "done"),
        "done",
        fill=WHITE,
        ink=INK,
        border=GREY_INK,
        size=52,
    )
    p.button(
        pygame.Rect(row.left + done_w + gap, row.top, row.width - done_w - gap, row.height),
        say(p.locale, "reprint"),
        "reprint",
        fill=ORANGE,
        size=60,
    )
    card = pygame.Rect(pad, banner.bottom + p.u(36), p.w - 2 * pad, row.top - banner.bottom - p.u(72))
    ticket_panel(p, ticket, card)


def notice(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """A tap issued nothing: say why and offer the way back."""
    kind = scene.view.notice
    titles = {
        "unavailable": ("unavailable_title", "unavailable_hint"),
        "core_away": ("core_away_title", "not_issued_hint"),
    }
    title, hint = titles.get(kind, ("not_issued_title", "not_issued_hint"))
    pad = p.u(60)
    button_h = p.u(140 if p.portrait else 116)
    button = pygame.Rect(0, p.h - pad - button_h, min(p.w - 2 * pad, p.u(560)), button_h)
    button.centerx = p.w // 2
    area = pygame.Rect(pad, body.top, p.w - 2 * pad, button.top - body.top - pad)
    lines = [
        Line(say(p.locale, title), 88, ORANGE, bold=True, lines=2, min_size=48),
        Line(say(p.locale, hint), 50, INK, lines=3, min_size=30),
    ]
    faults.sign_and_words(p, area, ORANGE, "!", lines)
    p.button(button, say(p.locale, "back"), "done", size=56)
