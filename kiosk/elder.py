"""Elder mode (适老化): larger type, fewer services a page, a service opens its guide before a ticket, staff on call.

The kiosk has no speaker (its role file has no `[voice]`, and `kiosk/` drives no audio), so elder mode speaks
nothing: the voice pieces of `drivers/voice` serve the display's calls only.
"""

from __future__ import annotations

import pygame

from . import flow
from .cards import heading, priority_door, waiting_line, why_not
from .flow import Card
from .paint import (
    BLUE,
    BLUE_DARK,
    GREEN,
    GREY,
    GREY_INK,
    INK,
    MUTED,
    ORANGE,
    RED,
    WHITE,
    Color,
    Line,
    Painter,
    Scene,
    Target,
    darker,
)
from .texts import say

ELDER_NAME = 96  # units: a service's name in elder mode; the ordinary cards' are at most 76
ELDER_WAIT = 56  # units: the waiting line under it; the ordinary cards' is at most 44
PER_PAGE = {True: 3, False: 3}  # services a page, portrait and landscape (the ordinary screen shows them all)


def pages(cards: list[Card], portrait: bool) -> list[list[Card]]:
    """The services in pages of elder mode's size; one empty page when there are none."""
    size = PER_PAGE[portrait]
    return [cards[i : i + size] for i in range(0, len(cards), size)] or [[]]


def door(p: Painter, rect: pygame.Rect) -> None:
    """The way into elder mode, on the ordinary home screen beside the priority door: always in sight."""
    pygame.draw.rect(p.surface, darker(BLUE_DARK), rect.move(0, p.u(6)), border_radius=p.u(28))
    p.panel(rect, BLUE_DARK, 28)
    lines = [
        Line(say(p.locale, "elder_button"), 60, WHITE, bold=True, lines=1),
        Line(say(p.locale, "elder_button_hint"), 30, WHITE, lines=1, min_size=20),
    ]
    p.stack(lines, rect.inflate(-p.u(32), -p.u(16)), 4)
    p.targets.append(Target(rect, "elder", "on"))


def home(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """Elder mode's services: a few large cards a page, pages turned by buttons, and at the bottom the way out,
    the priority lane and 请工作人员协助."""
    lane = scene.view.screen == flow.PRIORITY
    pad = p.u(48)
    book = pages(scene.cards, p.portrait)
    page = min(max(0, scene.view.page), len(book) - 1)
    bottom = _bottom_bar(p, scene, lane, pygame.Rect(pad, 0, p.w - 2 * pad, p.h - pad))
    top = body.top + p.u(28)
    turns = pygame.Rect(pad, top, p.w - 2 * pad, p.u(120))  # landscape: the page turns flank the heading
    if lane:
        top = heading(p, top, lane=True)
        turns.top = bottom - p.u(160)
    else:
        title_box = turns.inflate(-2 * min(p.u(360), turns.width // 4), 0) if not p.portrait else turns
        p.text(say(p.locale, "choose"), title_box.move(0, -p.u(10)), 80, INK, bold=True)
        hint = say(p.locale, "elder_hint")
        if len(book) > 1:
            hint += "  ·  " + say(p.locale, "page_of", page + 1, len(book))
        p.text(hint, pygame.Rect(title_box.left, turns.bottom - p.u(14), title_box.width, p.u(56)), 40, MUTED)
        top = turns.bottom + p.u(60)
        if p.portrait:
            turns.top = bottom - p.u(160)
    if len(book) > 1:
        _page_turns(p, turns, page, len(book))
        if turns.top > top:
            bottom = turns.top
    area = pygame.Rect(pad, top, p.w - 2 * pad, bottom - top - p.u(24))
    gap = p.u(24)
    size = PER_PAGE[p.portrait]
    height = (area.height - gap * (size - 1)) // size
    accent = GREEN if lane else BLUE
    for i, card in enumerate(book[page]):
        card_box = pygame.Rect(area.left, area.top + i * (height + gap), area.width, height)
        _card(p, card, card_box, accent)


def _bottom_bar(p: Painter, scene: Scene, lane: bool, area: pygame.Rect) -> int:
    """退出长辈模式, the priority lane's door (or 返回 in it) and 请工作人员协助, from the bottom of `area` up;
    returns the top of what it drew."""
    row_h, gap = p.u(150 if p.portrait else 120), p.u(24)
    bottom_row = pygame.Rect(area.left, area.bottom - row_h, area.width, row_h)
    middle: pygame.Rect | None = None
    if p.portrait:
        half = (area.width - gap) // 2
        leave = pygame.Rect(bottom_row.left, bottom_row.top, half, row_h)
        help_ = pygame.Rect(bottom_row.right - half, bottom_row.top, half, row_h)
        if lane or scene.priority_offered:
            middle = pygame.Rect(area.left, bottom_row.top - gap - row_h, area.width, row_h)
    else:
        third = (area.width - 2 * gap) // 3
        leave = pygame.Rect(bottom_row.left, bottom_row.top, third, row_h)
        help_ = pygame.Rect(bottom_row.right - third, bottom_row.top, third, row_h)
        if lane or scene.priority_offered:
            middle = pygame.Rect(leave.right + gap, bottom_row.top, third, row_h)
    p.button(leave, say(p.locale, "elder_exit"), "elder", "off", fill=WHITE, ink=INK, border=GREY_INK, size=52)
    p.button(help_, say(p.locale, "help_button"), "help", fill=ORANGE, size=56)
    if middle is not None and lane:
        p.button(middle, say(p.locale, "back"), "back", fill=WHITE, ink=INK, border=GREY_INK, size=56)
    elif middle is not None:
        priority_door(p, middle, size=64)
    return min(bottom_row.top, middle.top if middle is not None else bottom_row.top)


def _page_turns(p: Painter, row: pygame.Rect, page: int, count: int) -> None:
    """上一页 and 下一页 at the ends of `row`: a button only where there is a page to turn to."""
    width = min(p.u(340), row.width // 4)
    prev = pygame.Rect(row.left, row.top, width, row.height)
    next_ = pygame.Rect(row.right - width, row.top, width, row.height)
    if page > 0:
        p.button(prev, say(p.locale, "page_prev"), "page", "prev", fill=WHITE, ink=BLUE, border=BLUE, size=52)
    if page < count - 1:
        p.button(next_, say(p.locale, "page_next"), "page", "next", size=52)


def _card(p: Painter, card: Card, rect: pygame.Rect, accent: Color) -> None:
    """One service, large: a tap opens its guide, where a large 取号 takes the ticket (one more step, and what to
    bring, before anything is printed). Name over the wait on a tall screen, beside it on a wide one."""
    live = card.available
    pygame.draw.rect(
        p.surface, (205, 212, 222) if live else (200, 204, 210), rect.move(0, p.u(6)), border_radius=p.u(24)
    )
    p.panel(rect, WHITE if live else GREY, 24, accent if live else None)
    bar = pygame.Rect(rect.left, rect.top, p.u(20), rect.height)
    pygame.draw.rect(
        p.surface, accent if live else GREY_INK, bar, border_top_left_radius=p.u(24), border_bottom_left_radius=p.u(24)
    )
    inner = pygame.Rect(
        bar.right + p.u(32), rect.top + p.u(10), rect.right - bar.right - p.u(64), rect.height - p.u(20)
    )
    p.targets.append(Target(rect, "guide", card.id))
    info = waiting_line(p.locale, card) if live else why_not(p.locale, card)
    ink = MUTED if live else RED
    if p.portrait:
        name_box = pygame.Rect(inner.left, inner.top, inner.width, inner.height * 62 // 100)
        info_box = pygame.Rect(inner.left, name_box.bottom, inner.width, inner.bottom - name_box.bottom)
    else:
        name_box = pygame.Rect(inner.left, inner.top, inner.width * 56 // 100, inner.height)
        info_box = pygame.Rect(
            name_box.right + p.u(24), inner.top, inner.right - name_box.right - p.u(24), inner.height
        )
    name_ink = INK if live else GREY_INK
    p.text(card.name, name_box, ELDER_NAME, name_ink, bold=True, align="left", lines=2, min_size=ELDER_NAME * 0.6)
    align = "left" if p.portrait else "right"
    p.text(info, info_box, ELDER_WAIT, ink, bold=not live, align=align, lines=2, min_size=34)


def help_screen(p: Painter, scene: Scene, body: pygame.Rect) -> None:
    """After 请工作人员协助: the kiosk told the core (the manager's device list shows it); wait here, or the desk."""
    pad = p.u(60)
    button_h = p.u(150 if p.portrait else 130)
    button = pygame.Rect(0, p.h - pad - button_h, min(p.w - 2 * pad, p.u(560)), button_h)
    button.centerx = p.w // 2
    area = pygame.Rect(pad, body.top, p.w - 2 * pad, button.top - body.top - pad)
    radius = min(p.u(130), area.height * 16 // 100)
    top = area.top + area.height // 10
    p.sign((area.centerx, top + radius), radius, GREEN, "✓")
    lines = [
        Line(say(p.locale, "help_title"), 100, GREEN, bold=True, lines=1, min_size=60),
        Line(say(p.locale, "help_hint"), 64, INK, lines=2, min_size=40),
    ]
    if scene.words.service_desk:
        lines.append(Line(say(p.locale, "help_desk", scene.words.service_desk), 56, MUTED, lines=2, min_size=36))
    words_top = top + 2 * radius + p.u(60)
    p.stack(lines, pygame.Rect(area.left, words_top, area.width, area.bottom - words_top), gap=36, valign="top")
    p.button(button, say(p.locale, "back"), "back", size=60)
