"""The services as a citizen taps them: the heading, the service cards, their 办理须知 buttons, the priority door.

Shared by the ordinary home screen (`draw.py`) and elder mode's (`elder.py`).
"""

from __future__ import annotations

import math

import pygame

from .flow import Card
from .paint import (
    BLUE,
    BLUE_SOFT,
    GREEN,
    GREEN_SOFT,
    GREY,
    GREY_INK,
    INK,
    MUTED,
    RED,
    WHITE,
    Color,
    Line,
    Painter,
    Target,
    darker,
)
from .texts import say, short_wait


def _grid(count: int, portrait: bool) -> int:
    """Columns for `count` service buttons."""
    if portrait:
        return 1 if count <= 6 else 2
    return 1 if count <= 1 else 2 if count <= 8 else 3


def heading(p: Painter, top: int, lane: bool, size: float = 68) -> int:
    """ "请选择要办理的业务", or the priority lane's green banner; returns where the services start."""
    pad = p.u(48)
    if not lane:
        p.text(say(p.locale, "choose"), pygame.Rect(pad, top, p.w - 2 * pad, p.u(90)), size, INK, bold=True)
        p.text(say(p.locale, "choose_hint"), pygame.Rect(pad, top + p.u(92), p.w - 2 * pad, p.u(50)), 36, MUTED)
        return top + p.u(170)
    banner = pygame.Rect(pad, top, p.w - 2 * pad, p.u(260 if p.portrait else 170))
    p.panel(banner, GREEN_SOFT, 24, GREEN)
    inner = banner.inflate(-p.u(48), -p.u(30))
    title = Line(say(p.locale, "priority_title"), 64, GREEN, bold=True, lines=1)
    who = [
        Line(say(p.locale, "priority_who"), 36, INK, lines=2, min_size=24),
        Line(say(p.locale, "choose"), 44, INK, bold=True, lines=1),
    ]
    if p.portrait:
        p.stack([title, *who], inner, gap=12)
    else:
        title_w = min(inner.width * 2 // 5, p.u(560))
        p.stack([title], pygame.Rect(inner.left, inner.top, title_w, inner.height))
        p.stack(
            who,
            pygame.Rect(inner.left + title_w + p.u(30), inner.top, inner.width - title_w - p.u(30), inner.height),
            gap=8,
        )
    return banner.bottom + p.u(28)


def priority_door(p: Painter, door: pygame.Rect, size: float = 60) -> None:
    """The green bar into the priority lane (绿色通道)."""
    pygame.draw.rect(p.surface, darker(GREEN), door.move(0, p.u(6)), border_radius=p.u(28))
    p.panel(door, GREEN, 28)
    inner = door.inflate(-p.u(40), -p.u(16))
    title, hint = say(p.locale, "priority_button"), say(p.locale, "priority_button_hint")
    lines = [Line(title, size, WHITE, bold=True, lines=1), Line(hint, 30, WHITE, lines=2, min_size=20)]
    p.stack(lines, inner, 4)
    p.targets.append(Target(door, "priority"))


def service_grid(p: Painter, cards: list[Card], area: pygame.Rect, accent: Color) -> None:
    if not cards:
        return
    columns = _grid(len(cards), p.portrait)
    rows = math.ceil(len(cards) / columns)
    gap = p.u(28)
    width = (area.width - gap * (columns - 1)) // columns
    height = min(p.u(340 if p.portrait else 260), (area.height - gap * (rows - 1)) // rows)
    for i, card in enumerate(cards):
        row, column = divmod(i, columns)
        rect = pygame.Rect(area.left + column * (width + gap), area.top + row * (height + gap), width, height)
        service_card(p, card, rect, accent)


GUIDE_GAP = 28  # units of paper between a service's card and its 办理须知 button: a near miss takes no ticket


def service_card(p: Painter, card: Card, rect: pygame.Rect, accent: Color) -> None:
    """One service: its card (a tap takes a ticket) with its name large, how many wait and for how long, greyed
    with the reason when unavailable; and beside it, apart, its own 办理须知 button, outside the card's tap area."""
    live = card.available
    guide_w = min(p.u(220), rect.width // 4)
    guide = pygame.Rect(rect.right - guide_w, rect.top, guide_w, rect.height)
    rect = pygame.Rect(rect.left, rect.top, rect.width - guide_w - p.u(GUIDE_GAP), rect.height)
    fill = WHITE if live else GREY
    pygame.draw.rect(
        p.surface, (205, 212, 222) if live else (200, 204, 210), rect.move(0, p.u(6)), border_radius=p.u(24)
    )
    p.panel(rect, fill, 24)
    bar = pygame.Rect(rect.left, rect.top, p.u(16), rect.height)
    pygame.draw.rect(
        p.surface, accent if live else GREY_INK, bar, border_top_left_radius=p.u(24), border_bottom_left_radius=p.u(24)
    )
    pad = p.u(32)
    inner = pygame.Rect(bar.right + pad, rect.top + p.u(18), rect.right - bar.right - 2 * pad, rect.height - p.u(36))
    if live:
        p.targets.append(Target(rect, "service", card.id))
    guide_button(p, card, guide)
    name_h = inner.height * 58 // 100
    name_box = pygame.Rect(inner.left, inner.top, inner.width, name_h)
    # type grows with the button: few services, big buttons, big names
    tall = rect.height / p.unit
    p.text(
        card.name,
        name_box,
        min(76, tall * 0.27),
        INK if live else GREY_INK,
        bold=True,
        align="left",
        lines=2 if not p.portrait else 1,
        min_size=34,
    )
    info_box = pygame.Rect(inner.left, inner.top + name_h, inner.width, inner.height - name_h)
    if live:
        p.text(waiting_line(p.locale, card), info_box, min(44, tall * 0.17), MUTED, align="left", min_size=24)
    else:
        p.text(why_not(p.locale, card), info_box, min(44, tall * 0.17), RED, bold=True, align="left", min_size=24)


def guide_button(p: Painter, card: Card, rect: pygame.Rect, size: float = 34) -> None:
    """办理须知 for one service, a button of its own (it opens the guide, which has its own 取号)."""
    live = card.available
    pygame.draw.rect(
        p.surface, (190, 205, 228) if live else (200, 204, 210), rect.move(0, p.u(6)), border_radius=p.u(24)
    )
    p.panel(rect, BLUE_SOFT if live else (210, 214, 220), 24, BLUE if live else None)
    label = say(p.locale, "guide_button")
    p.text(label, rect.inflate(-p.u(24), -p.u(24)), size, BLUE if live else GREY_INK, bold=True, lines=2, min_size=20)
    p.targets.append(Target(rect, "guide", card.id))


def why_not(locale: str, card: Card) -> str:
    """Why a greyed service takes no ticket: its windows paused (with the clerks' reason), or closed today."""
    if card.why_not == "paused":
        return say(locale, "paused_because", card.pause_reason) if card.pause_reason else say(locale, "paused")
    if card.why_not == "closed":
        return say(locale, "closed")
    return say(locale, "not_available")


def waiting_line(locale: str, card: Card) -> str:
    """ "等候 7 人 · 约 10 分钟", "无人等候 · 窗口正在办理，约 6 分钟" (the wait rule of `texts.py`); with nobody
    staffed for it, "等候 2 人 · 请留意叫号" and no estimate."""
    count = say(locale, "waiting", card.waiting) if card.waiting > 0 else say(locale, "nobody_waiting")
    if card.unstaffed:
        return say(locale, "unstaffed", count)
    wait = short_wait(card.estimated_wait_s, locale, ahead=card.waiting)
    return f"{count}  ·  {wait}" if wait else count
