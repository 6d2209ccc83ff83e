"""A room's messages: live ones in, ours out, and the archive catch-up on join.

Each is stored before it is shown, through the account's SerialRunner.
Our own message comes back from the room (its "echo"): it is recognised
by its origin-id/id, marks the line already shown as delivered, and is
not shown a second time.

Corrections (XEP-0308), live or from the archive, change the line and the
stored message they name, if the same occupant wrote it (and our lines only
if the correction is ours); otherwise they show as a message of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import Awaitable, Callable

import slixmpp

from ...core.beside_queue import BesideQueue
from ...core.corrections import Corrections, last_own_room_line, room_may_correct
from ...core.highlight import mentions
from ...core.jids import local_part
from ...core.model import Delivery, Line, LineKind, message_line, now
from ...core.recent import Recent
from ...core.room import Room
from ...core.serial import SerialRunner
from ...core.timeline import first_newer, place_delayed
from ...core.windows import Activity, Window, WindowList
from ...text import xml_safe
from ..account.session import AccountSession
from ..conversation import archive as archive_reader
from ..conversation.archive import ArchiveError
from ..conversation.encryption import EncryptionError
from ..conversation.message import wire_text
from ..conversation.pipeline import MessagePipeline
from .errors import MucError
from .fields import RoomMessage, room_message
from .archive import MissedPage, RoomArchive, record_of, stand_in_of

NEW_MARKER = "-- new since last time --"
SKIPPED_MARKER = "-- older missed messages not fetched: the room's archive keeps them --"
ECHOES_AWAITED = 1000  # our lines whose echo from the room we still expect
LIVE = "room messages"  # what the serial runner gathers into one batch (a flood: one transaction)


class RoomMessages:
    """A room's messages through the pipeline: live, ours (and their echo), the archive's."""

    def __init__(self, session: AccountSession, windows: WindowList, serial: SerialRunner,
                 rooms: dict[str, Room], wanted: set[str], pipeline: MessagePipeline, archive: RoomArchive,
                 open_window: Callable[[str], Awaitable[Window]],
                 say: Callable[..., None], highlight_words: Callable[[], tuple[str, ...]]) -> None:
        self.session = session
        self.windows = windows
        self.serial = serial
        self.rooms = rooms  # the service's rooms, by JID
        self.wanted = wanted  # rooms we mean to be in
        self.pipeline = pipeline
        self.history = pipeline.history
        self.archive = archive
        self.open_window = open_window
        self.say = say
        self.highlight_words = highlight_words
        self._echoes: Recent[str, tuple[Window, Line]] = Recent(ECHOES_AWAITED)  # id we sent -> its line
        self._tries: dict[str, int] = {}  # room -> failed readings of its archive in a row
        # the rooms' archives read beside the account's queue (start_catch_up),
        # and messages decrypted beside it (_arrived), with each room's live
        # messages that came meanwhile
        self._readings: BesideQueue[str, tuple[Room, RoomMessage]] = BesideQueue(
            f"{session.jid}: rooms beside the queue", self._released)
        self.corrections = Corrections()

    def awaiting_echo(self, line: Line) -> bool:
        """Is ``line`` (ours) still waiting for the room to send it back?"""
        return any(shown is line for _, shown in self._echoes.values())

    def on_message(self, msg: slixmpp.Message) -> None:
        m = room_message(msg)
        if m is None or m.room not in self.wanted:
            return
        room = self.rooms[m.room]
        if not m.nick:  # the room itself speaks (configuration notices)
            self.say(m.room, m.body)
            return
        self._arrived([(room, m)])

    def _arrived(self, items: list[tuple[Room, RoomMessage]]) -> None:
        """Live messages, in arrival order: to the queue, unless their room
        has a reading beside it under way (they follow what it brings). One
        whose decryption may wait (``MessagePipeline.waits``: gpg, a
        passphrase asked) is decrypted beside the queue, its room's later
        messages parked behind it (``_decrypt_aside``): the other rooms and
        the conversations go on meanwhile. Its room's anchor needs no hold
        (unlike our archive's, lanes.py): nothing of the room after it is
        stored before it."""
        for room, m in items:
            if self._readings.park(m.room, (room, m)):
                continue  # its archive is being read, or a message before it decrypted
            if self.pipeline.waits(m):
                self._readings.start(m.room, partial(self._decrypt_aside, room, m))
            else:
                self.serial.gather(LIVE, (room, m), self._receive_many)

    async def _decrypt_aside(self, room: Room, m: RoomMessage) -> None:
        if await self.pipeline.decrypt([m]) and room.jid in self.wanted:  # (what fails is said in its place)
            await self.serial.run(partial(self._receive_many, [(room, m)]))

    async def _receive_many(self, items: list[tuple[Room, RoomMessage]]) -> None:
        """Messages in the order they arrived: runs of plain messages from
        others in one room are stored together (a flood: one transaction),
        then shown; corrections and our own echoes one by one, in place."""
        run: list[RoomMessage] = []
        run_room: Room | None = None
        for room, m in items:
            if not m.replace_id and not self._is_echo(m) and (run_room is None or run_room is room):
                run.append(m)
                run_room = room
                continue
            if run_room is not None:
                await self._receive_run(run_room, run)
                run, run_room = [], None
            if not m.replace_id and not self._is_echo(m):
                run, run_room = [m], room
            else:
                await self._receive(room, m)
        if run_room is not None:
            await self._receive_run(run_room, run)

    def _is_echo(self, m: RoomMessage) -> bool:
        return (m.origin_id or "") in self._echoes or (m.msg_id or "") in self._echoes

    async def _receive_run(self, room: Room, run: list[RoomMessage]) -> None:
        decrypted = await self.pipeline.decrypt(run)
        if not decrypted:
            return  # encryption schemes' own messages
        stored = await self.pipeline.store(
            decrypted, lambda m: record_of(m, "out" if m.nick == room.nick else "in"), live=True)
        window = None
        for m, kept in zip(decrypted, stored):
            if not kept:
                continue  # already shown (archive catch-up, or a duplicate)
            window = window or await self.open_window(room.jid)
            line = self.line_for(room, m, own=m.nick == room.nick, replay=False)
            line.rowid = kept.rowid
            room.spoke(m.nick)
            self.windows.add_line(window, line)

    async def _receive(self, room: Room, m: RoomMessage) -> None:
        decrypted = await self.pipeline.decrypt([m])
        if not decrypted:
            return  # an encryption scheme's own message
        echo = self._echoes.pop(m.origin_id or "", None) or self._echoes.pop(m.msg_id or "", None)
        if m.replace_id:
            if echo is None:  # the echo of our own correction: already applied when sent
                await self._apply_correction(room, m, replay=False)
            return
        own = echo is not None or m.nick == room.nick
        stored = await self.pipeline.store([m], lambda m: record_of(m, "out" if own else "in"), live=echo is None)
        if echo is not None:
            self.pipeline.delivered(*echo)  # the room distributed it
            return
        if not stored[0]:
            return  # already shown (archive catch-up, or a duplicate)
        window = await self.open_window(room.jid)
        line = self.line_for(room, m, own=own, replay=False)
        line.rowid = stored[0].rowid
        room.spoke(m.nick)
        self.windows.add_line(window, line)

    def line_for(self, room: Room, m: RoomMessage, *, own: bool, replay: bool) -> Line:
        highlight = not own and not replay and mentions(m.body, room.nick, self.highlight_words())
        return message_line(m.body, own=own, action=m.action, nick=m.nick, time=m.time,
                            msg_id=m.origin_id or m.msg_id, colour_key=m.nick, highlight=highlight,
                            delivery=Delivery.NONE if replay else Delivery.SENT, encryption=m.encryption)

    @property
    def reading(self) -> bool:
        """A room's archive is being read (or a message of a room decrypted beside the queue)."""
        return self._readings.under_way()

    def start_catch_up(self, room: Room) -> None:
        """Read what the room's archive has since the newest message we hold,
        beside the account's queue: the network's round trips (up to 20 pages
        after a long absence) keep no one else waiting — a line typed, other
        rooms, the conversations (one queue per account); what is read is
        stored and shown as a job of the queue. The room's own live messages
        that come meanwhile follow it, in arrival order (as the self-presence
        said: the archive's first)."""
        self._readings.start(room.jid, lambda: self.catch_up(room))

    def _released(self, room_jid: str, parked: list[tuple[Room, RoomMessage]]) -> None:
        if room_jid in self.wanted:  # (not after /part or /close)
            self._arrived(parked)

    def close(self) -> None:
        self._readings.close()

    async def catch_up(self, room: Room) -> None:
        """What the room's archive has since the newest message we hold, then
        the marker: read here, a page at a time when the archive lets us
        (see RoomArchive.missed), each stored and shown as a job of the
        queue while the next is read."""
        xmpp = self.session.xmpp
        if xmpp is not None:
            try:
                async with contextlib.aclosing(self.archive.missed(xmpp, room.jid)) as pages:
                    async for page in pages:
                        decrypted = await self.pipeline.decrypt_archived(page.messages)  # (gpg: ~10 ms a message)
                        await self.serial.run(partial(self._show_missed, room, page._replace(messages=decrypted)))
            except ArchiveError as exc:
                self._catch_up_failed(room, exc)  # (the pages stored: the next reading goes on after them)
                return
            self._tries.pop(room.jid, None)
        await self.serial.run(partial(self._caught_up, room))

    async def _show_missed(self, room: Room, page: MissedPage) -> None:
        """A page of the room's catch-up stored and shown; the reading's anchor
        moves past it. A page read backwards goes above the lines newer than
        it (the pages read before it, or lines shown before a reading again),
        in one change."""
        if room.jid not in self.wanted:
            return  # left (/part, /close) while its archive was read: no window to open again
        # What came live while the archive was read was said after we joined,
        # even when the reading brought it too: it shows as live, after this.
        live = {m.stanza_id for _, m in self._readings.parked(room.jid) if m.stanza_id}
        missed = [m for m in page.messages if m.stanza_id not in live] if live else page.messages
        window = await self.open_window(room.jid)
        above = first_newer(window, missed[-1].time) if page.backwards and missed else None
        into: list[Line] | None = [] if above is not None else None  # the lines to put above it
        if not page.complete:
            marker = Line(SKIPPED_MARKER, LineKind.EVENT)
            if into is not None:
                into.append(marker)
            else:
                self.windows.add_line(window, marker, Activity.NONE, replay=True)
        run: list[RoomMessage] = []  # messages stored and shown together; a correction waits for them
        for m in missed:
            if m.replace_id:
                await self._replay(room, window, run, into)
                run = []
                await self._apply_correction(room, m, replay=True)
            else:
                run.append(m)
        await self._replay(room, window, run, into)
        if above is not None and into:
            self.windows.insert_before(window, above, into)
        self.archive.stored_up_to(room.jid, page)

    async def _caught_up(self, room: Room) -> None:
        await self.archive.read_through(room.jid)
        if room.jid in self.wanted:
            self._mark_new(await self.open_window(room.jid))

    def _catch_up_failed(self, room: Room, exc: Exception) -> None:
        """Say it and try again a few times while we are in the room (a
        rejoin, or a resumed session, reads again anyway)."""
        if not self.session.online or not room.joined:
            return
        tries = self._tries.get(room.jid, 0)
        if tries < len(archive_reader.RETRY_DELAYS):
            delay = archive_reader.RETRY_DELAYS[tries]
            self._tries[room.jid] = tries + 1
            self.say(room.jid, f"Could not read the archive of {room.jid} ({exc}); trying again in {delay:g} s",
                         LineKind.ERROR)
            asyncio.get_running_loop().call_later(delay, self._read_again, room)
        else:
            self._tries.pop(room.jid, None)
            self.say(room.jid, f"Could not read the archive of {room.jid} ({exc}): lines said while you were "
                                   "away may be missing — /cycle reads it again", LineKind.ERROR)

    def _read_again(self, room: Room) -> None:
        if room.joined and room.jid in self.wanted and self.session.online:
            self.start_catch_up(room)

    async def _replay(self, room: Room, window: Window, missed: list[RoomMessage],
                      into: list[Line] | None = None) -> None:
        """``missed`` stored; the new ones shown, or added to ``into`` for the caller to put in place."""
        stored = await self.pipeline.store(missed, lambda m: record_of(m, "out" if m.nick == room.nick else "in"),
                                           live=False)
        for m, kept in zip(missed, stored):
            if kept:
                line = self.line_for(room, m, own=m.nick == room.nick, replay=True)
                line.rowid = kept.rowid
                if into is not None:
                    into.append(line)
                # read again after a failure, it may be older than lines shown live since: in time order
                elif place_delayed(self.windows, window, line):
                    self.windows.add_line(window, line, Activity.NONE, replay=True)

    async def _apply_correction(self, room: Room, m: RoomMessage, *, replay: bool) -> None:
        """Replace the line (and stored message) ``m`` corrects, if its writer sent ``m``."""
        own = m.nick == room.nick
        direction = "out" if own else "in"
        window = await self.open_window(room.jid)
        record = await self._store_correction(m, direction)  # the store checks nick and direction
        target = self.corrections.find(room.jid, window.lines, m.replace_id or "",
                                       lambda line: room_may_correct(line, m.nick, own, room.nick),
                                       rowid=record.rowid if record is not None else None)
        if not replay:
            room.spoke(m.nick)
        if target is not None:
            self.corrections.apply(room.jid, target, m.body, (m.origin_id, m.msg_id))
            if not replay:
                target.highlight = not own and mentions(m.body, room.nick, self.highlight_words())
            self.windows.update_line(window, target, reflow=True)
            return
        if record is not None and replay:
            return  # a stored message out of sight: scrollback shows it corrected
        # Someone else's line has that id: not theirs to change, so a message of their own.
        # Otherwise the original is not shown: the corrected text stands in for it.
        forged = self.corrections.names_a_line(room.jid, window.lines, m.replace_id or "")
        line = self.line_for(room, m, own=own, replay=replay)
        if record is None:
            stored = await self.history.keep([record_of(m, direction) if forged else stand_in_of(m, direction)])
            if not stored[0]:
                return  # kept before (the archive read again): shown then
            if stored[0].rowid is not None:
                line.rowid = stored[0].rowid
                if not forged:
                    await self._store_correction(m, direction)  # marked corrected, chains found
        if not forged:  # in the original's place: its later corrections land here
            line.msg_id = m.replace_id
            self.corrections.apply(room.jid, line, m.body, (m.origin_id, m.msg_id))
        self.windows.add_line(window, line, Activity.NONE if replay else None, replay=replay)

    async def _store_correction(self, m: RoomMessage, direction: str):
        return await self.history.correct(m.room, direction, m.replace_id or "", m.body, nick=m.nick,
                                          correction_id=m.origin_id or m.msg_id)

    def _mark_new(self, window: Window) -> None:
        """Separate the history shown so far from what comes now (once per join)."""
        messages = (LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION)
        for line in reversed(window.lines):
            if line.body == NEW_MARKER and line.kind is LineKind.EVENT:
                return  # nothing new since the last marker
            if line.kind in messages:
                self.windows.add_line(window, Line(NEW_MARKER, LineKind.EVENT), Activity.NONE, replay=True)
                return

    def _in_room(self, room_jid: str) -> tuple[Room, slixmpp.ClientXMPP]:
        room = self.rooms.get(room_jid)
        xmpp = self.session.xmpp
        if room is None or not room.joined or xmpp is None or not self.session.online:
            raise MucError(f"You are not in {room_jid}: /join {local_part(room_jid)} first")
        return room, xmpp

    async def send(self, room_jid: str, text: str, *, action: bool = False) -> Line:
        """Say ``text`` in the room: stored, shown, sent; the room's echo marks it delivered."""
        self._in_room(room_jid.lower())
        return await self.serial.run(lambda: self._send(room_jid.lower(), text, action))

    async def _send(self, room_jid: str, text: str, action: bool) -> Line:
        room, xmpp = self._in_room(room_jid)
        msg_id = xmpp.new_id()
        m = RoomMessage(room=room_jid, nick=room.nick, body=xml_safe(text), time=now(),
                        msg_id=msg_id, origin_id=msg_id, stanza_id=None, action=action)
        stored = await self.history.keep([record_of(m, "out", delivery="sent")])
        window = await self.open_window(room_jid)
        line = self.line_for(room, m, own=True, replay=False)
        line.rowid = stored[0].rowid
        encrypting = self.pipeline.encryption.used_for(room_jid, room=True) is not None
        if encrypting:  # not "sent" (nor marked as clear) while a scheme is still at it
            line.delivery = Delivery.PENDING
        self.windows.add_line(window, line)
        self._echoes[msg_id] = (window, line)
        try:
            line.encryption = await self._send_stanza(xmpp, m) or ""
            if encrypting:
                line.delivery = Delivery.SENT
            if line.encryption or encrypting:  # the log marks it (after it showed, being sent)
                self.windows.update_line(window, line)
            if line.encryption:  # and the history keeps how it went
                await self.history.went_encrypted(room_jid, msg_id, line.encryption)
        except EncryptionError as exc:  # never in clear
            self._echoes.pop(msg_id)
            self.pipeline.failed(window, line, f"not encrypted: {exc}")
            self.windows.insert_after(window, line, Line(f"not sent to {room_jid}: not encrypted: {exc}",
                                                         LineKind.ERROR))
        return line

    async def correct_last(self, window: Window, text: str) -> Line | None:
        """XEP-0308: replace our last message in the room ``window`` with ``text``;
        None when there is none (written under the nick we have now)."""
        self._in_room(window.target or "")
        return await self.serial.run(lambda: self._correct_last(window, text))

    async def _correct_last(self, window: Window, text: str) -> Line | None:
        room, xmpp = self._in_room(window.target or "")
        last = last_own_room_line(window.lines, room.nick)
        if last is None:
            return None
        new_id = xmpp.new_id()
        m = RoomMessage(room=room.jid, nick=room.nick, body=xml_safe(text), time=now(),
                        msg_id=new_id, origin_id=new_id, stanza_id=None, replace_id=last.msg_id,
                        action=last.kind is LineKind.ACTION)
        try:
            await self._send_stanza(xmpp, m)
        except EncryptionError as exc:  # the line stays as it was: the correction never left
            self.windows.insert_after(window, last, Line(f"correction not sent: not encrypted: {exc}",
                                                         LineKind.ERROR))
            return last
        await self._store_correction(m, "out")
        self.corrections.apply(room.jid, last, m.body, (new_id,))
        self.windows.update_line(window, last, reflow=True)
        self._echoes[new_id] = (window, last)  # its echo changes nothing more
        return last

    async def _send_stanza(self, xmpp: slixmpp.ClientXMPP, m: RoomMessage) -> str | None:
        """Built in clear, handed to the pipeline (encrypted if the room uses a scheme)."""
        msg = xmpp.make_message(mto=m.room, mbody=wire_text(m.body, m.action), mtype="groupchat")
        msg["id"] = m.msg_id
        msg["origin_id"]["id"] = m.origin_id
        if m.replace_id:
            msg["replace"]["id"] = m.replace_id
        return await self.pipeline.send(m.room, msg)
