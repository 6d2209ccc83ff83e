"""1:1 conversations: messages in and out, and their life cycle.

Incoming messages (live, carbons, archive) are stored before they are shown,
in arrival order, once (the history store refuses duplicates). Outgoing
messages carry an origin-id and ask for a receipt; they wait in the outbox
(outbox.py) until the server acknowledges them, and leave by themselves
whenever a stream is ready. Acks, receipts, errors and corrections update
the line already on screen.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Callable

import slixmpp
from slixmpp.plugins.xep_0198 import stanza as sm_stanza

from ...core.corrections import Corrections, chat_may_correct, last_own_chat_line
from ...core.events import EventBus
from ...core.jids import display_name
from ...core.model import Delivery, Line, LineKind, message_line, now
from ...core.recent import Recent
from ...core.serial import SerialRunner
from ...core.timeline import older_than_shown, place_delayed
from ...core.windows import Activity, Window, WindowKind, WindowList
from ...store.records import StoredMessage
from ...text import sanitize_line, xml_safe
from ..account.session import AccountSession
from ..conversation.encryption import Encryption, EncryptionError, EncryptionPending
from ..conversation.history import MessageHistory, StoreSlot
from ..conversation.message import wire_text
from ..conversation.pipeline import MessagePipeline
from ..stored_lines import stored_line
from .fields import MessageFacts, message_facts
from .answers import AwaitedAnswers, confirmed_in, expects_receipt
from .archive import ChatArchive, record_of
from .lanes import Lanes
from .outbox import Outbox, Outgoing
from .states import ChatStates

log = logging.getLogger(__name__)

ANNOUNCE_WAIT = 10.0  # seconds the catch-up waits for our presence to be in effect
SENT_REMEMBERED = 1000  # our messages whose receipt or error we still expect
PLUGINS = ("xep_0030", "xep_0184", "xep_0085", "xep_0280", "xep_0308", "xep_0359", "xep_0313", "xep_0203")


LIVE = "chat messages"  # what the serial runner gathers into one batch (a flood: one transaction)


class ChatService:
    def __init__(self, session: AccountSession, windows: WindowList, bus: EventBus,
                 store: StoreSlot, encryption: Encryption, serial: SerialRunner) -> None:
        self.session = session
        self.windows = windows
        self.bus = bus
        self.serial = serial  # the account's: conversations and rooms share the store
        self.history = MessageHistory(store, windows, self._stored_line)
        self.pipeline = MessagePipeline(session.jid, self.history, encryption, windows, serial, rooms=False)
        self.archive = ChatArchive(session, windows, serial, self.history, self.receive, self._record,
                                   lambda jid: self.is_room(jid), self.pipeline,
                                   released=self._after_reading)
        # messages whose decryption may wait (gpg, a passphrase), per conversation, beside the queue
        self.lanes = Lanes(serial, self.pipeline, self._receive_now, self.archive.hold, self.archive.release)
        self.states = ChatStates(session, bus)
        # message id -> (window, line) of what we sent, for receipts/errors/corrections
        self._sent: Recent[str, tuple[Window, Line]] = Recent(SENT_REMEMBERED)
        # peer -> full JID we reply to until it goes away (Gajim/Poezio resource lock)
        self._locked: dict[str, str] = {}
        self.names: dict[str, str] = {}  # peer -> display name (the roster fills it)
        self.corrections = Corrections()  # XEP-0308: which line a correction (chain) changes
        self.outbox = Outbox()  # typed, not acknowledged by the server yet
        self._outbox_loaded = False  # the store's outbox (an earlier run's) is read once
        self._told_held: set[str] = set()  # waiting for an encryption session: said once each
        self._stream_ready = False  # negotiated or resumed: what we hand over now is tracked
        # Is this bare JID a room? (the account wires in the MUC service's answer):
        # only a room's occupants have private conversations of their own.
        self.is_room: Callable[[str], bool] = lambda _jid: False
        # Does the roster show this bare JID offline? (the account wires in its
        # roster): an offline contact sends no receipt until it is back.
        self.is_offline: Callable[[str], bool] = lambda _jid: False
        # what we sent, waiting for a receipt or an error ("no answer" after a while)
        self.answers = AwaitedAnswers(self._no_answer)
        self._announced: asyncio.Future | None = None  # resolved when our presence is back (see catch-up)
        session.on_client_created(self._attach)

    @property
    def own_jid(self) -> str:
        return self.session.jid.lower()

    # -- wiring ------------------------------------------------------------------
    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        for plugin in PLUGINS:
            xmpp.register_plugin(plugin)
        # Receipts: we ask for them ourselves (only for chat bodies) and answer requests.
        xmpp.plugin["xep_0184"].auto_ack = True
        xmpp.plugin["xep_0184"].auto_request = False
        xmpp.add_event_handler("message", self._on_message)
        xmpp.add_event_handler("carbon_received", self._on_carbon_received)
        xmpp.add_event_handler("carbon_sent", self._on_carbon_sent)
        xmpp.add_event_handler("receipt_received", self._on_receipt)
        xmpp.add_event_handler("message_error", self._on_error)
        xmpp.add_event_handler("presence_unavailable", self._on_unavailable)
        xmpp.add_event_handler("session_start", self._on_session_start)
        # The outbox: a stream is ready once fully negotiated (stream management
        # enabled, so what we send is counted) or resumed; acks take messages out.
        xmpp.add_event_handler("stream_negotiated", self._on_stream_ready)
        xmpp.add_event_handler("session_resumed", self._on_stream_resumed)
        xmpp.add_event_handler("disconnected", self._on_stream_down)
        xmpp.add_event_handler("stanza_acked", self._on_acked)
        xmpp.add_event_handler("presence_available", self._on_own_presence)
        self.states.attach(xmpp)

    def _on_session_start(self, _event) -> None:
        xmpp = self.session.xmpp
        if xmpp is None:
            return
        xmpp.plugin["xep_0280"].enable()
        # An earlier run's outbox first: the catch-up recognises what of it the server has.
        self.serial.submit(self._load_outbox)
        # a fresh session (not a resumed one) may have missed messages: the archive has them
        self.archive.session_started()
        # Read the archive once our presence is in effect (the server echoes
        # it): the server keeps what comes before it in the archive only (a
        # client that queried the archive gets no offline messages), and
        # sends what comes after it to us live.
        # The reading runs beside the account's queue (ChatArchive.catch_up).
        announced = self._announced = asyncio.get_running_loop().create_future()

        async def presence_in_effect() -> None:
            try:
                await asyncio.wait_for(asyncio.shield(announced), ANNOUNCE_WAIT)
            except asyncio.TimeoutError:
                log.info("%s: our presence did not come back; reading the archive anyway", self.session.jid)
        self.archive.start_catch_up(xmpp, first=presence_in_effect)

    def _on_own_presence(self, presence) -> None:
        xmpp = self.session.xmpp
        announced = self._announced
        if announced is not None and not announced.done() and xmpp is not None and presence["from"] == xmpp.boundjid:
            announced.set_result(None)

    # -- windows -------------------------------------------------------------------
    def name_of(self, peer: str) -> str:
        return self.names.get(peer) or display_name(peer)

    def _stored_line(self, record: StoredMessage) -> Line:
        return stored_line(record, self.own_jid if record.direction == "out" else record.peer)

    def _record(self, facts: MessageFacts, delivery: str | None = None) -> StoredMessage:
        own = facts.direction == "out"
        nick = display_name(self.own_jid) if own else self.name_of(facts.peer)
        return record_of(facts, nick, delivery or ("sent" if own and not facts.elsewhere else "none"))

    def find_window(self, peer: str) -> Window | None:
        return self.windows.find(self.session.jid, peer)

    async def open_window(self, peer: str, *, focus: bool = False) -> Window:
        """The conversation's window, with its recent history loaded first."""
        window = self.find_window(peer)
        if window is None:
            window = self.windows.open(self.name_of(peer), WindowKind.CHAT, self.session.jid, peer)
            await self.history.load_latest(window, peer)
        if focus:
            self.windows.switch(window.number)
        return window

    def window_for(self, peer: str, *, focus: bool = False) -> None:
        """Open (or show) a conversation from a command: queued behind
        whatever is being stored, so history and new lines keep their order."""
        self.serial.submit(lambda: self.open_window(peer, focus=focus))

    # -- incoming --------------------------------------------------------------------
    def _on_message(self, msg: slixmpp.Message) -> None:
        if msg.xml.get("type") == "groupchat":
            return  # a room's: message_facts would say None, after reading the whole stanza
        if msg.xml.find("{urn:xmpp:carbons:2}received") is not None or \
                msg.xml.find("{urn:xmpp:carbons:2}sent") is not None:
            return  # the carbon handlers deal with the forwarded copy
        if msg.xml.find("{urn:xmpp:mam:2}result") is not None:
            return  # archive results are read by the history catch-up
        facts = message_facts(msg, self.own_jid, is_room=self.is_room)
        if facts is not None:
            self._lock_resource(facts)
            self._incoming(facts)

    def _incoming(self, facts: MessageFacts) -> None:
        """A live message (or a carbon), to store and show in arrival order.
        While our archive is read, after the reading: the archive's copies
        first, in its order (stamps of whole seconds cannot tell which of
        two near messages came first; an OTR query that waited in offline
        storage is then the archive's copy, left alone), then these."""
        if not self.archive.park(facts):
            self.serial.gather(LIVE, facts, self.receive)

    def _on_carbon_received(self, msg: slixmpp.Message) -> None:
        facts = message_facts(msg["carbon_received"], self.own_jid, elsewhere=True, is_room=self.is_room)
        if facts is not None:
            self._incoming(facts)

    def _on_carbon_sent(self, msg: slixmpp.Message) -> None:
        facts = message_facts(msg["carbon_sent"], self.own_jid, elsewhere=True, is_room=self.is_room)
        if facts is not None:
            self._locked.pop(facts.peer, None)  # we answered from elsewhere
            self._incoming(facts)

    def _lock_resource(self, facts: MessageFacts) -> None:
        if facts.direction == "in" and "/" in facts.sender_full:
            self._locked[facts.peer] = facts.sender_full

    def _on_unavailable(self, presence) -> None:
        full = str(presence["from"])
        peer = presence["from"].bare.lower()
        if self._locked.get(peer) == full:
            del self._locked[peer]

    async def receive(self, batch: list[MessageFacts], *, replay: bool = False, unseen: bool = False) -> None:
        """Store, then show. Corrections replace what they correct.
        ``unseen``: history (no typing states, no live alerts) that arrived
        while we were away: what is new to us marks its window, as the same
        message from offline storage would. A message whose decryption may
        wait, and what follows it in its conversation, go aside (lanes.py)."""
        batch = await self.lanes.take(batch, replay=replay, unseen=unseen)
        await self._receive_now(batch, replay=replay, unseen=unseen)

    async def _receive_now(self, batch: list[MessageFacts], *, replay: bool, unseen: bool) -> None:
        """``receive`` for what goes now (a lane's messages too, their turn
        come: one older than a message of another conversation stored before
        it moves the archive's anchor back, which only reads a copy again)."""
        batch = await self.pipeline.decrypt(batch)
        run: list[MessageFacts] = []  # plain messages stored and shown together; a correction waits for them
        for facts in batch:
            if facts.replace_id:
                await self._keep_and_show(run, replay=replay, unseen=unseen)
                run = []
                await self._apply_correction(facts)
            else:
                run.append(facts)
        await self._keep_and_show(run, replay=replay, unseen=unseen)

    async def _keep_and_show(self, plain: list[MessageFacts], *, replay: bool, unseen: bool) -> None:
        if not plain:
            return
        stored = await self.pipeline.store(plain, self._record, live=not replay)
        if not replay:
            self.archive.seen_live(plain)
        opened: set[str] = set()  # windows opened now show their stored history, this batch included
        for facts, kept in zip(plain, stored):
            if not kept and facts.direction == "out":
                self._archived(facts)
            if kept and facts.peer not in opened:
                if await self._show(facts, replay=replay, unseen=unseen, rowid=kept.rowid):
                    opened.add(facts.peer)

    async def _show(self, facts: MessageFacts, *, replay: bool, unseen: bool = False,
                    rowid: int | None = None) -> bool:
        """Show one stored message; True when that opened its window (whose
        history, loaded from the store, already includes it)."""
        new_to_us = facts.direction == "in" and (not replay or unseen)
        window = self.find_window(facts.peer)
        if window is None:
            window = await self.open_window(facts.peer)
            if rowid is not None:  # stored: the window's history has it (not so when the disk fails)
                if not replay or new_to_us:
                    self._mark_activity(window)
                return True
        line = self.line_for(facts)
        line.rowid = rowid
        activity = None
        if facts.direction == "in" and not replay:
            self.states.clear_typing(facts.peer)
        if new_to_us:
            activity = Activity.HIGHLIGHT  # a message to us: Irssi shows queries as highlights
        if facts.delayed:
            if not replay and older_than_shown(window, line):
                pass  # live, whatever its stamp claims: shown where it arrived, never hidden in scrollback
            elif not place_delayed(self.windows, window, line):
                return False
        self.windows.add_line(window, line, activity, replay=replay)
        return False

    def _mark_activity(self, window: Window) -> None:
        if window is not self.windows.active:
            self.windows.raise_activity(window, Activity.HIGHLIGHT)

    def line_for(self, facts: MessageFacts) -> Line:
        own = facts.direction == "out"
        return message_line(
            facts.body, own=own, action=facts.action,
            nick=display_name(self.own_jid) if own else self.name_of(facts.peer), time=facts.time,
            msg_id=facts.origin_id or facts.msg_id, colour_key=self.own_jid if own else facts.peer,
            delivery=Delivery.NONE if facts.elsewhere else Delivery.SENT, elsewhere=facts.elsewhere,
            encryption=facts.encryption)

    async def _apply_correction(self, facts: MessageFacts) -> None:
        window = self.find_window(facts.peer) or await self.open_window(facts.peer)
        await self._store_correction(facts)
        own = facts.direction == "out"
        target = self.corrections.find(facts.peer, window.lines, facts.replace_id or "",
                                       lambda line: chat_may_correct(line, own))
        if target is not None:
            self.corrections.apply(facts.peer, target, facts.body, (facts.origin_id, facts.msg_id))
            self.windows.update_line(window, target, reflow=True)
            return
        # the original is not on screen: show the corrected text as a message
        line = self.line_for(facts)
        line.corrected = True
        self.windows.add_line(window, line)

    async def _store_correction(self, facts: MessageFacts) -> None:
        if facts.replace_id:
            await self.history.correct(facts.peer, facts.direction, facts.replace_id, facts.body,
                                       correction_id=facts.origin_id or facts.msg_id, time=facts.time)

    async def load_older(self, window: Window) -> int:
        """Scrolled past the top: the store's older page, then the archive's."""
        return await self.history.load_older(self.serial, window, self.archive.pages_before)

    async def reveal(self, record) -> Line | None:
        """/goto: open ``record``'s conversation scrolled to it."""
        window = await self.serial.run(lambda: self.open_window(record.peer))
        line = await self.history.reveal(self.serial, window, record.rowid, self.archive.pages_before)
        still_open = self.find_window(record.peer) is window  # (not closed while its history was paged in)
        if line is None or not still_open:
            return None
        self.windows.reveal(window, line)
        return line

    # -- outgoing ----------------------------------------------------------------------
    async def send(self, peer: str, text: str, *, action: bool = False, focus: bool = False) -> Line:
        """Send ``text`` to ``peer``: stored, shown, then sent; offline it
        waits in the outbox and leaves by itself once we are back. Queued
        behind what is being stored, like everything that touches conversations."""
        return await self.serial.run(lambda: self._send(peer, text, action=action, focus=focus))

    async def _send(self, peer: str, text: str, *, action: bool, focus: bool) -> Line:
        window = await self.open_window(peer, focus=focus)
        body = xml_safe(text)
        msg_id = uuid.uuid4().hex  # as slixmpp's new_id(), and there is no client before the first connect
        facts = MessageFacts(
            peer=peer, direction="out", body=body, time=now(), sender_full=self.own_jid,
            msg_id=msg_id, origin_id=msg_id, stanza_id=None, replace_id=None, action=action,
        )
        stored = await self.history.keep([self._record(facts, "pending")])
        line = self.line_for(facts)
        line.rowid = stored[0].rowid
        line.delivery = Delivery.PENDING
        self.windows.add_line(window, line)
        self._sent[msg_id] = (window, line)
        self.outbox.add(Outgoing(peer, body, msg_id, action))
        if self._stream_ready:
            await self._flush_outbox()
        elif not self.session.online:
            self.windows.insert_after(window, line, Line(
                "not sent yet: the account is offline; it is sent once back online (no /retry needed)",
                LineKind.EVENT))
        return line

    async def _send_stanza(self, xmpp: slixmpp.ClientXMPP, peer: str, body: str, msg_id: str, *,
                           action: bool = False, replace_id: str | None = None) -> str | None:
        """Build the stanza in clear and hand it to the pipeline (which
        encrypts it if the conversation uses a scheme); the scheme's name.
        EncryptionError: not sent (EncryptionPending: not yet)."""
        msg = xmpp.make_message(mto=self._locked.get(peer, peer), mbody=wire_text(body, action), mtype="chat")
        msg["id"] = msg_id
        msg["origin_id"]["id"] = msg_id
        msg["request_receipt"] = True
        msg["chat_state"] = "active"
        if replace_id:
            msg["replace"]["id"] = replace_id
        if "/" in peer:  # a room occupant: XEP-0045 7.5 marks private messages
            msg.xml.append(msg.xml.makeelement("{http://jabber.org/protocol/muc#user}x", {}))
        self.states.sent_active(peer)
        return await self.pipeline.send(peer, msg)

    # -- the outbox ----------------------------------------------------------------------
    def _on_stream_ready(self, _event) -> None:
        """A fresh stream, fully negotiated: slixmpp holds none of our old stanzas."""
        self._stream_ready = True
        self.outbox.new_stream()
        self.serial.submit(lambda: self._flush_outbox(announce=True))

    def _on_stream_resumed(self, _event) -> None:
        """slixmpp has resent what the server had not acknowledged and still
        holds; what it lost (handed over as the link died) is ours to send;
        and an archive reading cut short is done again."""
        xmpp = self.session.xmpp
        sm = xmpp.plugin["xep_0198"] if xmpp is not None else None
        queued = [stanza["id"] for _, stanza in sm.unacked_queue if stanza.name == "message"] if sm else []
        resent = self.outbox.new_stream(queued)
        self._stream_ready = True
        self.serial.submit(lambda: self._flush_outbox(announce=True, resent=resent))
        # nothing sent to us was lost with the connection, unless it took a
        # reading of the archive with it
        if xmpp is not None and not self.archive.caught_up:
            self.archive.start_catch_up(xmpp)

    def _on_stream_down(self, _event) -> None:
        self._stream_ready = False

    def _after_reading(self, parked: list[MessageFacts]) -> None:
        """Our archive's reading ended: what waited for it goes — the live
        messages, then the outbox (what a stream had before and the archive
        did not show the server has is being sent again: said)."""
        if parked:
            self.serial.submit(lambda: self.receive(parked))
        self.serial.submit(lambda: self._flush_outbox(announce=self.outbox.may_be_on_server()))

    async def _flush_outbox(self, *, announce: bool = False, resent: int = 0) -> list[Outgoing]:
        """Hand what waits to the stream, in the order typed; what left."""
        xmpp = self.session.xmpp
        if not self._stream_ready or xmpp is None:
            return []
        await self._load_outbox()
        waiting = self.outbox.to_send()
        if self.archive.reading and self.outbox.may_be_on_server():
            # the reading may say the server has some of it: all of it goes
            # after (in the order typed), sent or confirmed (_after_reading)
            return []
        if announce and (waiting or resent):
            count = len(waiting) + resent
            self.windows.status_line(f"{self.session.jid}: resending {count} message{'s' if count != 1 else ''}"
                                     " typed while offline", LineKind.EVENT)
        sm = xmpp.plugin["xep_0198"]
        sent: list[Outgoing] = []
        for entry in waiting:
            if entry.msg_id not in self._sent:
                await self._find_line(entry)
            if not self._stream_ready or self.session.xmpp is not xmpp:
                break  # the stream went away meanwhile: the next one sends the rest
            if entry.msg_id not in self.outbox:
                continue  # the server turned out to have it meanwhile (the archive said so)
            try:
                scheme = await self._send_stanza(xmpp, entry.peer, entry.body, entry.msg_id, action=entry.action)
            except EncryptionPending as exc:  # its session is being set up: it waits, encrypted later
                self._held(entry, str(exc))
                continue
            except EncryptionError as exc:  # never in clear: failed, /retry tries again
                self.outbox.done(entry.msg_id)
                self._not_sent(entry, f"not encrypted: {exc}")
                continue
            entry.in_flight = entry.handed = True
            sent.append(entry)
            self.answers.wait(entry.msg_id)
            if scheme:  # the line says how it went at once; the history keeps it after
                shown = self._sent.get(entry.msg_id)
                if shown is not None and shown[1].encryption != scheme:
                    shown[1].encryption = scheme
                    self.windows.update_line(*shown)
                await self.history.went_encrypted(entry.peer, entry.msg_id, scheme)
            if not sm.enabled_out:  # no stream management: handing it over is all we will know
                self._acknowledged(self.outbox.done(entry.msg_id))
        if sent and sm.enabled_out:
            # Ask now, behind the messages: slixmpp asks only every 5 stanzas.
            xmpp.send(sm_stanza.RequestAck(xmpp))
        return sent

    async def _load_outbox(self) -> None:
        """What an earlier run typed and the server never acknowledged (once)."""
        if self._outbox_loaded:
            return
        self._outbox_loaded = True
        try:
            records = await self.history.outbox()
        except Exception as exc:  # an unreadable store must not stop what is typed now
            log.warning("%s: cannot read the outbox from history: %s", self.session.jid, exc)
            return
        self.outbox.load(Outgoing(r.peer, r.body, msg_id, r.kind == "action", handed=True)
                         for r in records if (msg_id := r.origin_id or r.msg_id))

    async def _find_line(self, entry: Outgoing) -> None:
        """A message from an earlier run: its window shows it, its mark changes as it goes."""
        window = await self.open_window(entry.peer)
        self._shown(entry, window)

    def _shown(self, entry: Outgoing, window: Window | None) -> tuple[Window, Line] | None:
        if window is None:
            return None
        line = next((l for l in reversed(window.lines) if l.msg_id == entry.msg_id), None)
        if line is None:
            return None
        self._sent[entry.msg_id] = (window, line)
        return window, line

    def _on_acked(self, stanza) -> None:
        if stanza.name == "message":
            self._acknowledged(self.outbox.done(stanza["id"]))

    def _archived(self, facts: MessageFacts) -> None:
        """Our own message came back from the archive: the server has it."""
        self._acknowledged(self.outbox.done(facts.origin_id or facts.msg_id))

    def _acknowledged(self, entry: Outgoing | None) -> None:
        if entry is None:
            return
        sent = self._sent.get(entry.msg_id) or self._shown(entry, self.find_window(entry.peer))
        if sent is not None and sent[1].delivery is Delivery.PENDING:
            sent[1].delivery = Delivery.SENT
            self.windows.update_line(*sent)
        self.serial.submit(lambda: self.history.set_delivery(entry.peer, entry.msg_id, "sent"))

    async def retry(self, window: Window) -> int:
        """Send again what failed in ``window``, and what waits there; how many."""
        return await self.serial.run(lambda: self._retry(window))

    async def _retry(self, window: Window) -> int:
        if not self.session.online or not window.target:
            return 0
        again = [l for l in window.lines
                 if l.kind in (LineKind.OUTGOING, LineKind.ACTION) and l.delivery is Delivery.FAILED]
        for line in again:
            # the same ids: a copy that did arrive after all is recognised as the same message
            msg_id = line.msg_id or uuid.uuid4().hex
            line.msg_id, line.delivery = msg_id, Delivery.PENDING
            self._sent[msg_id] = (window, line)
            await self.history.set_delivery(window.target, msg_id, "pending")  # ours to send again
            self.outbox.add(Outgoing(window.target, line.body, msg_id, line.kind is LineKind.ACTION))
            self.windows.update_line(window, line)
        left = await self._flush_outbox()
        return len({line.msg_id for line in again} | {e.msg_id for e in left if e.peer == window.target})

    async def correct_last(self, window: Window, text: str) -> Line | None:
        """XEP-0308: replace our last message in ``window`` with ``text``."""
        return await self.serial.run(lambda: self._correct_last(window, text))

    async def _correct_last(self, window: Window, text: str) -> Line | None:
        last = last_own_chat_line(window.lines)
        xmpp = self.session.xmpp
        if last is None or xmpp is None or not self.session.online or not window.target:
            return None
        body = xml_safe(text)
        new_id = xmpp.new_id()
        facts = MessageFacts(peer=window.target, direction="out", body=body, time=now(),
                             sender_full=self.own_jid, msg_id=new_id, origin_id=new_id,
                             stanza_id=None, replace_id=last.msg_id, action=last.kind is LineKind.ACTION)
        try:
            await self._send_stanza(xmpp, window.target, body, new_id, action=facts.action, replace_id=last.msg_id)
        except EncryptionError as exc:  # the line stays as it was: the correction never left
            self.windows.insert_after(window, last, Line(f"correction not sent: not encrypted: {exc}",
                                                         LineKind.ERROR))
            return last
        await self._store_correction(facts)
        self.corrections.apply(window.target, last, body, (new_id,))
        self.windows.update_line(window, last, reflow=True)
        return last

    # -- receipts and errors --------------------------------------------------------------
    def _on_receipt(self, msg: slixmpp.Message) -> None:
        sent = self._sent.get(msg["receipt"])
        if sent is None:
            return
        window, line = sent
        self.outbox.done(line.msg_id)  # it arrived: whatever the ack's fate, not ours to send
        self.answers.answered(msg["receipt"])
        if window.target:
            self.answers.confirmed(window.target)
        self.pipeline.delivered(window, line)

    def _on_error(self, msg: slixmpp.Message) -> None:
        sent = self._sent.get(msg["id"])
        error = msg["error"]
        condition = error["condition"] or "error"
        text = sanitize_line(error["text"] or "")
        reason = f"{condition}" + (f": {text}" if text else "")
        peer = msg["from"].bare.lower()
        if sent is None:
            window = self.find_window(peer)
            if window is not None:
                self.windows.add_line(window, Line(f"error from {peer}: {reason}", LineKind.ERROR))
            return
        self.outbox.done(sent[1].msg_id)  # answered: /retry sends it again
        self.answers.answered(msg["id"])
        self._failed(*sent, f"not delivered to {peer}: {reason}", reason)

    def _no_answer(self, msg_id: str) -> None:
        """Neither a receipt nor an error in time (answers.py says when that counts)."""
        sent = self._sent.get(msg_id)
        if sent is None:
            return
        window, line = sent
        peer = window.target
        if line.delivery is not Delivery.SENT or not peer:
            return  # confirmed, failed, or not even acknowledged by the server ("…" says so)
        confirmed = self.answers.confirms(peer) or confirmed_in(l for l in window.lines if l is not line)
        if not expects_receipt(confirmed, self.is_offline(peer)):
            return
        line.delivery = Delivery.UNANSWERED
        self.windows.update_line(window, line)
        self.windows.insert_after(window, line, Line(
            f"no answer from {self.name_of(peer)}: no receipt and no error in {self.answers.delay:g} s, "
            "though their client confirms messages (it may still arrive)", LineKind.EVENT))

    def close(self) -> None:
        self.answers.close()
        self.archive.close()
        self.lanes.close()

    def encryption_ready(self, peer: str) -> None:
        """A scheme can encrypt for ``peer`` now (its session is up): what waits goes."""
        self._told_held = {msg_id for msg_id in self._told_held if msg_id in self.outbox}
        self.serial.submit(self._flush_outbox)

    def give_up_held(self, peer: str, reason: str) -> int:
        """The encryption session ``peer``'s held messages wait for was given
        up (/otr end): they fail, said, rather than go in clear unasked;
        /retry sends them as the conversation is then. How many."""
        held = [entry for entry in self.outbox.to_send()
                if entry.peer == peer and entry.msg_id in self._told_held]
        for entry in held:
            self.outbox.done(entry.msg_id)
            self._told_held.discard(entry.msg_id)
            self._not_sent(entry, reason)
        return len(held)

    def _held(self, entry: Outgoing, why: str) -> None:
        """Said once under the line: it waits for the scheme, it does not go in clear."""
        if entry.msg_id in self._told_held:
            return
        self._told_held.add(entry.msg_id)
        sent = self._sent.get(entry.msg_id) or self._shown(entry, self.find_window(entry.peer))
        if sent is not None:
            self.windows.insert_after(sent[0], sent[1], Line(
                f"waiting: {why} — it goes encrypted once that is done, never in clear", LineKind.EVENT))

    def _not_sent(self, entry: Outgoing, reason: str) -> None:
        sent = self._sent.get(entry.msg_id) or self._shown(entry, self.find_window(entry.peer))
        if sent is not None:
            self._failed(*sent, f"not sent to {entry.peer}: {reason}", reason)

    def _failed(self, window: Window, line: Line, text: str, reason: str) -> None:
        self.pipeline.failed(window, line, reason)
        self.windows.insert_after(window, line, Line(f"{text} — /retry sends it again", LineKind.ERROR))

