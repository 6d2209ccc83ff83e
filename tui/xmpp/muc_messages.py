"""A room's messages: live ones in, ours out, and the archive catch-up on join.

Each is stored before it is shown, through the account's SerialRunner.
Our own message comes back from the room (its "echo"): it is recognised
by its origin-id/id, marks the line already shown as delivered, and is
not shown a second time.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import slixmpp

from ..core.highlight import mentions
from ..core.model import Delivery, Line, LineKind
from ..core.room import Room
from ..core.windows import Activity, Window
from ..text import xml_safe
from .muc_errors import MucError, local_part
from .muc_fields import RoomMessage, room_message
from .muc_history import record_of

if TYPE_CHECKING:
    from .muc import MucService

NEW_MARKER = "-- new since last time --"


class RoomMessages:
    def __init__(self, muc: "MucService") -> None:
        self.muc = muc
        self._echoes: dict[str, tuple[Window, Line]] = {}  # id of what we sent -> its line

    def on_message(self, msg: slixmpp.Message) -> None:
        m = room_message(msg)
        if m is None or m.room not in self.muc.wanted:
            return
        room = self.muc.rooms[m.room]
        if not m.nick:  # the room itself speaks (configuration notices)
            self.muc.say(m.room, m.body)
            return
        self.muc.serial.submit(lambda: self._receive(room, m))

    async def _receive(self, room: Room, m: RoomMessage) -> None:
        echo = self._echoes.pop(m.origin_id or "", None) or self._echoes.pop(m.msg_id or "", None)
        own = echo is not None or m.nick == room.nick
        stored = await self.muc.history.keep([record_of(m, "out" if own else "in")])
        if echo is not None:
            window, line = echo
            line.delivery = Delivery.DELIVERED  # the room distributed it
            self.muc.windows.update_line(window, line)
            if line.msg_id:
                await self.muc.history.delivered(room.jid, line.msg_id)
            return
        if not stored[0]:
            return  # already shown (archive catch-up, or a duplicate)
        window = await self.muc.open_window(room.jid)
        line = self.line_for(room, m, own=own, replay=False)
        if stored[0] is not True:
            line.rowid = stored[0].rowid
        room.spoke(m.nick)
        self.muc.windows.add_line(window, line)

    def line_for(self, room: Room, m: RoomMessage, *, own: bool, replay: bool) -> Line:
        kind = LineKind.ACTION if m.action else (LineKind.OUTGOING if own else LineKind.INCOMING)
        highlight = not own and not replay and mentions(m.body, room.nick, self.muc.highlight_words)
        return Line(m.body, kind, nick=m.nick, time=m.time, highlight=highlight,
                    msg_id=m.origin_id or m.msg_id, colour_key=m.nick,
                    delivery=Delivery.SENT if own and not replay else Delivery.NONE)

    async def catch_up(self, room: Room) -> None:
        """What the room's archive has since the newest message we hold, then the marker."""
        xmpp = self.muc.session.xmpp
        missed = await self.muc.history.fetch_missed(xmpp, room.jid) if xmpp is not None else []
        records = [record_of(m, "out" if m.nick == room.nick else "in") for m in missed]
        stored = await self.muc.history.keep(records)
        window = await self.muc.open_window(room.jid)
        for m, record, new in zip(missed, records, stored):
            if new:
                line = self.line_for(room, m, own=record.direction == "out", replay=True)
                self.muc.windows.add_line(window, line, Activity.NONE, replay=True)
        self._mark_new(window)

    def _mark_new(self, window: Window) -> None:
        """Separate the history shown so far from what comes now (once per join)."""
        messages = (LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION)
        for line in reversed(window.lines):
            if line.body == NEW_MARKER and line.kind is LineKind.EVENT:
                return  # nothing new since the last marker
            if line.kind in messages:
                self.muc.windows.add_line(window, Line(NEW_MARKER, LineKind.EVENT), Activity.NONE, replay=True)
                return

    async def send(self, room_jid: str, text: str, *, action: bool = False) -> Line:
        """Say ``text`` in the room: stored, shown, sent; the room's echo marks it delivered."""
        room = self.muc.rooms.get(room_jid.lower())
        if room is None or not room.joined or not self.muc.session.online:
            raise MucError(f"You are not in {room_jid}: /join {local_part(room_jid)} first")
        return await self.muc.serial.run(lambda: self._send(room_jid.lower(), text, action))

    async def _send(self, room_jid: str, text: str, action: bool) -> Line:
        room = self.muc.rooms.get(room_jid)
        xmpp = self.muc.session.xmpp
        if room is None or not room.joined or xmpp is None or not self.muc.session.online:
            raise MucError(f"You are not in {room_jid}: /join {local_part(room_jid)} first")
        body = xml_safe(text)
        msg_id = xmpp.new_id()
        m = RoomMessage(room=room_jid, nick=room.nick, body=body, time=datetime.now(timezone.utc),
                        msg_id=msg_id, origin_id=msg_id, stanza_id=None, action=action)
        stored = await self.muc.history.keep([record_of(m, "out", delivery="sent")])
        window = await self.muc.open_window(room_jid)
        line = self.line_for(room, m, own=True, replay=False)
        if stored[0] not in (None, True):
            line.rowid = stored[0].rowid
        self.muc.windows.add_line(window, line)
        self._echoes[msg_id] = (window, line)
        msg = xmpp.make_message(mto=room_jid, mbody=("/me " + body) if action else body, mtype="groupchat")
        msg["id"] = msg_id
        msg["origin_id"]["id"] = msg_id
        msg.send()
        return line
