"""The caller process with USB keypads against a real core: every clerk action from real evdev events, refusals fed
back through the device status, the pause toggle, transfer digits, the evaluator, a keypad unplugged and plugged
back, a core that goes away (nothing replayed), and presses held up behind a slow answer."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from onewindow.caller.settings import read_settings
from onewindow.caller.station import CallerStation
from onewindow.client import CoreClient, EventFollower
from onewindow.drivers.keypad import FakeKeypad
from onewindow.rolefile import load_role
from tests.support.caller_rig import Outcomes
from tests.support.hall import PASSWORDS, serve, token
from tests.support.process import CoreProcess
from tests.support.pty_pair import wait_until

KEYPAD = "/dev/input/by-path/platform-xhci-hcd.0-usb-0:1.{n}:1.0-event-kbd"


def role_file(folder: Path, url: str, device: str, keypads: dict[int, str], caller: str = "") -> Path:
    """A role file as a technician writes it: `keypads` maps a window to its keymap."""
    text = f'core = "{url}"\ndevice = "{device}"\ntoken = "{token(device)}"\n\n'
    text += caller or '[caller]\nclerk_prefix = "c"\nclerk_digits = 2\n'
    text += '\n[keymap.faces]\nF1 = "5"\nF2 = "4"\nF3 = "3"\nF4 = "2"\nF5 = "1"\n'
    for window, keymap in keypads.items():
        text += f'\n[[keypad]]\npath = "{KEYPAD.format(n=window)}"\nwindow = {window}\nkeymap = "{keymap}"\n'
    path = folder / f"{device}.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Keypads:
    """Fake USB keypads by path, opened through one opener as evdev would open them."""

    def __init__(self) -> None:
        self.by_path: dict[str, FakeKeypad] = {}

    def __getitem__(self, window: int) -> FakeKeypad:
        return self.by_path.setdefault(KEYPAD.format(n=window), FakeKeypad())

    def opener(self, path: str) -> Any:
        return self.by_path.setdefault(path, FakeKeypad()).opener(path)


def station(path: Path, keypads: Keypads, outcomes: Outcomes, **options: Any) -> CallerStation:
    role = load_role(path, "caller", read_settings)
    client = CoreClient(role.core, role.token, timeout=3.0)
    options.setdefault("keypad_retry_s", 0.05)
    options.setdefault("heartbeat_s", 0.5)
    return CallerStation(role, client, open_keypad=keypads.opener, on_outcome=outcomes, **options)


def ready(st: CallerStation) -> None:
    assert wait_until(lambda: st.kind is not None and st.live.connected and all(r.state.ok for r in st.readers))


class Api:
    """Clients of the core by device (None: anonymous), each closed when the test ends."""

    def __init__(self, url: str):
        self.url = url
        self.clients: dict[str | None, CoreClient] = {}

    def __call__(self, device: str | None = None) -> CoreClient:
        if device not in self.clients:
            self.clients[device] = CoreClient(self.url, token(device) if device else None)
        return self.clients[device]

    def window(self, n: int) -> dict[str, Any]:
        return self().window(n)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        return self().ticket(ticket_id)

    def as_manager(self, path: str) -> Any:
        import base64

        secret = base64.b64encode(f"manager:{PASSWORDS['manager']}".encode()).decode()
        _, body, _ = self().request("GET", path, headers={"Authorization": f"Basic {secret}"})
        return body

    def device_status(self, device: str) -> dict[str, Any]:
        return next(d for d in self.as_manager("/api/v1/devices")["devices"] if d["id"] == device)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path) as running:
        yield running


@pytest.fixture
def api(hall):
    clients = Api(hall.url)
    yield clients
    clients.close()


def test_a_morning_at_window_1_from_the_numpad(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    kiosk = api("kiosk-1")
    api("caller-4").act(4, "sign-in", {"clerk": "c04", "pin": "4444"})  # card is staffed, for the transfer
    first, second, third = (kiosk.issue("general") for _ in range(3))
    with station(role_file(tmp_path, hall.url, "caller-1", {1: "numpad"}), keypads, outcomes) as st:
        ready(st)
        pad = keypads[1]
        pad.press("KP1", "KPENTER", "KP1", "KP1", "KP1", "KP1", "KPENTER")  # 工号 1 -> c01, PIN 1111
        assert outcomes.wait(1) == [(1, "sign_in", "ok")]
        assert api.window(1)["clerk"]["id"] == "c01"

        pad.press("KPPLUS")
        outcomes.wait(2)
        now = api.window(1)
        assert now["current"]["number"] == first["number"] and now["current"]["status"] == "called"

        pad.press("KPMINUS")
        outcomes.wait(3)
        assert api.window(1)["current"]["recalls"] == 1

        pad.press("NUMLOCK")
        outcomes.wait(4)
        assert api.window(1)["current"]["status"] == "serving"

        pad.press("KPENTER")
        outcomes.wait(5)
        assert api.window(1)["current"] is None
        assert api.ticket(first["id"])["status"] == "done"

        pad.press("KPPLUS", "KPDOT", "KPDOT")  # call the second, who never comes: no-show
        outcomes.wait(7)
        assert api.ticket(second["id"])["status"] == "no_show"

        pad.press("KPPLUS", "KP2", "KPASTERISK")  # call the third, send them to the hall's 2nd service
        outcomes.wait(9)
        moved = api.ticket(third["id"])
        assert (moved["service"], moved["status"]) == ("card", "waiting")
        assert moved["window"] in (3, 4)

        pad.press("KP0", "KPENTER")
        outcomes.wait(10)
        assert api.window(1)["clerk"] is None
        assert [o for _, _, o in outcomes.seen] == ["ok"] * 10
        assert [c for _, c, _ in outcomes.seen] == [
            "sign_in",
            "call",
            "recall",
            "start",
            "finish",
            "call",
            "no_show",
            "call",
            "transfer",
            "sign_out",
        ]


def test_refusals_reach_the_core_as_notices_for_the_windows_led_board(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    notices: list[dict[str, Any]] = []

    def on_event(event: Any) -> None:
        if event.type == "device.status" and event.data["device"] == "caller-1":
            part = event.data["status"]["parts"].get("window-2")
            if part is not None and part not in notices:
                notices.append(part)

    follower = EventFollower(hall.url, on_event).start()
    try:
        with station(role_file(tmp_path, hall.url, "caller-1", {2: "numpad"}), keypads, outcomes) as st:
            ready(st)
            keypads[2].press("KPPLUS")  # nobody signed in
            assert outcomes.wait(1) == [(2, "call", "not_signed_in")]
            assert wait_until(lambda: len(notices) == 1)
            keypads[2].press("KP2", "KPENTER", "KP2", "KP2", "KP2", "KP2", "KPENTER", "KPPLUS")
            assert outcomes.wait(3)[1:] == [(2, "sign_in", "ok"), (2, "call", "nobody_waiting")]
            assert wait_until(lambda: len(notices) == 2)
            keypads[2].press("KP3", "KPENTER", "KP9", "KP9", "KP9", "KP9", "KPENTER")  # c03 with a wrong PIN
            assert outcomes.wait(4)[3] == (2, "sign_in", "wrong_pin")
            assert wait_until(lambda: len(notices) == 3)
            assert api.window(2)["clerk"]["id"] == "c02"  # the wrong PIN changed nothing
    finally:
        follower.stop()
    assert [n["message"] for n in notices] == ["请先登录", "无人等候", "密码错误"]
    assert all(n["state"] == "warning" for n in notices)
    assert notices[0]["notice"] < notices[1]["notice"] < notices[2]["notice"]


def test_a_notice_leaves_the_status_after_notice_s(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    path = role_file(tmp_path, hall.url, "caller-1", {1: "numpad"}, caller="[caller]\nnotice_s = 2\n")
    clock = Clock()
    with station(path, keypads, outcomes, clock=clock) as st:
        ready(st)
        keypads[1].press("KPMINUS")
        assert outcomes.wait(1) == [(1, "recall", "no_current_ticket")]
        assert st.health()["parts"]["window-1"]["message"] == "无当前号"
        assert wait_until(lambda: "window-1" in api.device_status("caller-1")["status"]["parts"])
        clock.advance(2.5)
        assert "window-1" not in st.health()["parts"]
        assert st.health()["ok"] is True  # a refusal is not a fault of the device


class Clock:
    def __init__(self) -> None:
        import time

        self.offset = 0.0
        self._monotonic = time.monotonic

    def __call__(self) -> float:
        return self._monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def test_the_pause_key_toggles_from_the_windows_state(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    caller = api("caller-1")
    caller.act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    with station(role_file(tmp_path, hall.url, "caller-1", {1: "numpad"}), keypads, outcomes) as st:
        ready(st)
        keypads[1].press("KPSLASH")
        outcomes.wait(1)
        assert api.window(1)["state"] == "paused"
        keypads[1].press("KPSLASH")
        outcomes.wait(2)
        assert api.window(1)["state"] == "open"
        caller.act(1, "pause", {"reason": "会议"})  # paused from elsewhere (the web caller) a moment ago
        keypads[1].press("KPSLASH")
        outcomes.wait(3)
        assert api.window(1)["state"] == "open"
    assert [o for _, _, o in outcomes.seen] == ["ok", "ok", "ok"]


def test_transfer_digits_name_the_halls_or_the_windows_services(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    caller = api("caller-1")
    caller.act(3, "sign-in", {"clerk": "c03", "pin": "3333"})
    api("caller-5").act(5, "sign-in", {"clerk": "c05", "pin": "5555"})  # injury is staffed, for the transfer
    kiosk = api("kiosk-1")
    tickets = [kiosk.issue("general") for _ in range(3)]
    with station(role_file(tmp_path, hall.url, "caller-1", {3: "numpad"}), keypads, outcomes) as st:
        ready(st)
        keypads[3].press("KPPLUS", "KP4", "KPASTERISK")  # the hall has three services
        assert outcomes.wait(2)[1] == (3, "transfer", "no_such_service")
        assert api.window(3)["current"] is not None  # nothing was sent
        keypads[3].press("KP3", "KPASTERISK")  # the hall's 3rd: injury, served at window 5
        outcomes.wait(3)
    called = next(t for t in tickets if api.ticket(t["id"])["service"] == "injury")
    assert api.ticket(called["id"])["window"] == 5

    path = role_file(tmp_path, hall.url, "caller-1", {3: "numpad"}, caller='[caller]\ntransfer_to = "window"\n')
    keypads, outcomes = Keypads(), Outcomes()
    with station(path, keypads, outcomes) as st:
        ready(st)
        keypads[3].press("KPPLUS", "KP3", "KPASTERISK")  # window 3 serves two services
        assert outcomes.wait(2)[1] == (3, "transfer", "no_such_service")
        keypads[3].press("KP2", "KPASTERISK")  # window 3's 2nd: card
        assert outcomes.wait(3)[2] == (3, "transfer", "ok")
    assert sorted(api.ticket(t["id"])["service"] for t in tickets) == ["card", "general", "injury"]


def test_the_evaluator_rates_only_what_the_core_armed(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    caller = api("caller-1")
    caller.act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    api("kiosk-1").issue("general")
    with station(role_file(tmp_path, hall.url, "eval-1", {1: "faces", 2: "numpad"}), keypads, outcomes) as st:
        ready(st)
        assert st.kind == "evaluator"
        keypads[1].press("F1")  # 非常满意, but nothing is armed yet
        assert outcomes.wait(1) == [(1, "score", "not_armed")]
        caller.act(1, "call")
        caller.act(1, "finish")
        keypads[1].press("F4")  # 不满意
        assert outcomes.wait(2)[1] == (1, "score", "ok")
        keypads[1].press("F1")  # a second press for the same ticket
        assert outcomes.wait(3)[2] == (1, "score", "already_rated")
        keypads[2].press("KP0", "KP6", "KPPLUS", "KPENTER", "KP3")  # only 1-5 mean anything on an evaluator
        assert outcomes.wait(4)[3] == (2, "score", "not_armed")
        assert st.health()["parts"]["window-1"]["message"] == "已评价"
    ratings = api.as_manager("/api/v1/ratings")["ratings"]
    assert [(r["window"], r["score"], r["flagged"]) for r in ratings] == [(1, 2, True)]


def test_one_rating_per_ticket_between_the_keypad_and_the_phone_whichever_comes_first(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    caller, phone = api("caller-1"), api()
    caller.act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    first, second = (api("kiosk-1").issue("general") for _ in range(2))
    for ticket in (first, second):
        phone.move(ticket["id"], 1)
    with station(role_file(tmp_path, hall.url, "eval-1", {1: "faces"}), keypads, outcomes) as st:
        ready(st)
        caller.act(1, "call")
        caller.act(1, "finish")  # A001 done: the keypad is armed for it, its phone page may rate it too
        keypads[1].press("F2")  # 满意, on the keypad
        assert outcomes.wait(1) == [(1, "score", "ok")]
        status, answer, _ = phone.request("POST", f"/api/v1/tickets/{first['id']}/rating", {"score": 1})
        assert (status, answer["error"]["code"]) == (409, "already_rated")
        caller.act(1, "call")
        caller.act(1, "finish")  # A002 done: this time the phone is first
        status, answer, _ = phone.request("POST", f"/api/v1/tickets/{second['id']}/rating", {"score": 3})
        assert status == 201 and answer["number"] == second["number"]
        keypads[1].press("F1")  # 非常满意 on the keypad, for a ticket its phone has rated
        assert outcomes.wait(2)[1] == (1, "score", "already_rated")
        assert st.health()["parts"]["window-1"]["message"] == "已评价"
    ratings = api.as_manager("/api/v1/ratings")["ratings"]
    assert [(r["number"], r["score"]) for r in ratings] == [(first["number"], 4), (second["number"], 3)]


def test_the_evaluator_follows_the_cores_arming_and_a_late_press_is_told_so(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    caller = api("caller-1")
    caller.act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    for _ in range(3):
        api().move(api("kiosk-1").issue("general")["id"], 1)  # three citizens wait at window 1
    caller.act(1, "call")
    with station(role_file(tmp_path, hall.url, "eval-1", {1: "faces"}), keypads, outcomes) as st:
        ready(st)
        caller.act(1, "call")  # A001 finished, A002 called: A001 may still rate for rating_grace_s (20 s)
        keypads[1].press("F2")  # A001, on the way out: 满意
        assert outcomes.wait(1) == [(1, "score", "ok")]
        caller.act(1, "call")  # A002 finished, A003 called ...
        hall.clock.advance(21)  # ... and standing at the window, A003 presses
        keypads[1].press("F1")
        assert outcomes.wait(2)[1] == (1, "score", "rating_closed")
        assert st.health()["parts"]["window-1"]["message"] == "评价时间已过"
    assert [(r["number"], r["score"]) for r in api.as_manager("/api/v1/ratings")["ratings"]] == [("A001", 4)]


def test_a_keypad_for_a_window_that_is_not_the_devices(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    with station(role_file(tmp_path, hall.url, "caller-4", {4: "numpad", 5: "numpad"}), keypads, outcomes) as st:
        ready(st)
        assert wait_until(lambda: st.health()["parts"].get("device", {}).get("state") == "fault")
        assert st.health()["parts"]["device"]["message"] == "windows 5 are not caller-4's in the hall file"
        keypads[5].press("KPPLUS")
        assert outcomes.wait(1) == [(5, "call", "forbidden")]
        assert st.health()["parts"]["window-5"]["message"] == "无权操作"


def test_a_keypad_unplugged_and_plugged_back(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    api("caller-1").act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    with station(role_file(tmp_path, hall.url, "caller-1", {1: "numpad"}), keypads, outcomes) as st:
        ready(st)
        assert keypads[1].grabbed  # its keys never reach a console
        keypads[1].unplug()  # the next read raises OSError(ENODEV), opening fails until it is back
        assert wait_until(lambda: st.health()["parts"]["keypad-1"]["state"] == "fault")
        report = st.health()
        assert report["ok"] is False and report["message"] == "keypad of window 1 missing"
        assert (
            "was unplugged" in report["parts"]["keypad-1"]["message"]
            or "not plugged in" in report["parts"]["keypad-1"]["message"]
        )
        assert wait_until(lambda: api.device_status("caller-1")["status"]["ok"] is False)
        keypads[1].plug()
        assert wait_until(lambda: st.health()["parts"]["keypad-1"]["state"] == "ok")
        assert keypads[1].opened == 2
        keypads[1].press("KPSLASH")
        assert outcomes.wait(1) == [(1, "pause", "ok")]
        assert wait_until(lambda: api.device_status("caller-1")["status"]["ok"] is True)


def test_a_missing_keypad_is_reported_not_fatal(hall, api, tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    keypads[2].plugged = False
    with station(role_file(tmp_path, hall.url, "caller-1", {1: "numpad", 2: "numpad"}), keypads, outcomes) as st:
        assert wait_until(lambda: st.health()["parts"]["keypad-2"]["state"] == "fault")
        assert "is not plugged in" in st.health()["parts"]["keypad-2"]["message"]
        keypads[1].press("KPPLUS")
        assert outcomes.wait(1) == [(1, "call", "not_signed_in")]  # window 1 works meanwhile


def test_a_press_while_the_core_is_away_is_never_replayed(tmp_path):
    keypads, outcomes = Keypads(), Outcomes()
    with CoreProcess(tmp_path) as core:
        api = Api(core.url)
        api("caller-1").act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
        ticket = core.issue("general")
        with station(role_file(tmp_path, core.url, "caller-1", {1: "numpad"}), keypads, outcomes) as st:
            ready(st)
            core.stop("SIGKILL")
            keypads[1].press("KPPLUS")
            assert outcomes.wait(1) == [(1, "call", "offline")]
            assert st.health()["parts"]["window-1"]["message"] == "连接中断"
            core.start()
            assert wait_until(lambda: st.live.connected and st.heartbeat.last_error is None, 20)
            assert api.ticket(ticket["id"])["status"] == "waiting"  # the call was not replayed
            keypads[1].press("KPPLUS")
            assert outcomes.wait(2)[1] == (1, "call", "ok")
            assert api.ticket(ticket["id"])["status"] == "called"
        api.close()


class SlowClient(CoreClient):
    """The core answers the first call only after the clerk pressed again and some seconds passed."""

    def __init__(self, *args: Any, held: threading.Event, release: threading.Event, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.held, self.release = held, release
        self.acts: list[str] = []

    def act(self, window: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
        self.acts.append(action)
        if len(self.acts) == 1:
            self.held.set()
            assert self.release.wait(10)
        return super().act(window, action, body)


def test_a_press_held_up_behind_a_slow_answer_is_dropped_not_sent_late(hall, api, tmp_path):
    keypads, outcomes, clock = Keypads(), Outcomes(), Clock()
    api("caller-1").act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    api("kiosk-1").issue("general")
    role = load_role(role_file(tmp_path, hall.url, "caller-1", {1: "numpad"}), "caller", read_settings)
    held, release = threading.Event(), threading.Event()
    client = SlowClient(role.core, role.token, held=held, release=release)
    st = CallerStation(role, client, open_keypad=keypads.opener, on_outcome=outcomes, clock=clock, keypad_retry_s=0.05)
    with st:
        ready(st)
        keypads[1].press("KPPLUS")
        assert held.wait(10)
        keypads[1].press("KPMINUS")  # the clerk presses recall while the call is still on its way
        assert wait_until(lambda: st._desks[1].presses.qsize() == 1)
        clock.advance(5)
        release.set()
        assert outcomes.wait(2) == [(1, "call", "ok"), (1, "recall", "late")]
    assert client.acts == ["call"]  # the recall never went out
    assert api.window(1)["current"]["recalls"] == 0
