"""Hostile ``<delay>`` stamps (XEP-0203) sent by a real peer: in a chat
message, through offline storage, in a room (live and as the room's history
on join), to a headless client and to the real app — under a time zone west
of UTC, where a stamp near year 1 cannot be shown in local time.

Every stamp from outside becomes a time in [1970-01-01 UTC, now] (see
tui/xmpp/stamps.py); the message shows, the store keeps and reads it,
nothing raises, and the app stays up."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest

from tests.harness.app import running_app, screen_lines
from tests.harness.client import headless_client, status_text, window_text
from tests.harness.escapes import escaped_errors
from tests.harness.rooms import joined, open_room, room_name
from tests.harness.wait import until
from tui.core.days import local_date
from tui.core.model import LineKind

EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)  # tui.xmpp.stamps.EARLIEST

NS_DELAY = "urn:xmpp:delay"

# (stamp, what it must become: EARLIEST, "now" (a time within the test), or
# None: not a date at all, so the message is simply not delayed)
HOSTILE_STAMPS = [
    ("0001-01-01T00:00:00+23:59", EARLIEST),  # before year 1 in UTC: overflowed
    ("0001-01-01T00:00:00Z", EARLIEST),  # year 0 in any zone west of UTC
    ("1969-07-20T20:17:40Z", EARLIEST),  # before the epoch
    ("9999-12-31T23:59:59Z", "now"),
    ("9999-12-31T23:59:59-23:59", "now"),  # after year 9999 in UTC
    ("2024-02-30T10:00:00Z", None),  # no such day
    ("yesterday", None),
    ("9" * 5000, None),
]


@pytest.fixture
def west_of_utc():
    """TZ=America/New_York for this process (local time = UTC-5/-4), restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    assert datetime.now().astimezone().utcoffset() < timedelta(0)
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def stamped(peer, to: str, body: str, stamp: str, mtype: str = "chat"):
    msg = peer.xmpp.make_message(mto=to, mbody=body, mtype=mtype)
    msg.xml.append(ET.Element(f"{{{NS_DELAY}}}delay", {"stamp": stamp, "from": peer.jid}))
    msg.send()


def send_hostile(peer, to: str, mtype: str = "chat", prefix: str = "") -> list[str]:
    """The hostile messages, oldest (once clamped) first, then a barrier."""
    bodies = []
    for n, (stamp, _) in enumerate(HOSTILE_STAMPS):
        bodies.append(f"{prefix}stamp {n}")
        stamped(peer, to, bodies[-1], stamp, mtype)
    bodies.append(f"{prefix}barrier")
    msg = peer.xmpp.make_message(mto=to, mbody=bodies[-1], mtype=mtype)
    msg.send()
    return bodies


def assert_sane(time_of: dict[str, datetime], t0: datetime, t1: datetime, *, exact: bool = True) -> None:
    """Each body's time is what its stamp must become (``exact``), or at
    least a time every zone can show: EARLIEST or within the test."""
    expected = {f"stamp {n}": want for n, (_, want) in enumerate(HOSTILE_STAMPS)}
    expected["barrier"] = None
    for body, when in time_of.items():
        when.astimezone()  # showable in local time (raised OverflowError before)
        if exact and expected[body] is EARLIEST:  # (live ones nudged a µs apart: arrival order)
            assert EARLIEST <= when < EARLIEST + timedelta(milliseconds=1), (body, when)
        elif exact or when != EARLIEST:
            assert t0 - timedelta(seconds=1) <= when <= t1, (body, when)


def incoming(window) -> list:
    return [l for l in window.lines if l.kind is LineKind.INCOMING]


def message_times(window) -> dict[str, datetime]:
    return {l.body: l.time for l in incoming(window)}


async def test_stamps_of_a_chat_message_are_clamped_shown_stored_and_read(
        west_of_utc, alice, make_peer):
    bob = await make_peer()
    db = alice.account.store.db
    t0 = datetime.now(timezone.utc)
    with escaped_errors() as errors:
        bodies = send_hostile(bob, alice.jid)
        window = await until(lambda: alice.windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: "barrier" in window_text(window), timeout=5,
                    message=lambda: window_text(window) + status_text(alice))
        t1 = datetime.now(timezone.utc)
        assert [l.body for l in incoming(window)] == bodies, [l.body for l in incoming(window)]
        assert_sane(message_times(window), t0, t1)
        stored = await db.latest(bob.jid, 50)
        assert [r.body for r in stored] == bodies
        assert_sane({r.body: r.time for r in stored}, t0, t1)
        assert [r.body for r in await db.search("stamp")] == bodies[:-1]
        older = await db.before(bob.jid, stored[-1].rowid, 50)
        assert [r.body for r in older] == bodies[:-1]
        assert [r.body for r in await db.after(bob.jid, stored[0].rowid, 50)] == bodies[1:]
    assert errors == []
    assert alice.account.session.online


async def test_stamps_through_offline_storage(west_of_utc, prosody, make_account, make_peer):
    """Offline storage keeps the peer's <delay> first (the server's own comes
    after it). Prosody hands offline messages only to a session that has not
    queried the archive: alice here keeps no history, so reads none."""
    jid, password = make_account("alice")
    bob = await make_peer()
    t0 = datetime.now(timezone.utc)
    bodies = send_hostile(bob, jid)  # alice is offline: the server stores them
    await bob.plugin["xep_0199"].ping(timeout=5)  # the server has handled them
    with escaped_errors() as errors:
        async with headless_client(prosody, jid, password, None) as alice:
            window = await until(lambda: alice.windows.find(jid, bob.jid), timeout=10,
                                 message=lambda: status_text(alice))
            await until(lambda: "barrier" in window_text(window), timeout=10,
                        message=lambda: window_text(window) + status_text(alice))
            t1 = datetime.now(timezone.utc)
            # in time order: the server's stamp (whole seconds) on "barrier" and
            # on the garbled ones (its <delay> follows theirs) is before the
            # moment we received the ones from the future
            lines = incoming(window)
            assert sorted(l.body for l in lines) == sorted(bodies)
            assert [l.time for l in lines] == sorted(l.time for l in lines)
            assert_sane(message_times(window), t0, t1)
            assert alice.account.session.online
    assert errors == []


async def test_stamps_in_a_room_live_and_as_its_history(west_of_utc, prosody, alice, make_peer):
    bob = await make_peer()
    room = room_name(prosody, "stamps")
    await open_room(bob, room, "bob")
    t0 = datetime.now(timezone.utc)
    with escaped_errors() as errors:
        history = send_hostile(bob, room, "groupchat")  # before alice is in: the room's history
        await bob.plugin["xep_0199"].ping(timeout=5)
        window, _ = await joined(alice, room)
        await until(lambda: "barrier" in window_text(window), timeout=5,
                    message=lambda: window_text(window) + status_text(alice))
        assert sorted(l.body for l in incoming(window)) == sorted(history)
        live = send_hostile(bob, room, "groupchat", prefix="live ")
        await until(lambda: "live barrier" in window_text(window),
                    timeout=5, message=lambda: window_text(window))
        t1 = datetime.now(timezone.utc)
        lines = incoming(window)
        assert sorted(l.body for l in lines) == sorted(history + live)
        for line in lines:
            line.time.astimezone()
            # (live ones at the earliest stamp nudged a µs apart, after the history's: arrival order)
            assert EARLIEST <= line.time < EARLIEST + timedelta(milliseconds=1) \
                or t0 - timedelta(seconds=1) <= line.time <= t1, (line.body, line.time)
        stored = await alice.account.store.db.latest(room, 50)
        assert sorted(r.body for r in stored) == sorted(history + live)
        for record in stored:
            record.time.astimezone()
    assert errors == []
    assert alice.account.session.online


async def test_the_app_west_of_utc_shows_them_and_stays_up(west_of_utc, alice_app, make_peer):
    bob = await make_peer()
    t0 = datetime.now(timezone.utc)
    with escaped_errors() as errors:
        async with running_app(alice_app.config) as (app, pilot):
            bodies = send_hostile(bob, alice_app.jid)
            window = await until(lambda: app.client.windows.find(alice_app.jid, bob.jid), timeout=5)
            await until(lambda: "barrier" in window_text(window), timeout=5,
                        message=lambda: window_text(window))
            await pilot.press(f"alt+{window.number}")
            await until(lambda: any("barrier" in row for row in screen_lines(app)), timeout=5,
                        message=lambda: "\n".join(screen_lines(app)))
            t1 = datetime.now(timezone.utc)
            assert [l.body for l in incoming(window)] == bodies, [l.body for l in incoming(window)]
            assert_sane(message_times(window), t0, t1)
            # local time is New York's: the epoch is the evening before
            assert str(local_date(incoming(window)[0])) == "1969-12-31"
            screen = "\n".join(screen_lines(app))
            assert all(body in screen for body in bodies), screen
            # still up and answering: a reply reaches bob
            app.main.input_line.value = "still here"
            await pilot.press("enter")
            await until(lambda: bob.bodies() == ["still here"], timeout=5)
            assert app.is_running
    assert errors == []


async def test_a_live_message_stamped_before_all_that_is_shown_is_still_shown(alice, make_peer):
    """A stamp older than every line of its window (absurd, forged, or a
    clock far behind) would have put a live message in scrollback, unseen."""
    bob = await make_peer()
    bob.send(alice.jid, "first")
    window = await until(lambda: alice.windows.find(alice.jid, bob.jid), timeout=5)
    await until(lambda: "first" in window_text(window), timeout=5)
    stamped(bob, alice.jid, "from long ago", "2001-01-01T00:00:00Z")
    bob.send(alice.jid, "barrier")
    await until(lambda: "barrier" in window_text(window), timeout=5, message=lambda: window_text(window))
    assert [l.body for l in incoming(window)] == ["first", "from long ago", "barrier"]


async def test_a_whole_second_stamp_goes_after_what_we_hold_of_that_second(alice, make_peer):
    """A server re-sending after a resumption stamps whole seconds: "two",
    sent after "one" was shown, is stamped with the second "one" came in.
    Our own line sent a second later is truly newer; "two" must still go
    after "one" in the store (CI saw "message 05" before "message 01"
    once: the nudge compared with our newer line only)."""
    bob = await make_peer()
    bob.send(alice.jid, "one")
    window = await until(lambda: alice.windows.find(alice.jid, bob.jid), timeout=5)
    await until(lambda: "one" in window_text(window), timeout=5)
    db = alice.account.store.db
    [one] = [r for r in await db.latest(bob.jid, 10) if r.body == "one"]
    second = one.time.replace(microsecond=0)
    await until(lambda: datetime.now(timezone.utc) > second + timedelta(seconds=1, milliseconds=50), timeout=3)
    await alice.account.chat.send(bob.jid, "mine")  # stamped now: more than a second after "two"'s stamp
    stamped(bob, alice.jid, "two", second.strftime("%Y-%m-%dT%H:%M:%SZ"))
    bob.send(alice.jid, "barrier")
    await until(lambda: "barrier" in window_text(window), timeout=5, message=lambda: window_text(window))
    stored = [r.body for r in await db.latest(bob.jid, 10)]
    assert stored == ["one", "two", "mine", "barrier"], stored
