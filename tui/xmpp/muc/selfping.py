"""Staying joined (XEP-0410 MUC self-ping).

A room can drop us without a word (the room's server restarted, an s2s
link broke, a ghost session was cleaned up): we would sit in a silent
room for ever. So, after ``interval`` seconds without hearing from a
room, we ping our own occupant JID (``room@service/ournick``):

- a result, ``service-unavailable`` or ``feature-not-implemented`` (the
  room forwarded the ping to a client that does not answer pings) mean we
  are still in;
- a timeout or ``remote-server-timeout`` says nothing for sure: try later;
- any other error (``not-acceptable``, ``item-not-found``,
  ``remote-server-not-found``...) means we are out: rejoin through the
  room service's join, with an event line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, Collection, Mapping

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

from ...core.model import LineKind
from ...core.room import Room
from ..account.session import AccountSession
from ..account.while_online import WhileOnline
from ..stanza_reads import jid_attribute
from .errors import MucError

log = logging.getLogger(__name__)

SELF_PING_AFTER = 300.0  # seconds of silence from a room before we ask whether we are still in
PING_TIMEOUT = 30.0
STILL_JOINED = frozenset({"service-unavailable", "feature-not-implemented"})
UNDECIDED = frozenset({"remote-server-timeout"})


class SelfPing:
    """Watches the rooms of one account's room service: ``rooms`` (by JID)
    and ``wanted`` (the rooms we mean to be in) are the service's own,
    read here; ``say`` (an event line in a room's window), ``changed`` (the
    room's occupants changed) and ``join`` are how a rejoin is done."""

    def __init__(self, session: AccountSession, rooms: Mapping[str, Room], wanted: Collection[str], *,
                 say: Callable[..., None], changed: Callable[[str], None],
                 join: Callable[..., Awaitable[Room]], interval: float = SELF_PING_AFTER) -> None:
        self.session = session
        self.rooms = rooms
        self.wanted = wanted
        self._say = say
        self._changed = changed
        self._join = join
        self._interval = interval
        self.timeout = PING_TIMEOUT
        self.heard: dict[str, float] = {}  # room → monotonic time of its last stanza
        self.rejoins = 0
        self._in_flight: set[str] = set()
        self._watching = WhileOnline(self._watch)
        session.on_client_created(self._attach)

    @property
    def interval(self) -> float:
        return self._interval

    @interval.setter
    def interval(self, seconds: float) -> None:
        """A new interval applies now (the watch may be asleep for the old one)."""
        self._interval = seconds
        if self._watching.running:
            self._watching.start()

    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        for event in ("groupchat_message", "groupchat_presence", "groupchat_subject"):
            xmpp.add_event_handler(event, self._heard_from)
        self._watching.attach(xmpp)

    def _heard_from(self, stanza) -> None:  # (every room message and presence: read at once)
        self.heard[jid_attribute(stanza, "from").bare.lower()] = time.monotonic()

    async def _watch(self, _xmpp: slixmpp.ClientXMPP) -> None:
        while True:
            await asyncio.sleep(max(0.05, min(self.interval / 4, 30.0)))
            now = time.monotonic()
            for room_jid in sorted(self.wanted):
                room = self.rooms.get(room_jid)
                if room is None or not room.joined or room_jid in self._in_flight:
                    continue
                last = self.heard.setdefault(room_jid, now)
                if now - last >= self.interval:
                    asyncio.ensure_future(self.check(room_jid))

    async def ping(self, room_jid: str, nick: str | None = None) -> str | None:
        """Ping ``room/nick`` (our own nick by default). None: still joined
        (or undecided); else the error condition that says we are out."""
        room = self.rooms.get(room_jid)
        nick = nick or (room.nick if room is not None else None)
        if not nick:
            return None
        xmpp = self.session.online_client(MucError)
        try:
            await xmpp.plugin["xep_0199"].send_ping(slixmpp.JID(f"{room_jid}/{nick}"), timeout=self.timeout)
        except IqTimeout:
            return None
        except IqError as exc:
            condition = exc.iq["error"]["condition"] or "undefined-condition"
            if condition in STILL_JOINED or condition in UNDECIDED:
                return None
            return condition
        return None

    async def check(self, room_jid: str, nick: str | None = None) -> bool:
        """Self-ping one room now; rejoin when we were dropped. True when
        we were still in. (``nick`` pings someone else: tests use it to
        drive the rejoin path with the room's real answer.)"""
        if room_jid in self._in_flight:
            return True
        self._in_flight.add(room_jid)
        try:
            try:
                dropped = await self.ping(room_jid, nick)
            except MucError:  # offline: the next session rejoins anyway
                return True
            self.heard[room_jid] = time.monotonic()
            if dropped is None:
                return True
            await self._rejoin(room_jid, dropped)
            return False
        finally:
            self._in_flight.discard(room_jid)

    async def _rejoin(self, room_jid: str, why: str) -> None:
        room = self.rooms.get(room_jid)
        if room is None or room_jid not in self.wanted:
            return
        self.rejoins += 1
        log.info("self-ping of %s: %s, rejoining", room_jid, why)
        self._say(room_jid, f"The room no longer knows us ({why}): rejoining {room_jid}")
        room.clear()  # the occupant list is rebuilt from the join's presences
        self._changed(room_jid)
        try:
            await self._join(room_jid, room.nick or None, room.password)
        except MucError as exc:
            self._say(room_jid, str(exc), LineKind.ERROR)
