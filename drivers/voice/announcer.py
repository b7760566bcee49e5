"""Speaking calls one after another: a queue, a worker thread, and a player behind pygame's mixer.

The display hands each `ticket.called` / `ticket.recalled` event to `Announcer.announce()`, which returns at
once; the worker speaks them strictly in order and never two at a time, because it waits for one sound to
finish before it starts the next. An announcement that reaches the front more than `max_age_s` after its
call is dropped: after a reconnect the display replays the calls it missed, and the hall must not hear a
string of old numbers. Without a sound card the worker logs that once and drops announcements, so the
display keeps running; it tries the sound card again every `retry_s` seconds (a USB speaker plugged in later).
"""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .announcement import KINDS, announcement_clips, clip_names, language, pauses, ticket_clips, zh_number
from .clips import LOG, ClipSet, shipped_folder
from .pcm import Pcm, wav_bytes

if TYPE_CHECKING:
    from .settings import VoiceSettings

MIXER_RATE = 16000


class Player(Protocol):
    """Where announcements become sound. `play` returns when the sound has finished, False when there is
    no sound device to play it on; `rest` is the silence between announcements and repeats."""

    def play(self, pcm: Pcm, volume: float) -> bool: ...

    def rest(self, seconds: float) -> None: ...


def pre_init_mixer(rate: int = MIXER_RATE) -> None:
    """Call before `pygame.init()` in a process that announces: once `init()` has opened the mixer with
    its defaults, a later `mixer.init()` does nothing (HARDWARE.md §4)."""
    import pygame

    pygame.mixer.pre_init(rate, -16, 1)


class _Stuck(Exception):
    pass


class MixerPlayer:
    """Plays through `pygame.mixer`, opening it on first use, reopening it after a failure."""

    def __init__(
        self,
        *,
        rate: int = MIXER_RATE,
        retry_s: float = 30.0,
        log: logging.Logger = LOG,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.rate = rate
        self.retry_s = retry_s
        self.log = log
        self.monotonic = monotonic
        self.ready = False
        self.problem: str | None = None
        self._next_try = 0.0
        self._pygame: Any = None

    def _open(self) -> bool:
        if self.ready:
            return True
        if self.monotonic() < self._next_try:
            return False
        try:
            import pygame
        except ImportError as exc:
            return self._fail(f"pygame is not installed ({exc})")
        self._pygame = pygame
        try:
            if pygame.mixer.get_init() is None:
                pygame.mixer.init(frequency=self.rate, size=-16, channels=1)
        except pygame.error as exc:
            return self._fail(f"no sound device ({exc})")
        if self.problem is not None:
            self.log.info("voice: sound device ready again (%s)", pygame.mixer.get_init())
        self.ready, self.problem = True, None
        return True

    def _fail(self, problem: str) -> bool:
        if self.problem is None:
            self.log.warning(
                "voice: %s; announcements are dropped until it works (retrying every %g s)", problem, self.retry_s
            )
        self.ready, self.problem = False, problem
        self._next_try = self.monotonic() + self.retry_s
        return False

    def play(self, pcm: Pcm, volume: float) -> bool:
        if not self._open():
            return False
        pygame = self._pygame
        try:
            # Handing the mixer a WAV lets SDL convert rate and channels to whatever the device runs at.
            sound = pygame.mixer.Sound(file=io.BytesIO(wav_bytes(pcm)))
            sound.set_volume(volume)
            channel = sound.play()
            if channel is None:  # every channel busy with someone else's sounds
                channel = pygame.mixer.find_channel(True)
                channel.play(sound)
            # A device that vanishes mid-sound can leave the channel busy for ever: give up well after.
            deadline = self.monotonic() + pcm.duration + 5.0
            while channel.get_busy():
                if self.monotonic() > deadline:
                    channel.stop()
                    raise _Stuck("the sound device stopped playing")
                time.sleep(0.01)
            return True
        except (pygame.error, _Stuck) as exc:
            self._fail(str(exc))
            with contextlib.suppress(pygame.error):
                pygame.mixer.quit()  # reopened on the next try
            return False

    def rest(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class QueuedCall:
    kind: str
    number: str
    window: int
    at: float


_STOP = object()


class Announcer:
    """Announces calls and recalls in order through one player, never two at once."""

    def __init__(
        self,
        clips: ClipSet,
        *,
        locale: str = "zh-Hans",
        repeat: int = 1,
        volume: float = 1.0,
        chime: bool = True,
        max_age_s: float = 10.0,
        gap_s: float = 0.8,
        player: Player | None = None,
        clock: Callable[[], float] = time.time,
        log: logging.Logger = LOG,
    ):
        language(locale)  # fail now, not in the worker, on a locale nobody speaks
        self.clips = clips
        self.locale = locale
        self.repeat = repeat
        self.volume = volume
        self.chime = chime
        self.max_age_s = max_age_s
        self.gap_s = gap_s
        self.player: Player = player if player is not None else MixerPlayer(log=log)
        self.clock = clock
        self.log = log
        self.spoken = 0  # announcements played to the end
        self.stale = 0  # dropped because they were too old at the front
        self.dropped = 0  # dropped because no sound device played them
        self.offline = False
        self._stale_run = 0
        self._last_end: float | None = None
        self._busy = False
        self._queue: queue.Queue[Any] = queue.Queue()
        self._missing = clips.check(clip_names(locale))
        self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
        self._thread.start()

    @classmethod
    def from_settings(
        cls,
        settings: VoiceSettings,
        locale: str,
        *,
        player: Player | None = None,
        clock: Callable[[], float] = time.time,
        log: logging.Logger = LOG,
    ) -> Announcer | None:
        """The announcer a role file asks for, or None when `[voice] enabled = false`."""
        if not settings.enabled:
            return None
        fallback = shipped_folder(locale)
        clips = ClipSet(settings.clips if settings.clips is not None else fallback, fallback, log=log)
        return cls(
            clips,
            locale=locale,
            repeat=settings.repeat,
            volume=settings.volume,
            chime=settings.chime,
            max_age_s=settings.max_age_s,
            player=player,
            clock=clock,
            log=log,
        )

    # --- the display's side -----------------------------------------------------------------
    def announce(self, kind: str, number: str, window: int, at: float | None = None) -> bool:
        """Queue a call or recall made at `at` (seconds since the epoch, like `time.time()`; None is now).
        Returns at once: True when queued, False (logged) when it cannot be spoken."""
        try:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
            ticket_clips(number)
            zh_number(window)
        except ValueError as exc:
            self.log.warning("voice: not announcing %s %r to window %r: %s", kind, number, window, exc)
            return False
        self._queue.put(QueuedCall(kind, number, window, self.clock() if at is None else float(at)))
        return True

    @property
    def state(self) -> str:
        """ "offline" (no sound device), "speaking" or "idle", for the device's health report."""
        if self.offline:
            return "offline"
        return "speaking" if self._busy or self._queue.unfinished_tasks else "idle"

    @property
    def health(self) -> dict[str, object]:
        """What the display reports to the core about its voice."""
        return {
            "state": self.state,
            "problem": getattr(self.player, "problem", None),
            "spoken": self.spoken,
            "stale": self.stale,
            "dropped": self.dropped,
            "missing_clips": self._missing,
        }

    def wait_until_idle(self, timeout: float) -> bool:
        """True once everything queued so far has been spoken or dropped (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the announcement being spoken; what is still queued is dropped."""
        while True:
            try:
                self._queue.get_nowait()
                self._queue.task_done()
            except queue.Empty:
                break
        self._queue.put(_STOP)
        self._thread.join(timeout)

    # --- the worker -------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            call = self._queue.get()
            try:
                if call is _STOP:
                    return
                self._busy = True
                self._speak(call)
            except Exception:  # a bug in one announcement must not silence the hall
                self.log.exception("voice: announcing %r failed", call)
            finally:
                self._busy = False
                if self._queue.empty():
                    self._report_stale()
                self._queue.task_done()

    def _speak(self, call: QueuedCall) -> None:
        age = self.clock() - call.at
        if age > self.max_age_s:
            self.stale += 1
            self._stale_run += 1
            return
        self._report_stale()
        for i in range(self.repeat):
            names = announcement_clips(call.kind, call.number, call.window, self.locale, chime=self.chime and i == 0)
            sound = self.clips.join(names, pauses(names))
            if not sound.samples:  # every clip missing: ClipSet has said so already
                return
            if self._last_end is not None:
                wait = min(self.gap_s, self.gap_s - (self.clock() - self._last_end))
                if wait > 0:
                    self.player.rest(wait)
            played = self.player.play(sound, self.volume)
            self._last_end = self.clock()
            if not played:
                self.offline = True
                self.dropped += 1
                return
            self.offline = False
        self.spoken += 1

    def _report_stale(self) -> None:
        if self._stale_run:
            self.log.info(
                "voice: skipped %d call(s) older than %g s (caught up after a reconnect, or calls "
                "came faster than they can be spoken)",
                self._stale_run,
                self.max_age_s,
            )
            self._stale_run = 0
