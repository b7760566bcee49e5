"""The LED line on a real pseudo-terminal: exact frames, gaps between them, coalescing, unplug and replug."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import pytest

from onewindow.drivers.led import FakeLedLine, LedLine, LedSettings, open_led_lines, soh
from onewindow.drivers.serialport import open_serial
from tests.support.pty_pair import PtyPair, wait_until


@pytest.fixture
def pty(tmp_path: Path):
    pair = PtyPair(tmp_path, "hall-led485")
    yield pair
    pair.close()


def arrival_times(pair: PtyPair, frames: list[bytes]) -> list[float]:
    """When the first byte of each expected frame reached the far end."""
    times, offset, frame_start = [], 0, 0
    starts = []
    for frame in frames:
        starts.append(frame_start)
        frame_start += len(frame)
    for at, chunk in pair.chunks:
        while starts and starts[0] < offset + len(chunk):
            times.append(at)
            starts.pop(0)
        offset += len(chunk)
    return times


def test_boards_on_one_line_receive_exact_frames_in_order_with_gaps(pty):
    expected = [soh.encode(3, "A001"), soh.encode(4, "B002"), soh.encode(16, "暂停服务"), soh.encode(0, "请A001号")]
    with LedLine(pty.port, 9600, "soh", refresh_s=None) as line:
        line.show(3, "A001")
        line.show(4, "B002")
        line.show(16, "暂停服务")
        line.show(0, "请A001号")
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(expected)))
        assert line.state.ok and line.state.status == "ok"
        assert line.boards == {3: "A001", 4: "B002", 16: "暂停服务", 0: "请A001号"}
    assert pty.received == b"".join(expected)
    times = arrival_times(pty, expected)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) > 0.040, gaps


class RecordingPort:
    """A real port whose writes are timed, and whose first write can be held back."""

    def __init__(self, port, hold_first: threading.Event | None = None):
        self._port = port
        self.hold_first = hold_first
        self.writing = threading.Event()
        self.writes: list[tuple[float, float, bytes]] = []

    def write(self, data: bytes) -> int:
        self.writing.set()
        if self.hold_first is not None and not self.writes:
            assert self.hold_first.wait(10)
        start = time.monotonic()
        count = self._port.write(data)
        self.writes.append((start, time.monotonic(), data))
        return count

    def __getattr__(self, name):
        return getattr(self._port, name)


def test_frames_keep_the_gap_as_the_writer_sees_it(pty):
    ports: list[RecordingPort] = []

    def open_port(url, baudrate, timeout):
        ports.append(RecordingPort(open_serial(url, baudrate, timeout)))
        return ports[-1]

    with LedLine(pty.port, 9600, gap_s=0.05, refresh_s=None, open_port=open_port) as line:
        for address in range(10, 16):
            line.show(address, f"A{address:03d}")
        assert wait_until(lambda: ports and len(ports[0].writes) == 6)
    writes = ports[0].writes
    assert [w[2] for w in writes] == [soh.encode(a, f"A{a:03d}") for a in range(10, 16)]
    for (_, end, data), (start, _, _) in zip(writes, writes[1:], strict=False):
        assert start - end >= 0.05 + len(data) * 10 / 9600


def test_updates_that_pile_up_send_only_the_newest_text_of_each_board(pty):
    release = threading.Event()
    ports: list[RecordingPort] = []

    def open_port(url, baudrate, timeout):
        ports.append(RecordingPort(open_serial(url, baudrate, timeout), hold_first=release))
        return ports[-1]

    with LedLine(pty.port, 9600, refresh_s=None, open_port=open_port) as line:
        line.show(3, "A001")
        assert wait_until(lambda: ports and ports[0].writing.is_set())
        # the writer is stuck sending A001; show() still returns at once
        for address, text in [(3, "A002"), (4, "B001"), (3, "A003"), (4, "B002"), (5, "C001")]:
            line.show(address, text)
        release.set()
        expected = [soh.encode(3, "A001"), soh.encode(3, "A003"), soh.encode(4, "B002"), soh.encode(5, "C001")]
        assert pty.wait_for(lambda got: len(got) >= len(b"".join(expected)))
        time.sleep(0.2)  # room for a wrong extra frame to show up
    assert pty.received == b"".join(expected)


def test_showing_the_same_text_again_sends_nothing(pty):
    with LedLine(pty.port, refresh_s=None) as line:
        line.show(3, "A001")
        assert pty.wait_for(lambda got: got == soh.encode(3, "A001"))
        line.show(3, "A001")
        line.show(3, "A002")
        assert pty.wait_for(lambda got: got.endswith(soh.encode(3, "A002")))
    assert pty.received == soh.encode(3, "A001") + soh.encode(3, "A002")


def test_unplugged_adapter_is_logged_once_retried_and_every_board_resent(pty, caplog):
    attempts = []

    def open_port(url, baudrate, timeout):
        attempts.append(url)
        return open_serial(url, baudrate, timeout)

    caplog.set_level(logging.INFO, logger="onewindow.drivers.led")
    with LedLine(pty.port, retry_s=0.05, refresh_s=None, open_port=open_port) as line:
        line.show(3, "A001")
        line.show(4, "B001")
        assert pty.wait_for(lambda got: got.endswith(soh.encode(4, "B001")))
        pty.unplug()
        # nothing is being written: the idle check notices the adapter is gone
        assert wait_until(lambda: line.state.status == "offline")
        assert pty.port in line.state.message
        line.show(3, "A002")  # while it is away: kept for later, never blocks
        tries = len(attempts)
        assert wait_until(lambda: len(attempts) >= tries + 3)  # it keeps looking for the adapter
        pty.clear()
        pty.plug()
        assert wait_until(lambda: line.state.ok)
        # every board hears its current text again: board 3 its new one, board 4 the one it had
        expected = soh.encode(3, "A002") + soh.encode(4, "B001")
        assert pty.wait_for(lambda got: len(got) >= len(expected))
    assert pty.received == expected
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "hall-led485" in warnings[0].getMessage()


def test_a_port_that_is_missing_from_the_start_is_offline_not_an_error(tmp_path):
    with LedLine(str(tmp_path / "no-such-adapter"), retry_s=0.05) as line:
        line.show(3, "A001")
        assert wait_until(lambda: line.state.status == "offline")
        assert "cannot be opened" in line.state.message
    assert line.state.status == "offline"


def test_boards_refresh_now_and_then_in_case_one_lost_power(pty):
    with LedLine(pty.port, refresh_s=0.2) as line:
        line.show(3, "A001")
        assert pty.wait_for(lambda got: got.count(soh.encode(3, "A001")) >= 2)


def test_a_call_goes_out_before_the_texts_that_are_only_sent_again(pty):
    frames = [soh.encode(a, f"B{a:03d}") for a in range(1, 11)]
    with LedLine(pty.port, refresh_s=1.0) as line:
        for a in range(1, 11):
            line.show(a, f"B{a:03d}")
        assert pty.wait_for(lambda got: all(f in got for f in frames))
        first_round = len(pty.received)
        # the resend of all ten boards (50 ms apart) has begun: call at board 7, behind it in the board order
        assert pty.wait_for(lambda got: len(got) > first_round, timeout=10)
        line.show(7, "A001")
        call = soh.encode(7, "A001")
        assert pty.wait_for(lambda got: call in got[first_round:])
        resent = pty.received[first_round:]
        assert resent.index(call) < resent.index(frames[5]) if frames[5] in resent else True
        assert frames[6] not in resent[: resent.index(call)]  # board 7's old text was not sent again first


class TcpBoards:
    """An RS-485-to-Ethernet converter: accepts a connection and keeps what it receives."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.received = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        while True:
            try:
                chunk = conn.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            self.received += chunk

    def close(self):
        self.server.close()
        for conn in self.connections:
            conn.close()


def test_a_line_behind_a_network_converter_reconnects_and_resends():
    boards = TcpBoards()
    try:
        with LedLine(f"socket://127.0.0.1:{boards.port}", retry_s=0.05, refresh_s=None) as line:
            line.show(3, "A001")
            assert wait_until(lambda: bytes(boards.received) == soh.encode(3, "A001"))
            boards.connections[0].shutdown(socket.SHUT_RDWR)  # the converter restarts
            assert wait_until(lambda: len(boards.connections) == 2)
            assert wait_until(lambda: bytes(boards.received) == soh.encode(3, "A001") * 2)
            assert line.state.ok
    finally:
        boards.close()


def test_lines_are_opened_once_per_port(tmp_path):
    first, second = PtyPair(tmp_path, "led-a"), PtyPair(tmp_path, "led-b")
    try:
        boards = [
            LedSettings(port=first.port, address=3, window=3),
            LedSettings(port=first.port, address=4, window=4),
            LedSettings(port=second.port, address=1, main=True),
        ]
        lines = open_led_lines(boards, refresh_s=None)
        try:
            assert list(lines) == [first.port, second.port]
            for board in boards:
                lines[board.port].show(board.address, "A001")
            assert first.wait_for(lambda got: got == soh.encode(3, "A001") + soh.encode(4, "A001"))
            assert second.wait_for(lambda got: got == soh.encode(1, "A001"))
        finally:
            for line in lines.values():
                line.close()
    finally:
        first.close()
        second.close()


def test_show_refuses_an_address_that_is_not_a_byte(pty):
    line = LedLine(pty.port)
    with pytest.raises(ValueError):
        line.show(256, "A001")
    line.close()


def test_fake_line_records_frames_and_resends_when_plugged_back():
    line = FakeLedLine()
    line.show(3, "A001")
    line.show(1, "请A001号到3号窗口")
    assert line.frames == [soh.encode(3, "A001"), soh.encode(1, "请A001号到3号窗口")]
    line.unplug()
    assert line.state.status == "offline"
    line.show(3, "A002")
    assert len(line.frames) == 2 and line.boards[3] == "A002"
    line.plug()
    assert line.state.ok and line.frames[2:] == [soh.encode(3, "A002"), soh.encode(1, "请A001号到3号窗口")]
