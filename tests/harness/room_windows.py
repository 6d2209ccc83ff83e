"""Room windows in the real app (Pilot) with no server behind them: the test
fills a room model (tui/core/room.py), as the MUC service fills it, and the
app finds it through ``client.room_of``."""

from __future__ import annotations

from tui.core.room import Occupant, Room
from tui.core.windows import WindowKind

ROOM = "bench@conference.localhost"


class OpenedRooms(dict):
    """Stands in for ``client.room_of``: the rooms a test opened, by JID."""

    def __call__(self, window) -> Room | None:
        return self.get(window.target)


def open_room(app, account: str, room: Room, *, focus: bool = True):
    """A room window showing ``room``, as the MUC service would open it."""
    rooms = app.client.room_of
    if not isinstance(rooms, OpenedRooms):
        rooms = app.client.room_of = OpenedRooms()
    rooms[room.jid] = room
    return app.client.windows.open(room.jid.split("@")[0], WindowKind.ROOM, account, room.jid, focus=focus)


def fill(room: Room, people: dict[str, str]) -> None:
    for nick, role in people.items():
        room.upsert(Occupant(nick, role=role))
