"""The TV itself: opening it through SDL (KMSDRM on a Pi without a desktop), turning the page for a TV hung
in portrait, putting only the changed parts on the screen, and waiting for the next frame or for news."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from typing import Any

from onewindow.drivers.screen import choose_video_driver

from .page import BACKGROUND, Page
from .settings import PageOptions, ScreenSettings
from .state import Scene

log = logging.getLogger(__name__)

DEFAULT_WINDOW = (1920, 1080)


def logical_size(physical: tuple[int, int], rotate: int) -> tuple[int, int]:
    """The page's size on a screen of `physical` size turned by `rotate` degrees."""
    return (physical[1], physical[0]) if rotate in (90, 270) else physical


def physical_rect(r: Any, logical: tuple[int, int], rotate: int) -> Any:
    """Where the page's rectangle `r` lands on the screen when the page is turned `rotate` degrees clockwise."""
    import pygame

    width, height = logical
    if rotate == 90:
        return pygame.Rect(height - r.bottom, r.x, r.height, r.width)
    if rotate == 180:
        return pygame.Rect(width - r.right, height - r.bottom, r.width, r.height)
    if rotate == 270:
        return pygame.Rect(r.y, width - r.right, r.height, r.width)
    return pygame.Rect(r)


class Screen:
    """One open TV. `frame()` draws what changed; `wait()` sleeps until the next frame is due or news comes."""

    def __init__(self, settings: ScreenSettings, options: PageOptions):
        self.settings = settings
        self.options = options
        self.surface: Any = None
        self.canvas: Any = None
        self.page: Page | None = None
        self.size: tuple[int, int] = (0, 0)
        self.frames = 0
        self.presented_version = -1  # the scene version last put on the screen, and when (monotonic)
        self.presented_at = 0.0
        self.presented: deque[tuple[int, float]] = deque(maxlen=256)  # (version, when) of recent frames
        self.closed = False
        self._wake_type = 0

    @property
    def opened(self) -> bool:
        return self.page is not None and not self.closed

    def open(self) -> Screen:
        """Open the TV; pygame.error (with SDL's reason) when there is none to open."""
        import pygame

        choose_video_driver()
        flags = 0
        if self.settings.fullscreen:
            flags |= pygame.FULLSCREEN
            size = self.settings.size or (0, 0)  # (0, 0): the screen's own mode
        else:
            size = self.settings.size or DEFAULT_WINDOW
        try:
            pygame.display.init()
            if not self._wake_type:  # once: event types are few, and a missing TV is tried again for days
                self._wake_type = pygame.event.custom_type()
            surface = pygame.display.set_mode(size, flags)
        except pygame.error:
            pygame.display.quit()  # a half-open video subsystem would refuse the next try
            raise
        self.surface = surface
        pygame.display.set_caption("onewindow display")
        pygame.mouse.set_visible(False)
        physical = self.surface.get_size()
        self.rotate = self.settings.rotate or 0  # a display turns only when told
        self.size = logical_size(physical, self.rotate)
        self.canvas = self.surface if self.rotate == 0 else pygame.Surface(self.size)
        self.surface.fill(BACKGROUND)
        pygame.display.flip()
        self.page = Page(self.size, self.options)
        log.info(
            "screen %dx%d (%s driver)%s",
            physical[0],
            physical[1],
            pygame.display.get_driver(),
            f", page turned {self.rotate} degrees" if self.rotate else "",
        )
        return self

    def wake(self) -> None:
        """From any thread: the scene changed, draw now rather than at the next tick."""
        import pygame

        if self.surface is not None and not self.closed:
            with contextlib.suppress(pygame.error):  # the queue is full: a frame is coming anyway
                pygame.event.post(pygame.event.Event(self._wake_type))

    def frame(self, scene: Scene, now: float) -> None:
        import pygame

        assert self.page is not None
        dirty = self.page.draw(self.canvas, scene, now)
        if dirty:
            if self.rotate:
                angle = -self.settings.rotate  # pygame turns counter-clockwise
                placed = []
                for r in dirty:
                    turned = pygame.transform.rotate(self.canvas.subsurface(r), angle)
                    target = physical_rect(r, self.size, self.rotate)
                    self.surface.blit(turned, target)
                    placed.append(target)
                dirty = placed
            pygame.display.update(dirty)
            self.frames += 1
        self.presented_version = scene.version
        self.presented_at = time.monotonic()
        self.presented.append((scene.version, self.presented_at))

    def wait(self, scene: Scene, now: float) -> bool:
        """Sleep until the next frame: 1/fps while something moves, up to half a second otherwise (the
        clock), or at once when woken. False when the window was closed (a desktop demo)."""
        import pygame

        assert self.page is not None
        timeout = 1.0 / self.settings.fps if self.page.animating(scene, now) else 0.5
        events = [pygame.event.wait(max(1, int(timeout * 1000)))]
        events += pygame.event.get()
        for event in events:
            if event.type == pygame.QUIT:
                return False
            if (
                event.type == pygame.KEYDOWN
                and event.key in (pygame.K_ESCAPE, pygame.K_q)
                and not self.settings.fullscreen
            ):
                return False
            if event.type in (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED, pygame.WINDOWRESTORED):
                self.page.invalidate()
        return True

    def close(self) -> None:
        import pygame

        self.closed = True
        pygame.display.quit()
