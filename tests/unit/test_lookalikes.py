"""Look-alike flags kept in step with a room and a roster (tui/core/lookalikes.py),
and reached through the client by window: no network, no UI."""

from __future__ import annotations

from tui.client import Client
from tui.core.lookalikes import LookalikeFlags
from tui.core.model import Line, LineKind
from tui.core.room import Occupant, Room
from tui.core.roster import Roster
from tui.core.windows import WindowKind
from tui.xmpp.account.session import ConnectionSettings

CYRILLIC_O = "\u043e"
BOB_LOOKALIKE = f"b{CYRILLIC_O}b"


def room_with(*nicks: str) -> Room:
    room = Room("lounge@conference.example.org", nick="alice")
    for nick in nicks:
        room.upsert(Occupant(nick))
    return room


def test_flags_are_computed_once_per_room_and_roster_version() -> None:
    flags = LookalikeFlags()
    room = room_with("alice", "bob", BOB_LOOKALIKE)
    assert flags.refresh(room, None) is True
    assert room.get(BOB_LOOKALIKE).confusable_with == "bob"
    assert flags.refresh(room, None) is False  # nothing moved
    room.remove("bob")  # the look-alike has no-one left to imitate
    assert flags.refresh(room, None) is True
    assert room.get(BOB_LOOKALIKE).confusable_with is None


def test_a_roster_change_flags_a_nick_imitating_a_contact() -> None:
    flags = LookalikeFlags()
    room = room_with("alice", BOB_LOOKALIKE)
    roster = Roster("alice@example.org")
    assert flags.refresh(room, roster) is False
    roster.set_item("bob@example.org")  # its localpart is a name the nick imitates
    assert flags.refresh(room, roster) is True
    assert room.get(BOB_LOOKALIKE).confusable_with == "bob"


def test_a_line_from_a_lookalike_is_marked_ours_and_genuine_ones_are_not() -> None:
    flags = LookalikeFlags()
    room = room_with("alice", "bob", BOB_LOOKALIKE)
    fake = Line("hi", LineKind.INCOMING, nick=BOB_LOOKALIKE)
    genuine = Line("hi", LineKind.INCOMING, nick="bob")
    ours = Line("hi", LineKind.OUTGOING, nick=BOB_LOOKALIKE)
    for line in (fake, genuine, ours):
        flags.mark(room, None, line)
    assert (fake.imitates, genuine.imitates, ours.imitates) == ("bob", "", "")


async def test_the_client_flags_the_room_a_window_shows() -> None:
    client = Client()
    account = client.add_account(ConnectionSettings(jid="alice@example.org", password="x"))
    status = client.windows.status
    assert client.flag_lookalikes(status) is False  # not a room
    room_jid = "lounge@conference.example.org"
    window = client.windows.open(room_jid, WindowKind.ROOM, account.jid, room_jid)
    room = account.muc.rooms.setdefault(room_jid, room_with("alice", "bob", BOB_LOOKALIKE))
    assert client.room_of(window) is room
    line = Line("hi", LineKind.INCOMING, nick=BOB_LOOKALIKE)
    client.mark_lookalike(window, line)
    assert line.imitates == "bob"
    # a line added to the room's window is marked by the client itself, face or not
    added = Line("again", LineKind.INCOMING, nick=BOB_LOOKALIKE)
    client.windows.add_line(window, added)
    assert added.imitates == "bob"
    assert client.flag_lookalikes(window) is False  # done while marking the line
    room.upsert(Occupant(f"B{CYRILLIC_O}B"))
    assert client.flag_lookalikes(window) is True
