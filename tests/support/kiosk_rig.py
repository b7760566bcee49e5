"""A kiosk on the test bench: the real app under SDL's dummy video driver, a real core, a fake printer on TCP.

Tests tap the screen with the events SDL sends for a touch (a finger, then a synthesized mouse click), step
the app's own loop, and look at what it drew, what the core issued and what the printer received.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from onewindow.hallfile import HallConfig, load_hall  # noqa: E402
from onewindow.kiosk.app import KioskApp, Options  # noqa: E402
from onewindow.kiosk.settings import read_settings  # noqa: E402
from onewindow.rolefile import load_role  # noqa: E402

from .hall import hall_toml, token  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "kiosk"
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)

GUIDES = {
    "zh-Hans": {
        "general": "就业登记、失业保险、养老保险、医疗保险、生育保险等业务。请携带本人身份证或社会保障卡；"
        "代办请携带双方身份证及委托书。",
        "card": "社会保障卡申领、补换、激活、挂失。请携带本人身份证；补换卡请携带近期一寸白底照片。",
        "injury": "工伤认定申请、劳动能力鉴定。请携带工伤认定申请表、劳动关系证明、医疗诊断证明。",
    },
    "zh-Hant": {
        "general": "就業登記、失業保險、養老保險、醫療保險、生育保險等業務。請攜帶本人身分證或社會保障卡；"
        "代辦請攜帶雙方身分證及委託書。",
        "card": "社會保障卡申領、補換、激活、掛失。請攜帶本人身分證；補換卡請攜帶近期一寸白底照片。",
        "injury": "工傷認定申請、勞動能力鑑定。請攜帶工傷認定申請表、勞動關係證明、醫療診斷證明。",
    },
    "en": {
        "general": "Employment registration, unemployment, pension, medical and maternity insurance. Please bring "
        "your ID card or social security card; for someone else, both ID cards and a signed authorisation.",
        "card": "Apply for, replace, activate or report a lost social security card. Please bring your ID card "
        "and, for a replacement, a recent one-inch photo on white.",
        "injury": "Work injury claims and work capacity assessment. Please bring the claim form, proof of "
        "employment and the medical diagnosis.",
    },
}
NAMES = {
    "zh-Hans": (
        "某县人力资源和社会保障服务大厅",
        {"通办业务": "通办业务", "社保卡业务": "社保卡业务", "工伤认定": "工伤认定"},
    ),
    "zh-Hant": (
        "某縣人力資源和社會保障服務大廳",
        {"通办业务": "通辦業務", "社保卡业务": "社保卡業務", "工伤认定": "工傷認定"},
    ),
    "en": (
        "County Human Resources and Social Security Hall",
        {"通办业务": "General services", "社保卡业务": "Social security card", "工伤认定": "Work injury claims"},
    ),
}


def hall_text(locale: str = "zh-Hans", **options: Any) -> str:
    """The five-window test hall in `locale`, with each service's guide."""
    text = hall_toml(**options)
    hall_name, services = NAMES[locale]
    text = text.replace('name = "测试大厅"\nlocale = "zh-Hans"', f'name = "{hall_name}"\nlocale = "{locale}"')
    for old, new in services.items():
        text = text.replace(f'name = "{old}"', f'name = "{new}"')
    for service, guide in GUIDES[locale].items():
        text = text.replace(f'id = "{service}"\n', f'id = "{service}"\nguide = "{guide}"\n', 1)
    return text


def hall_config(folder: Path, locale: str = "zh-Hans", **options: Any) -> HallConfig:
    path = folder / f"hall-{locale}.toml"
    path.write_text(hall_text(locale, **options), encoding="utf-8")
    return load_hall(path)


def role_text(core: str, printer: str, kiosk: str = "", screen: str = "", device: str = "kiosk-1") -> str:
    return (
        f'core = "{core}"\ndevice = "{device}"\ntoken = "{token(device)}"\n\n[printer]\n{printer.strip()}\n'
        + (f"\n[screen]\n{screen.strip()}\n" if screen.strip() else "")
        + (f"\n[kiosk]\n{kiosk.strip()}\n" if kiosk.strip() else "")
    )


def network_printer(address: tuple[str, int], extra: str = "") -> str:
    host, port = address
    return f'type = "network"\nhost = "{host}"\nport = {port}\nstatus_timeout_s = 2\n{extra}'


class Kiosk:
    """The app, stepped by the test on its own (main) thread."""

    def __init__(self, app: KioskApp):
        self.app = app

    def step(self, times: int = 1) -> None:
        for _ in range(times):
            self.app.step()

    def until(self, condition: Callable[[], Any], seconds: float = 20.0, what: str = "") -> Any:
        """Step the loop until `condition()` is true; fail (never hang) after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            self.app.step()
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the kiosk never got there: {what or condition} (showing {self.showing})")
            time.sleep(0.01)

    @property
    def showing(self) -> str | None:
        return self.app.shown.screen if self.app.shown else None

    def show(self, screen: str, seconds: float = 20.0) -> None:
        self.until(lambda: self.showing == screen, seconds, f"the {screen} screen")

    def ready(self) -> None:
        """Home, with the hall from the core and the printer asked once."""
        self.until(
            lambda: self.showing == "home" and self.app.dispenser.status is not None and self.app.targets,
            what="the home screen with services",
        )

    def touch(self, pos: tuple[int, int]) -> None:
        """One finger on the glass at a panel pixel, as SDL reports it: a finger event and a synthesized click."""
        width, height = self.app.screen.get_size()  # type: ignore[union-attr]
        pygame.event.post(
            pygame.event.Event(
                pygame.FINGERDOWN,
                x=pos[0] / width,
                y=pos[1] / height,
                dx=0.0,
                dy=0.0,
                touch_id=1,
                finger_id=0,
                pressure=1.0,
            )
        )
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=True))
        pygame.event.post(
            pygame.event.Event(
                pygame.FINGERUP,
                x=pos[0] / width,
                y=pos[1] / height,
                dx=0.0,
                dy=0.0,
                touch_id=1,
                finger_id=0,
                pressure=0.0,
            )
        )
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=True))

    def click(self, pos: tuple[int, int]) -> None:
        """A real mouse (or a panel the kernel presents as one): a click with no finger event."""
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False))

    def tap(self, action: str, arg: str | None = None, how: str = "touch") -> None:
        """Tap the middle of the target that does `action` on the screen now shown, then run one turn."""
        self.until(lambda: self.app.target(action, arg), 5, f"a {action} {arg or ''} target")
        target = self.app.target(action, arg)
        assert target is not None
        # wait out the guard against taps landing on a screen that just appeared
        while self.app.clock() - self.app.flow.changed_at < self.app.flow.guard_s:
            time.sleep(0.02)
        pos = self.to_panel(target.rect.center)
        (self.touch if how == "touch" else self.click)(pos)
        self.app.step()

    def to_panel(self, pos: tuple[int, int]) -> tuple[int, int]:
        """Where a point of the upright picture is on the (maybe turned) panel."""
        x, y = pos
        width, height = self.app.picture.get_size()  # type: ignore[union-attr]
        rotate = self.app.rotate
        if rotate == 90:
            return height - 1 - y, x
        if rotate == 180:
            return width - 1 - x, height - 1 - y
        if rotate == 270:
            return y, width - 1 - x
        return x, y

    def panel(self, target: str, arg: str | None = None) -> tuple[int, int]:
        """The panel position of a target on the screen now shown."""
        found = self.app.target(target, arg)
        assert found is not None, f"no {target} {arg or ''} on the {self.showing} screen"
        return self.to_panel(found.rect.center)

    def save(self, name: str) -> Path:
        """The picture as a PNG in tests/artifacts/kiosk/; fails if any text had to be cut."""
        self.app.redraw()
        path = ARTIFACTS / f"{name}.png"
        self.app.save_picture(path)
        assert self.app.overflow == [], f"text did not fit on {name}: {self.app.overflow}"
        return path


@contextmanager
def running_kiosk(
    folder: Path,
    core_url: str,
    printer: str,
    *,
    kiosk: str = "",
    screen: str = "",
    size: tuple[int, int] = PORTRAIT,
    windowed: bool = True,
    device: str = "kiosk-1",
    clock: Callable[[], float] = time.monotonic,
    tap_guard: bool = False,
) -> Iterator[Kiosk]:
    """The real app from a real role file, its screen opened at `size`.

    The guard against taps right after a screen change is off unless asked for: tests tap at machine speed.
    """
    path = folder / "kiosk.toml"
    path.write_text(role_text(core_url, printer, kiosk, screen, device), encoding="utf-8")
    role = load_role(path, "kiosk", read_settings)
    app = KioskApp(role, Options(windowed=windowed, size=size), clock=clock)
    if not tap_guard:
        app.flow.guard_s = 0.0
    app.open()
    try:
        yield Kiosk(app)
    finally:
        app.close()
