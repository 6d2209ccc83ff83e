"""A window keeps its newest lines in memory (tui/core/windows.py
KEEP_LINES, here 20 + 5 at a time); the older ones come back from the
history when scrolled to, in order, once each; none go while the window is
read away from its end; a message of ours still to send stays (at the
front), and goes back to its place when the page it belongs to comes back.
Against a real Prosody, the real app."""

from __future__ import annotations

from typing import Callable

import pytest

from screens.widgets.line_layout import RowIndex
from tests.harness.app import running_app, screen_text
from tests.harness.wait import until
from tui.core import windows as windows_module
from tui.core.model import Delivery, LineKind

NUMBERED = [f"line {n:03}" for n in range(90)]


@pytest.fixture(autouse=True)
def few_lines(monkeypatch):
    monkeypatch.setattr(windows_module, "KEEP_LINES", 20)
    monkeypatch.setattr(windows_module, "LET_GO", 5)


def shown(window) -> list[str]:
    return [line.body for line in window.lines if line.kind is LineKind.INCOMING]


def messages(window) -> list[str]:
    return [line.body for line in window.lines if line.kind in (LineKind.INCOMING, LineKind.OUTGOING)]


async def type_line(pilot, app, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


async def read_back(pilot, log_view, window, expected: list[str]) -> None:
    """PageUp (paging older history in past the top) until the window's
    messages are ``expected``, or the store has no more."""
    def paged(count: int) -> Callable[[], bool]:
        return lambda: len(messages(window)) > count or messages(window) == expected

    for _ in range(60):
        if messages(window) == expected:
            return
        count, at_top = len(messages(window)), log_view.at_top
        await pilot.press("pageup")
        if at_top:  # past the top: a page from the store, if any is left
            await until(paged(count), timeout=5, message=lambda: str(messages(window)))
    await until(lambda: messages(window) == expected, timeout=10, message=lambda: str(messages(window)))


def layout_matches(log_view) -> bool:
    """The log's layout is the one a fresh index of its lines would make."""
    fresh = RowIndex(log_view.lines)
    fresh.set_width(log_view.wrap_width)
    return list(fresh.row_starts) == list(log_view._index.row_starts)


async def test_old_lines_leave_memory_and_come_back_from_the_history(alice, make_peer, tmp_path):
    bob = await make_peer()
    async with running_app(alice.config, data_dir=tmp_path / "data", size=(80, 12)) as (app, pilot):
        windows = app.client.windows
        for body in NUMBERED[:30]:  # into a window not shown: its kept layout follows
            bob.send(alice.jid, body)
        window = await until(lambda: windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: shown(window)[-1:] == [NUMBERED[29]], timeout=10, message=lambda: shown(window))
        assert shown(window)[0] != NUMBERED[0] and len(window.lines) <= 25
        await pilot.press(f"alt+{window.number}")
        log_view = app.main.log_view
        await until(lambda: NUMBERED[29] in screen_text(app), timeout=5)
        for body in NUMBERED[30:60]:  # into the window shown, following its end
            bob.send(alice.jid, body)
        await until(lambda: NUMBERED[59] in screen_text(app), timeout=10, message=lambda: shown(window))
        assert len(window.lines) <= 25 and shown(window)[-1] == NUMBERED[59]
        assert layout_matches(log_view) and log_view.is_at_bottom

        # Read back to the top: every older line comes back from the store, once, in order.
        for _ in range(60):
            if shown(window) == NUMBERED[:60]:
                break
            count, at_top = len(shown(window)), log_view.at_top
            await pilot.press("pageup")
            if at_top:  # past the top: a page from the store
                await until(lambda count=count: len(shown(window)) > count, timeout=5, message=lambda: shown(window))
        await until(lambda: shown(window) == NUMBERED[:60], timeout=10, message=lambda: shown(window))
        top = log_view.top_line_index
        top_body = window.lines[top].body

        # While read away from its end, the window lets go of nothing.
        for body in NUMBERED[60:90]:
            bob.send(alice.jid, body)
        await until(lambda: shown(window)[-1] == NUMBERED[89], timeout=10, message=lambda: shown(window))
        assert shown(window) == NUMBERED
        assert log_view.top_line_index == top and top_body in screen_text(app)

        # Back at the end, the next line lets the oldest go again.
        await pilot.press("ctrl+end")
        await until(lambda: log_view.is_at_bottom, timeout=5)
        bob.send(alice.jid, "one more")
        await until(lambda: shown(window)[-1:] == ["one more"], timeout=10)
        assert len(window.lines) <= 21 and shown(window)[-1] == "one more"
        await until(lambda: "one more" in screen_text(app), timeout=5)
        assert layout_matches(log_view)


@pytest.mark.parametrize("retried", [False, True], ids=["still-failed", "retried-meanwhile"])
async def test_a_message_still_to_send_stays_and_goes_back_to_its_place(alice, make_peer, tmp_path, retried):
    bob = await make_peer()
    async with running_app(alice.config, data_dir=tmp_path / "data", size=(80, 12)) as (app, pilot):
        windows = app.client.windows
        for body in NUMBERED[:10]:
            bob.send(alice.jid, body)
        window = await until(lambda: windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: shown(window)[-1:] == [NUMBERED[9]], timeout=10, message=lambda: shown(window))
        await pilot.press(f"alt+{window.number}")
        log_view = app.main.log_view
        # Not encrypted as asked (no OpenPGP key): failed, never sent in clear, retriable.
        await type_line(pilot, app, "/encrypt pgp")
        await type_line(pilot, app, "the held one")
        held = await until(lambda: next((l for l in window.lines if l.body == "the held one"), None), timeout=5)
        await until(lambda: held.delivery is Delivery.FAILED, timeout=10, message=lambda: messages(window))
        await type_line(pilot, app, "/encrypt off")

        for body in NUMBERED[10:60]:
            bob.send(alice.jid, body)
        await until(lambda: NUMBERED[59] in screen_text(app), timeout=10, message=lambda: shown(window))
        assert NUMBERED[10] not in shown(window)  # let go of, around the held one
        assert window.lines[0] is held and window.out_of_place == 1  # kept, at the front
        assert layout_matches(log_view)
        if retried:  # sent now, still at the front
            await type_line(pilot, app, "/retry")
            await until(lambda: bob.bodies() == ["the held one"], timeout=10)
            await until(lambda: held.delivery is not Delivery.FAILED, timeout=10)
            assert window.lines[0] is held

        # Read back: every message once, in order, the held one in its place (the same line).
        await read_back(pilot, log_view, window, NUMBERED[:10] + ["the held one"] + NUMBERED[10:60])
        assert [l for l in window.lines if l.body == "the held one"] == [held]
        assert window.out_of_place == 0 and layout_matches(log_view)
        if not retried:  # still retriable where it stands
            await type_line(pilot, app, "/retry")
            await until(lambda: bob.bodies() == ["the held one"], timeout=10)
