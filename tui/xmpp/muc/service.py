"""Multi-user chat rooms (XEP-0045): joining, talking, leaving, staying in.

The service keeps one :class:`~tui.core.room.Room` per room JID
(``rooms``), fills it from the occupants' presences and emits
``RoomChanged`` at most once per turn of the event loop per room. Every
line a room window gets goes through the account's SerialRunner (shared
with the conversations), so stored history, archive catch-up, event lines
and live messages keep their order and each message shows once.

After a fresh session (not a resumed one) every room we were in is joined
again, its occupant list rebuilt from scratch, and what was said meanwhile
read from the room's archive.
"""

from __future__ import annotations

import asyncio
import logging
import slixmpp

from ...core.coalesce import CoalescedChanges, Coalescer
from ...core.events import EventBus, RoomChanged
from ...core.jids import local_part
from ...core.model import Line, LineKind
from ...core.presence import joins_hidden
from ...core.room import Room
from ...core.windows import Window, WindowKind, WindowList
from ...text import sanitize_line, xml_safe
from .disco import accept_default_configuration, discover_service, list_rooms
from .errors import JOIN_ERRORS, JoinRefused, MucError
from .fields import Invitation, OccupantPresence, RoomMessage, occupant_presence
from ...core.serial import SerialRunner
from ...store.records import StoredMessage
from ..account.session import AccountSession
from ..conversation.archive import ArchiveError
from ..conversation.encryption import Encryption
from ..conversation.history import ArchiveBefore, MessageHistory, StoreSlot
from ..conversation.pipeline import MessagePipeline
from ..stored_lines import stored_line
from .archive import RoomArchive, record_of
from .messages import NEW_MARKER, RoomMessages  # noqa: F401  (NEW_MARKER: re-exported)
from .people import RoomPeople
from .presence import apply_presence

log = logging.getLogger(__name__)

PLUGINS = ("xep_0030", "xep_0045", "xep_0249", "xep_0092", "xep_0313", "xep_0359")
JOIN_TIMEOUT = 20.0
NICK_RETRIES = 3  # alice, alice_, alice__
class MucService(CoalescedChanges):
    def __init__(self, session: AccountSession, windows: WindowList, bus: EventBus, store: StoreSlot,
                 encryption: Encryption, serial: SerialRunner) -> None:
        self.session = session
        self.windows = windows
        self.bus = bus
        self.serial = serial  # one queue per account: rooms and conversations share the store
        self.rooms: dict[str, Room] = {}
        self.wanted: set[str] = set()  # rooms we mean to be in: rejoined after a fresh session
        self.history = MessageHistory(store, windows, _stored_line)
        self.pipeline = MessagePipeline(session.jid, self.history, encryption, windows, serial, rooms=True)
        self.archive = RoomArchive(self.history)
        self.messages = RoomMessages(session, windows, serial, self.rooms, self.wanted, self.pipeline,
                                     self.archive, self.open_window, self.say, lambda: self.highlight_words)
        self.people = RoomPeople(session, self.rooms, windows, join=self.join, is_room=self.is_room)
        # configuration (tui.wiring passes the config file's values)
        self.nick: str | None = None
        self.service: str | None = None
        self.hide_joins_above = 50
        self.highlight_words: tuple[str, ...] = ()
        self._discovered: str | None = None
        self._joining: dict[str, asyncio.Future] = {}
        self._join_tasks: dict[str, asyncio.Future] = {}
        self._topic_seen: set[str] = set()  # rooms whose topic was shown since joining
        self._changes: Coalescer[str] = Coalescer(
            bus, lambda rooms: (RoomChanged(self.session.jid, room) for room in rooms))
        session.on_client_created(self._attach)

    def configure(self, *, nick: str | None = None, service: str | None = None,
                  hide_joins_above: int | None = None, highlight_words=None) -> None:
        self.nick = nick or self.nick
        self.service = (service or self.service or "").lower() or None
        if hide_joins_above is not None:
            self.hide_joins_above = hide_joins_above
        if highlight_words is not None:
            self.highlight_words = tuple(w for w in highlight_words if w.strip())

    def is_room(self, jid: str) -> bool:
        """Is ``jid`` (bare, lower-case) a room: one we are in or joining, or
        any JID of the MUC service we know (its JIDs are rooms: the server
        routes by domain, no client can send from them)?"""
        room = self.rooms.get(jid)
        if jid in self.wanted or (room is not None and room.joined):
            return True
        service = self.service or self._discovered
        return bool(service) and "@" in jid and jid.partition("@")[2] == service

    @property
    def default_nick(self) -> str:
        return self.nick or local_part(self.session.jid)

    # -- wiring ------------------------------------------------------------------
    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        for plugin in PLUGINS:
            xmpp.register_plugin(plugin)
        xmpp.add_event_handler("groupchat_presence", self._on_presence)
        xmpp.add_event_handler("presence_error", self._on_presence_error)
        xmpp.add_event_handler("groupchat_message", self.messages.on_message)
        xmpp.add_event_handler("groupchat_subject", self._on_subject)
        xmpp.add_event_handler("groupchat_invite", self.people.on_mediated_invite)
        xmpp.add_event_handler("groupchat_direct_invite", self.people.on_direct_invite)
        xmpp.add_event_handler("session_start", self._on_session_start)
        xmpp.add_event_handler("session_resumed", self._on_session_resumed)
        xmpp.add_event_handler("disconnected", self._on_disconnected)

    def changed(self, room: str) -> None:
        """One ``RoomChanged`` per room per turn of the loop, however many presences came."""
        self._changes.add(room)

    # -- windows ---------------------------------------------------------------------
    def find_window(self, room: str) -> Window | None:
        window = self.windows.find(self.session.jid, room)
        return window if window is not None and window.is_room else None

    async def open_window(self, room: str, *, focus: bool = False) -> Window:
        """The room's window (named by the room's local part), with its stored history."""
        window = self.find_window(room)
        if window is None:
            window = self.windows.open(local_part(room), WindowKind.ROOM, self.session.jid, room)
            await self.history.load_latest(window, room)
        if focus:
            self.windows.switch(window.number)
        return window

    async def load_older(self, window: Window) -> int:
        """Scrolled past the top of a room window: the store's older page, then the room archive's."""
        return await self.history.load_older(self.serial, window,
                                             ArchiveBefore(self._read_before, self._keep_before))

    async def _read_before(self, window: Window, end) -> list[RoomMessage] | None:
        xmpp, room = self.session.xmpp, window.target
        if xmpp is None or not self.session.online or not room:
            return None
        try:
            missed, last = await self.archive.before(xmpp, room, end)
        except ArchiveError as exc:  # scrollback is a comfort, not a must
            log.info("archive of %s before %s: %s", room, end, exc)
            return None
        if last:
            self.history.archive_exhausted(window)
        return await self.pipeline.decrypt_archived(missed)

    async def _keep_before(self, window: Window, missed: list[RoomMessage]) -> int:
        room = window.target
        nick = self.rooms[room].nick if room in self.rooms else None
        kept = await self.pipeline.store(missed, lambda m: record_of(m, "out" if m.nick == nick else "in"),
                                         live=False)
        return sum(1 for k in kept if k)

    def say(self, room: str, text: str, kind: LineKind = LineKind.EVENT, *,
            quiet: bool = False) -> None:
        """An event line in the room's window, in order with its messages."""
        async def show() -> None:
            r = self.rooms.get(room)
            if quiet and r is not None and joins_hidden(len(r.occupants), self.hide_joins_above):
                return  # Irssi's hide_level spirit: joins/parts drown a big room
            window = self.find_window(room)  # closed meanwhile (/close parts): nowhere to say it
            if window is not None:
                self.windows.add_line(window, Line(text, kind))
        self.serial.submit(show)

    # -- joining ---------------------------------------------------------------------
    async def resolve(self, text: str) -> tuple[str, str | None]:
        """``room[@service][/nick]`` or ``xmpp:room@service?join`` → (room JID, nick)."""
        text = text.strip()
        if text.startswith("xmpp:"):
            text = text[5:].split("?", 1)[0]
        room, _, nick = text.partition("/")
        room = room.lstrip("#").lower()
        if not room or " " in room:
            raise MucError(f"Not a room: {sanitize_line(text)}")
        if "@" not in room:
            room = f"{room}@{await self.muc_service()}"
        return room, (nick or None)

    async def muc_service(self) -> str:
        """The configured MUC service, else the one the server announces (cached)."""
        if self.service:
            return self.service
        if self._discovered is None:
            xmpp = self.session.online_client(MucError)
            self._discovered = await discover_service(xmpp, self.session.jid.partition("@")[2])
        if self._discovered is None:
            raise MucError("No group chat service found on your server: use /join room@service "
                           "or set muc_service in the config")
        return self._discovered

    async def join(self, room_jid: str, nick: str | None = None, password: str | None = None, *,
                   focus: bool = False) -> Room:
        """Join (or show) a room; raises MucError with one line when refused.
        A nick in use is retried with a trailing "_" (like Irssi). Joins of
        one room at the same time (/join, bookmark autojoin, rejoin after a
        reconnect) share one attempt."""
        room_jid = room_jid.lower()
        task = self._join_tasks.get(room_jid)
        if task is None or task.done():
            task = asyncio.ensure_future(self._join(room_jid, nick, password, focus=focus))
            self._join_tasks[room_jid] = task
        room = await asyncio.shield(task)
        if focus:
            await self.serial.run(lambda: self.open_window(room_jid, focus=True))
        return room

    async def _join(self, room_jid: str, nick: str | None, password: str | None, *, focus: bool) -> Room:
        xmpp = self.session.online_client(MucError)
        room = self.rooms.setdefault(room_jid, Room(room_jid))
        if room.joined and room_jid in self.wanted:
            await self.serial.run(lambda: self.open_window(room_jid, focus=focus))
            return room
        if password is not None:
            room.password = password
        wanted_nick = nick or room.nick or self.default_nick
        created = self.find_window(room_jid) is None
        window = await self.serial.run(lambda: self.open_window(room_jid, focus=focus))
        self.wanted.add(room_jid)
        try_nick = wanted_nick
        for attempt in range(NICK_RETRIES):
            try:
                presence = await self._join_once(xmpp, room, try_nick)
                break
            except JoinRefused as exc:
                if exc.condition == "conflict" and attempt + 1 < NICK_RETRIES:
                    self.say(room_jid, f"Nick {try_nick} is in use in {room_jid}: joining as {try_nick}_")
                    try_nick += "_"
                    continue
                self._give_up(room_jid, window if created else None)
                raise MucError(self._refusal(room_jid, exc)) from None
            except MucError:
                self._give_up(room_jid, window if created else None)
                raise
        if 201 in presence.codes:
            try:
                await accept_default_configuration(xmpp, room_jid)
                self.say(room_jid, f"Created {room_jid} (default configuration: /configure changes it)")
            except Exception as exc:
                self.say(room_jid, f"Created {room_jid}, but could not unlock it: {exc}", LineKind.ERROR)
        return room

    def _give_up(self, room_jid: str, new_window: Window | None) -> None:
        """A join that failed leaves nothing behind (the error line says why)."""
        self.wanted.discard(room_jid)
        xmpp = self.session.xmpp
        if xmpp is not None:
            xmpp.plugin["xep_0045"].rooms[None].pop(slixmpp.JID(room_jid), None)
        if new_window is not None and not any(l.kind is not LineKind.EVENT for l in new_window.lines):
            self.windows.close(new_window.number)

    def _refusal(self, room: str, exc: JoinRefused) -> str:
        why = JOIN_ERRORS.get(exc.condition, exc.condition).format(room=local_part(room))
        text = f" ({sanitize_line(exc.text)})" if exc.text else ""
        return f"Cannot join {room}: {why}{text}"

    async def _join_once(self, xmpp: slixmpp.ClientXMPP, room: Room, nick: str) -> OccupantPresence:
        muc = xmpp.plugin["xep_0045"]
        stanza = muc.make_join_stanza(slixmpp.JID(room.jid), nick, password=room.password,
                                      maxstanzas=0)  # the room's archive has the history
        # slixmpp's own bookkeeping (it ignores presences of rooms it does not know)
        muc.rooms[None][slixmpp.JID(room.jid)] = {}
        muc.our_nicks[None][slixmpp.JID(room.jid)] = nick
        future = asyncio.get_running_loop().create_future()
        self._joining[room.jid] = future
        self._topic_seen.discard(room.jid)
        room.nick = nick
        try:
            stanza.send()
            return await asyncio.wait_for(future, JOIN_TIMEOUT)
        except asyncio.TimeoutError:
            raise MucError(f"Cannot join {room.jid}: no answer within {JOIN_TIMEOUT:.0f} s") from None
        finally:
            self._joining.pop(room.jid, None)

    # -- presences ---------------------------------------------------------------------
    def _on_presence(self, pr: slixmpp.Presence) -> None:
        p = occupant_presence(pr)
        if p is None or p.room not in self.wanted:
            return
        if p.is_self and not p.available and p.room in self._joining:
            return  # the echo of a leave that came before this join (/cycle): not leaving again
        room = self.rooms[p.room]
        announce = room.joined
        outcome = apply_presence(room, p, announce=announce)
        if p.is_self and p.available and not room.joined:
            self._joined(room, p)
        if outcome.changed:
            self.changed(room.jid)
        if outcome.line:
            self.say(room.jid, outcome.line, quiet=outcome.quiet)
        if outcome.we_left:
            self.wanted.discard(room.jid)
            room.clear()
            self.changed(room.jid)

    def _joined(self, room: Room, p: OccupantPresence) -> None:
        room.joined = True
        room.nick = p.nick
        room.version += 1
        future = self._joining.get(room.jid)
        if future is not None and not future.done():
            future.set_result(p)
        # started now, before any live message that follows the self-presence
        self.messages.start_catch_up(room)
        count = len(room.occupants)
        self.say(room.jid, f"You are in {room.jid} as {p.nick} ({count} occupant{'s' if count != 1 else ''}: "
                           f"/names lists them)")

    def _on_presence_error(self, pr: slixmpp.Presence) -> None:
        room = pr["from"].bare.lower()
        if room not in self.rooms:
            return
        error = pr["error"]
        condition, text = error["condition"] or "error", sanitize_line(error["text"] or "")
        future = self._joining.get(room)
        if future is not None and not future.done():
            future.set_exception(JoinRefused(condition, text))
            return
        nick = sanitize_line(pr["from"].resource)
        what = f"Cannot change nick to {nick}" if nick and nick != self.rooms[room].nick else room
        self.say(room, f"{what}: {JOIN_ERRORS.get(condition, condition).format(room=local_part(room))}"
                       + (f" ({text})" if text else ""), LineKind.ERROR)

    def _on_subject(self, msg: slixmpp.Message) -> None:
        room_jid = msg["from"].bare.lower()
        room = self.rooms.get(room_jid)
        if room is None or room_jid not in self.wanted:
            return
        by = sanitize_line(msg["from"].resource)
        room.set_topic(msg["subject"] or "", by)
        self.changed(room_jid)
        if room_jid not in self._topic_seen:
            self._topic_seen.add(room_jid)
            self.say(room_jid, f"Topic: {room.topic}" + (f" (set by {by})" if by else "")
                     if room.topic else "No topic set (/topic TEXT sets one)")
        else:
            self.say(room_jid, f"{by or 'The room'} changed the topic to: {room.topic}" if room.topic
                     else f"{by or 'The room'} removed the topic")

    # -- leaving and the rest ------------------------------------------------------------
    async def leave(self, room_jid: str, message: str = "") -> None:
        room_jid = room_jid.lower()
        room = self.rooms.get(room_jid)
        self.wanted.discard(room_jid)
        xmpp = self.session.xmpp
        if room is None:
            return
        if room.joined and xmpp is not None and self.session.online:
            xmpp.send_presence(pto=f"{room_jid}/{room.nick}", ptype="unavailable",
                               pstatus=xml_safe(message) if message else None)
        if xmpp is not None:
            xmpp.plugin["xep_0045"].rooms[None].pop(slixmpp.JID(room_jid), None)
        was_in = room.joined
        room.clear()
        self.changed(room_jid)
        if was_in and self.find_window(room_jid) is not None:
            self.say(room_jid, f"You left {room_jid}" + (f" ({sanitize_line(message)})" if message else ""))

    async def cycle(self, room_jid: str, message: str = "") -> Room:
        room = self.rooms.get(room_jid.lower())
        nick = room.nick if room else None
        await self.leave(room_jid, message)
        return await self.join(room_jid, nick, room.password if room else None)

    def change_nick(self, room_jid: str, new_nick: str) -> None:
        room = self.rooms.get(room_jid)
        if room is None or not room.joined:
            raise MucError(f"You are not in {room_jid}")
        self.session.online_client(MucError).send_presence(pto=f"{room_jid}/{new_nick}")

    def set_topic(self, room_jid: str, topic: str) -> None:
        self.session.online_client(MucError).plugin["xep_0045"].set_subject(room_jid, xml_safe(topic))

    def invite(self, room_jid: str, jid: str, reason: str = "") -> None:
        self.session.online_client(MucError).plugin["xep_0045"].invite(room_jid, jid, xml_safe(reason))

    @property
    def invitations(self) -> list[Invitation]:
        return self.people.pending

    async def send(self, room_jid: str, text: str, *, action: bool = False) -> Line:
        """Say ``text`` in the room (stored, shown, sent; the echo marks it delivered)."""
        return await self.messages.send(room_jid, text, action=action)

    async def whois(self, room_jid: str, nick: str) -> list[str]:
        return await self.people.whois(room_jid, nick)

    async def accept(self, room_jid: str | None = None) -> Room:
        return await self.people.accept(room_jid)

    async def list(self, service: str | None = None):
        xmpp = self.session.online_client(MucError)
        return await list_rooms(xmpp, service or await self.muc_service())

    # -- connection --------------------------------------------------------------------
    def _on_session_start(self, _event) -> None:
        # A fresh session: the rooms forgot us. Rebuild each nick list from
        # scratch (no stale or duplicate occupants) and join again.
        for room_jid in sorted(self.wanted):
            room = self.rooms[room_jid]
            room.clear()
            self.changed(room_jid)
            asyncio.ensure_future(self._rejoin(room))

    async def _rejoin(self, room: Room) -> None:
        try:
            await self.join(room.jid, room.nick or None, room.password)
        except MucError as exc:
            self.say(room.jid, str(exc), LineKind.ERROR)

    def _on_session_resumed(self, _event) -> None:
        for room_jid in self.wanted:  # stream management kept us in the rooms
            room = self.rooms[room_jid]
            if room.occupants and not room.joined:
                room.joined = True
                room.version += 1
                self.changed(room_jid)
        for room_jid in self.archive.unread():  # a reading of its archive went with the connection
            unread = self.rooms.get(room_jid)
            if unread is not None and unread.joined and room_jid in self.wanted:
                self.messages.start_catch_up(unread)

    def _on_disconnected(self, _event) -> None:
        for room_jid in self.wanted:
            room = self.rooms[room_jid]
            if room.joined:
                room.joined = False
                room.version += 1
                self.changed(room_jid)


def _stored_line(record: StoredMessage):
    return stored_line(record, record.nick)  # a room colours by nick
