"""RS-485 pads (ff68) on a pseudo-terminal against a real core: every frame echoed byte for byte, presses and
scores reaching the core, bad sums and line noise dropped without losing the next frame, several pads on one
line, the pads' displays following the hall, beeps on refusals, and the pads' two-step sign-in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onewindow.caller.settings import read_settings
from onewindow.caller.station import CallerStation
from onewindow.client import CoreClient
from onewindow.drivers.pads import ff68
from onewindow.drivers.pads.bus import LOOPBACK_S
from onewindow.drivers.pads.ff68 import Frame, FrameParser
from onewindow.rolefile import load_role
from tests.support.caller_rig import Outcomes
from tests.support.hall import PASSWORDS, serve, token
from tests.support.process import CoreProcess
from tests.support.pty_pair import PtyPair, wait_until


def role_file(folder: Path, url: str, device: str, port: str, pads: dict[int, int]) -> Path:
    """`pads` maps an address to its window."""
    listed = ", ".join(f"{{ address = {a}, window = {w} }}" for a, w in pads.items())
    text = (
        f'core = "{url}"\ndevice = "{device}"\ntoken = "{token(device)}"\n\n'
        '[caller]\nclerk_prefix = "c"\nclerk_digits = 2\n\n'
        f'[[bus]]\nport = "{port}"\nbaudrate = 9600\nprotocol = "ff68"\npads = [{listed}]\n'
    )
    path = folder / f"{device}.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Line:
    """The pads' end of the pty: what they send, and every frame the host sent back, parsed."""

    def __init__(self, pty: PtyPair):
        self.pty = pty

    def frames(self) -> list[Frame]:
        return FrameParser().feed(self.pty.received)

    def echoes(self) -> list[bytes]:
        return [f.to_bytes() for f in self.frames() if f.function not in (ff68.DISPLAY, ff68.BEEP)]

    def beeps(self) -> list[int]:
        return [f.address for f in self.frames() if f.function == ff68.BEEP]

    def shown(self, address: int) -> tuple[str, str] | None:
        """What the pad at `address` shows now: (waiting, current digits), blanks as spaces."""
        last = [f for f in self.frames() if f.function == ff68.DISPLAY and f.address == address]
        if not last:
            return None
        text = "".join(" " if d == ff68.BLANK else str(d) for d in last[-1].data)
        return text[:3], text[3:]

    def press(self, address: int, key: str, digits: str = "") -> bytes:
        frame = ff68.key_frame(address, key, digits)
        self.pty.write(frame)
        return frame


@pytest.fixture
def pty(tmp_path: Path):
    pair = PtyPair(tmp_path, "hall-caller485")
    yield pair
    pair.close()


@pytest.fixture
def hall(tmp_path):
    with serve(tmp_path) as running:
        yield running


@pytest.fixture
def api(hall):
    clients: dict[str | None, CoreClient] = {}

    def get(device: str | None = None) -> CoreClient:
        if device not in clients:
            clients[device] = CoreClient(hall.url, token(device) if device else None)
        return clients[device]

    yield get
    for client in clients.values():
        client.close()


def station(path: Path, outcomes: Outcomes) -> CallerStation:
    role = load_role(path, "caller", read_settings)
    client = CoreClient(role.core, role.token, timeout=3.0)
    return CallerStation(role, client, on_outcome=outcomes, heartbeat_s=0.5, line_retry_s=0.1)


def ready(st: CallerStation) -> None:
    assert wait_until(lambda: st.kind is not None and st.live.connected and all(b.state.ok for b in st.buses))


def test_a_day_at_three_pads_on_one_line(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    kiosk = api("kiosk-1")
    for n in (1, 2, 3):  # the clerks are in (tickets go to staffed windows only); they sign in at the pads too
        api("caller-1").act(n, "sign-in", {"clerk": f"c0{n}", "pin": str(n) * 4})
    tickets = [kiosk.issue("general") for _ in range(4)]
    with station(role_file(tmp_path, hall.url, "caller-1", pty.port, {1: 1, 2: 2, 3: 3}), outcomes) as st:
        ready(st)
        # every pad shows its window: tickets went to windows 1, 2, 3, 1 by the assignment rule
        assert wait_until(lambda: line.shown(1) == ("  2", "   ") and line.shown(3) == ("  1", "   "))
        sent = [line.press(1, "confirm", "01"), line.press(1, "confirm", "1111")]  # 工号 01 确认, PIN 确认
        assert outcomes.wait(1) == [(1, "sign_in", "ok")]
        sent += [line.press(2, "confirm", "02"), line.press(2, "confirm", "2222")]
        assert outcomes.wait(2)[1] == (2, "sign_in", "ok")
        sent.append(line.press(1, "call"))
        assert outcomes.wait(3)[2] == (1, "call", "ok")
        first = api().window(1)["current"]["number"]
        assert wait_until(lambda: line.shown(1) == ("  1", first[-3:]))
        # two clerks at work: each pad's presses in order, the two windows side by side
        sent.append(line.press(2, "call"))
        sent.append(line.press(1, "recall"))
        sent.append(line.press(1, "finish"))
        sent.append(line.press(2, "confirm", "6"))  # 6 确认: no-show
        outcomes.wait(7)
        # the same frame as our echo of the pad's last call, this soon, would be taken for an adapter that hears
        # itself (onewindow.drivers.pads.bus): a clerk's second call comes later than that
        time.sleep(LOOPBACK_S)
        sent.append(line.press(1, "call"))
        sent.append(line.press(1, "transfer", "2"))  # to the hall's 2nd service, card
        sent.append(line.press(1, "pause"))
        outcomes.wait(10)
        assert [(c, o) for w, c, o in outcomes.seen[3:] if w == 1] == [
            ("recall", "ok"),
            ("finish", "ok"),
            ("call", "ok"),
            ("transfer", "ok"),
            ("pause", "ok"),
        ]
        assert [(c, o) for w, c, o in outcomes.seen[3:] if w == 2] == [("call", "ok"), ("no_show", "ok")]
        assert wait_until(lambda: line.echoes() == sent)  # each frame echoed as it came, exactly
        assert api().window(1)["state"] == "paused"
        statuses = sorted(api().ticket(t["id"])["status"] for t in tickets)
        assert statuses == ["done", "no_show", "waiting", "waiting"]
        assert sorted(api().ticket(t["id"])["service"] for t in tickets) == ["card", "general", "general", "general"]
        # window 1 is paused: its queue went elsewhere and nobody is at the counter
        assert wait_until(lambda: line.shown(1) == ("  0", "   "))
        assert line.beeps() == []


def test_noise_and_broken_frames_are_dropped_and_the_next_frame_is_answered(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    api("caller-1").act(3, "sign-in", {"clerk": "c03", "pin": "3333"})
    api("kiosk-1").issue("general")
    with station(role_file(tmp_path, hall.url, "caller-1", pty.port, {3: 3}), outcomes) as st:
        ready(st)
        call = ff68.key_frame(3, "call")
        bad_sum = call[:-2] + bytes([(call[-2] + 1) % 256, 0x16])
        bad_end = call[:-1] + b"\x17"
        bad_length = b"\xff\x68\x40\x40\x68\x03\x01\x0c\x10\x16"
        pty.write(b"\x00\x55\xff" + bad_sum + bad_end + b"\xff\x68\x03" + bad_length + call[:4])
        pty.write(call[4:] + b"\xaa\xff")  # a good frame split across two reads, behind the noise
        assert outcomes.wait(1) == [(3, "call", "ok")]
        assert wait_until(lambda: line.echoes() == [call])
        assert api().window(3)["current"] is not None
        assert len(outcomes.seen) == 1  # none of the broken ones called


def test_a_refused_press_beeps_on_its_pad_only(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    with station(role_file(tmp_path, hall.url, "caller-1", pty.port, {1: 1, 2: 2}), outcomes) as st:
        ready(st)
        frame = line.press(2, "call")  # nobody is signed in at window 2
        assert outcomes.wait(1) == [(2, "call", "not_signed_in")]
        assert wait_until(lambda: line.beeps() == [2])
        assert bytes.fromhex("FF 68 03 03 68 02 03 01 06 16") in pty.received
        assert line.echoes() == [frame]  # acknowledged all the same: the pad was heard
        assert st.health()["parts"]["window-2"]["message"] == "请先登录"
        line.press(1, "transfer", "7")  # no 7th service; and window 1 has no current ticket anyway
        assert outcomes.wait(2)[1] == (1, "transfer", "no_such_service")
        assert wait_until(lambda: line.beeps() == [2, 1])


def test_a_pad_that_is_not_in_the_role_file_is_acknowledged_and_ignored(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    with station(role_file(tmp_path, hall.url, "caller-1", pty.port, {1: 1}), outcomes) as st:
        ready(st)
        stray = line.press(9, "call")
        known = line.press(1, "pause")
        assert outcomes.wait(1) == [(1, "pause", "ok")]
        assert wait_until(lambda: line.echoes() == [stray, known])
        assert [w for w, _, _ in outcomes.seen] == [1]


def test_sign_in_on_a_pad_ends_when_another_key_comes_between(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    api("kiosk-1").issue("general")
    with station(role_file(tmp_path, hall.url, "caller-1", pty.port, {1: 1}), outcomes) as st:
        ready(st)
        line.press(1, "confirm", "01")
        line.press(1, "call")  # between 工号 and PIN: ends the sign-in, calls nobody, beeps
        assert wait_until(lambda: line.beeps() == [1])
        line.press(1, "confirm", "1111")  # the PIN, too late: taken for the staff number of a new sign-in
        line.press(1, "recall")  # ends that one too
        assert wait_until(lambda: line.beeps() == [1, 1])
        line.press(1, "confirm", "0")  # 0 确认: sign out (nobody is signed in)
        assert outcomes.wait(1) == [(1, "sign_out", "not_signed_in")]
        assert wait_until(lambda: line.beeps() == [1, 1, 1])
        assert api().window(1)["current"] is None and api().window(1)["clerk"] is None
        assert len(line.echoes()) == 5


def test_evaluator_pads_on_their_own_line(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    caller = api("caller-1")
    caller.act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    caller.act(2, "sign-in", {"clerk": "c02", "pin": "2222"})
    for _ in range(2):
        api("kiosk-1").issue("general")
    with station(role_file(tmp_path, hall.url, "eval-1", pty.port, {33: 1, 34: 2}), outcomes) as st:
        ready(st)
        assert st.kind == "evaluator"
        score = ff68.score_frame(33, 5)
        assert score == bytes.fromhex("FF 68 03 03 68 21 11 05 37 16")  # PROTOCOLS' example
        pty.write(score)  # nothing armed yet
        assert outcomes.wait(1) == [(1, "score", "not_armed")]
        for n in (1, 2):
            caller.act(n, "call")
            caller.act(n, "finish")
        pty.write(ff68.score_frame(33, 4))  # not 5 again: a pad's frame repeated within a second is a resend
        pty.write(ff68.score_frame(34, 1))
        assert sorted(outcomes.wait(3)[1:]) == [(1, "score", "ok"), (2, "score", "ok")]
        pty.write(ff68.score_frame(34, 3))  # the same citizen presses again
        assert outcomes.wait(4)[3] == (2, "score", "already_rated")
        assert wait_until(lambda: line.beeps() == [33, 34])
        assert len(line.echoes()) == 4
        assert all(f.function != ff68.DISPLAY for f in line.frames())  # evaluator pads have no numbers to show
        line.press(33, "call")  # a caller pad wired to the evaluators' line by mistake
        assert outcomes.wait(5)[4] == (1, "call", "forbidden")
    import base64

    secret = base64.b64encode(f"manager:{PASSWORDS['manager']}".encode()).decode()
    _, body, _ = api().request("GET", "/api/v1/ratings", headers={"Authorization": f"Basic {secret}"})
    assert sorted((r["window"], r["score"]) for r in body["ratings"]) == [(1, 4), (2, 1)]


def test_a_pads_rating_and_the_phones_are_one_rating_per_ticket(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    caller, phone = api("caller-1"), api()
    caller.act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    caller.act(2, "sign-in", {"clerk": "c02", "pin": "2222"})
    first, second = (api("kiosk-1").issue("general") for _ in range(2))
    phone.move(first["id"], 1)
    phone.move(second["id"], 2)
    with station(role_file(tmp_path, hall.url, "eval-1", pty.port, {33: 1, 34: 2}), outcomes) as st:
        ready(st)
        for n in (1, 2):
            caller.act(n, "call")
            caller.act(n, "finish")
        pty.write(ff68.score_frame(33, 5))  # window 1's pad first ...
        assert outcomes.wait(1) == [(1, "score", "ok")]
        status, answer, _ = phone.request("POST", f"/api/v1/tickets/{first['id']}/rating", {"score": 1})
        assert (status, answer["error"]["code"]) == (409, "already_rated")  # ... so its phone is refused
        status, _, _ = phone.request("POST", f"/api/v1/tickets/{second['id']}/rating", {"score": 2})
        assert status == 201  # window 2's citizen rates on the phone first ...
        pty.write(ff68.score_frame(34, 5))
        assert outcomes.wait(2)[1] == (2, "score", "already_rated")  # ... so the pad is refused
        assert wait_until(lambda: line.beeps() == [34])  # and beeps: the citizen hears it did not count
    import base64

    secret = base64.b64encode(f"manager:{PASSWORDS['manager']}".encode()).decode()
    _, body, _ = api().request("GET", "/api/v1/ratings", headers={"Authorization": f"Basic {secret}"})
    assert [(r["number"], r["score"]) for r in body["ratings"]] == [(first["number"], 5), (second["number"], 2)]


def test_pads_go_dark_while_the_core_is_away_and_show_again_after(tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    with CoreProcess(tmp_path, require_sign_in=False) as core:  # an open window is staffed: the ticket goes to 1
        core.issue("general")
        with station(role_file(tmp_path, core.url, "caller-1", pty.port, {1: 1}), outcomes) as st:
            ready(st)
            assert wait_until(lambda: line.shown(1) == ("  1", "   "))
            core.stop("SIGKILL")
            assert wait_until(lambda: line.shown(1) == ("   ", "   "))
            line.press(1, "call")
            assert outcomes.wait(1) == [(1, "call", "offline")]
            assert wait_until(lambda: line.beeps() == [1])
            core.start()
            assert wait_until(lambda: line.shown(1) == ("  1", "   "), 20)
            assert len(outcomes.seen) == 1


def test_the_line_unplugged_and_plugged_back(hall, api, tmp_path, pty):
    outcomes, line = Outcomes(), Line(pty)
    api("caller-1").act(1, "sign-in", {"clerk": "c01", "pin": "1111"})
    with station(role_file(tmp_path, hall.url, "caller-1", pty.port, {1: 1}), outcomes) as st:
        ready(st)
        pty.unplug()
        assert wait_until(lambda: st.health()["parts"]["bus-1"]["state"] == "fault")
        assert st.health()["ok"] is False
        pty.plug()
        assert wait_until(lambda: st.health()["parts"]["bus-1"]["state"] == "ok")
        assert wait_until(lambda: line.shown(1) == ("  0", "   "))  # numbers sent again: the pad may have lost them
        frame = line.press(1, "pause")
        assert outcomes.wait(1) == [(1, "pause", "ok")]
        assert wait_until(lambda: frame in pty.received)
