"""tui/core/pacing.py: a protocol's data in slices of bounded time — every
byte once, in order; the loop gets turns in between (a key queued meanwhile
runs before the rest of the flood); the transport paused while data waits;
a lost connection delivers what was read first."""

from __future__ import annotations

import asyncio

from tui.core.pacing import pace


class Transport:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pause_reading(self) -> None:
        self.calls.append("pause")

    def resume_reading(self) -> None:
        self.calls.append("resume")


class Protocol:
    def __init__(self, log: list) -> None:
        self.log = log
        self.transport = Transport()

    def data_received(self, data: bytes) -> None:
        self.log.append(("data", data))

    def connection_lost(self, exc) -> None:
        self.log.append(("lost", exc))


class TickingClock:
    """Each look at the clock is ``step`` seconds later."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def received(log: list) -> bytes:
    return b"".join(item for kind, item in log if kind == "data")


async def test_data_within_the_budget_goes_through_at_once():
    log: list = []
    protocol = Protocol(log)
    reader = pace(protocol, budget=10.0, slice_bytes=4)
    protocol.data_received(b"<message>hello</message>")
    assert received(log) == b"<message>hello</message>"
    assert reader.yields == 0 and reader.pending == 0
    assert protocol.transport.calls == []


async def test_a_flood_is_fed_in_slices_with_the_loop_running_between_them():
    log: list = []
    protocol = Protocol(log)
    # every slice spends the whole budget: one slice per turn of the loop
    reader = pace(protocol, budget=1.0, slice_bytes=10, clock=TickingClock(1.0))
    flood = b"".join(b"<m>%04d</m>" % n for n in range(20))  # 220 bytes
    loop = asyncio.get_running_loop()
    # a key arrives while the first slice is parsed (queued as the driver queues it)
    loop.call_soon(lambda: log.append(("key", "a")))
    protocol.data_received(flood)
    assert received(log) == flood[:10]  # the rest waits
    assert protocol.transport.calls == ["pause"]
    more = b"<m>last</m>"
    protocol.data_received(more)  # read meanwhile: after what came before
    while reader.pending:
        await asyncio.sleep(0)
    assert received(log) == flood + more
    key_at = log.index(("key", "a"))
    assert 0 < key_at < len(log) - 1, "the key ran before the flood was done"
    assert protocol.transport.calls == ["pause", "resume"]
    assert reader.yields >= 20


async def test_a_reader_that_leaves_data_for_later_says_the_account_is_backlogged(monkeypatch):
    """pacing.backlogged(): data left for a later turn (a flood, a catch-up)
    within the last ``within`` seconds; data that fits a slice is not."""
    from tui.core import pacing

    monkeypatch.setattr(pacing, "_last_backlog", float("-inf"))
    log: list = []
    protocol = Protocol(log)
    pace(protocol, budget=10.0, slice_bytes=4)
    protocol.data_received(b"<m>one</m>")
    assert not pacing.backlogged()
    flooded = Protocol(log)
    reader = pace(flooded, budget=1.0, slice_bytes=10, clock=TickingClock(1.0))
    flooded.data_received(b"".join(b"<m>%04d</m>" % n for n in range(5)))
    assert pacing.backlogged()
    assert not pacing.backlogged(within=0.0)  # (as once the flood is long over)
    while reader.pending:
        await asyncio.sleep(0)


async def test_a_lost_connection_first_delivers_what_was_read():
    log: list = []
    protocol = Protocol(log)
    reader = pace(protocol, budget=1.0, slice_bytes=5, clock=TickingClock(1.0))
    protocol.data_received(b"0123456789abcdefghij")
    assert reader.pending == 15
    error = ConnectionResetError()
    protocol.connection_lost(error)
    assert received(log) == b"0123456789abcdefghij"
    assert log[-1] == ("lost", error)
    await asyncio.sleep(0)  # the drain scheduled before finds nothing left
    assert [kind for kind, _ in log].count("lost") == 1 and received(log) == b"0123456789abcdefghij"


async def test_a_hold_puts_the_next_slice_off_and_lets_the_loop_run(monkeypatch):
    """The face's hold (screens/keys_first.py: a key on its way to the screen)
    puts the next slice off by what it says; without one, the next turn."""
    from tui.core import pacing

    log: list = []
    protocol = Protocol(log)
    reader = pace(protocol, budget=1.0, slice_bytes=10, clock=TickingClock(1.0))
    holds = [0.0, 0.05]  # the first slice goes, the next waits 50 ms, the others do not
    pacing.hold_slices_with(lambda: holds.pop(0) if holds else 0.0)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        protocol.data_received(b"".join(b"<m>%04d</m>" % n for n in range(3)))  # 3 slices
        assert received(log) == b"<m>0000</m>"[:10]
        for _ in range(20):  # turns of the loop: not the held slice
            await asyncio.sleep(0)
        assert received(log) == b"<m>0000</m>"[:10]
        while reader.pending:
            await asyncio.sleep(0.005)
        assert loop.time() - started >= 0.05
        assert received(log) == b"".join(b"<m>%04d</m>" % n for n in range(3))
    finally:
        pacing.hold_slices_with(None)
    assert pacing._hold() == 0.0


async def test_while_a_key_is_on_its_way_no_slice_runs():
    """W6: a key crosses several turns of the loop (the input thread's
    hand-over, the app's queue, the input line's) and a slice ran at each
    one — a new read's first slice, or one scheduled before the key came.
    While the hold lasts, neither runs; then everything comes, in order."""
    from tui.core import pacing

    log: list = []
    protocol = Protocol(log)
    reader = pace(protocol, budget=1.0, slice_bytes=10, clock=TickingClock(1.0))
    hold = [0.0]
    pacing.hold_slices_with(lambda: hold[0])
    try:
        protocol.data_received(b"<m>0000</m><m>0001</m>")
        assert received(log) == b"<m>0000</m>"[:10]  # the next slice: at the next turn
        hold[0] = 0.02  # a key parsed before that turn
        for _ in range(10):
            await asyncio.sleep(0)
        assert received(log) == b"<m>0000</m>"[:10]
        hold[0] = 0.0  # its frame is out
        await until_drained(reader)
        assert received(log) == b"<m>0000</m><m>0001</m>"

        hold[0] = 0.02  # another key on its way when the server sends more
        protocol.data_received(b"<m>0002</m>")
        for _ in range(10):
            await asyncio.sleep(0)
        assert received(log) == b"<m>0000</m><m>0001</m>"
        assert protocol.transport.calls[-1] == "pause"  # the kernel holds the rest meanwhile
        hold[0] = 0.0
        await until_drained(reader)
        assert received(log) == b"<m>0000</m><m>0001</m><m>0002</m>"
        assert protocol.transport.calls[-1] == "resume"
    finally:
        pacing.hold_slices_with(None)


async def until_drained(reader, timeout: float = 5.0) -> None:
    await asyncio.wait_for(_drained(reader), timeout)


async def _drained(reader) -> None:
    while reader.pending:
        await asyncio.sleep(0.005)


class CostlyProtocol(Protocol):
    """Handling data takes ``per_byte`` seconds of a clock that only it moves."""

    def __init__(self, log: list, per_byte: float) -> None:
        super().__init__(log)
        self.now, self.per_byte = 0.0, per_byte

    def clock(self) -> float:
        return self.now

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.now += len(data) * self.per_byte


async def timed_slices(reader, protocol: CostlyProtocol, log: list, data: bytes) -> list[tuple[float, list[int]]]:
    """``data`` received and drained through ``reader``: each slice's time on
    the protocol's clock and the sizes of its pieces (all of it delivered)."""
    slices: list[tuple[float, list[int]]] = []
    feed = reader._feed

    def timed_feed() -> None:
        began, first = protocol.now, len(log)
        feed()
        slices.append((protocol.now - began, [len(item) for _, item in log[first:]]))

    reader._feed = timed_feed
    protocol.data_received(data)
    await until_drained(reader)
    assert received(log) == data
    return slices


async def test_a_slice_ends_near_its_budget_not_a_whole_piece_after_it():
    """A piece started with little time left overran the budget by its own
    time (4 KiB of a flood: 4-6 ms over a 4 ms budget, a key waiting behind
    it).  Near the deadline the pieces are what the time left allows at the
    rate seen so far, never under MIN_SLICE; far from it, whole SLICEs."""
    from tui.core.pacing import MIN_SLICE, SLICE

    per_byte = 0.003 / SLICE  # a whole piece: 3 ms of a 4 ms budget
    log: list = []
    protocol = CostlyProtocol(log, per_byte)
    reader = pace(protocol, budget=0.004, clock=protocol.clock)
    flood = bytes(range(256)) * 256  # 64 KiB
    slices = await timed_slices(reader, protocol, log, flood)
    full = slices[:-1]  # the last one ends with the data
    assert len(full) >= 10
    for spent, pieces in full:
        assert spent <= 0.004 + MIN_SLICE * per_byte, (spent, pieces)
        assert pieces[0] == SLICE and min(pieces) >= MIN_SLICE
    assert max(spent for spent, _ in full) >= 0.004  # each slice still uses its budget


async def test_the_real_readers_slices_give_the_loop_a_turn_every_2_ms():
    """The budget a session's reader gets (pacing.BUDGET): a key parsed
    during a slice waits for at most ~2 ms of stanza work (4 ms until the
    twelfth session: W6's keys p99 18.1 -> 17.2 ms, median 6.3 -> 5.1)."""
    from tui.core.pacing import MIN_SLICE, SLICE

    per_byte = 0.004 / SLICE  # a flood's rate: 4 KiB in 4 ms
    log: list = []
    protocol = CostlyProtocol(log, per_byte)
    reader = pace(protocol, clock=protocol.clock)
    slices = await timed_slices(reader, protocol, log, bytes(range(256)) * 256)  # 64 KiB: 64 ms of work
    # the first slices overrun while the reader learns the rate (it starts
    # from a whole SLICE per budget); then each ends near 2 ms
    learnt = slices[10:]
    assert len(learnt) >= 10
    assert all(spent <= 0.002 + MIN_SLICE * per_byte for spent, _ in learnt), slices
