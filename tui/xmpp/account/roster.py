"""The roster service: fills the core roster model from slixmpp and changes
the roster on the user's behalf.

The user decides about subscriptions: slixmpp's automatic authorisation is
switched off, and a request becomes one line in the status window naming
the commands that answer it.

A presence storm (thousands of contacts at login) arrives as many stanzas
in few turns of the event loop: the model is updated per stanza (cheap dict
work) and ``RosterChanged`` is emitted once per turn (a :class:`~tui.core.coalesce.Coalescer`).

A contact's presence changes are said in their chat window when it is open
("-!- Bob is now away (gone fishing)"), in order with their messages (the
account's serial queue), unless the join/part setting hides them
(``hide_joins_above = 0``). What was last said is remembered across
sessions, so a reconnection's presences repeat nothing.
"""

from __future__ import annotations

import logging
from functools import partial

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.jid import InvalidJID
from slixmpp.stanza.roster import Roster as RosterStanza

from ...core.coalesce import CoalescedChanges, Coalescer
from ...core.events import EventBus, RosterChanged
from ...core.model import Line, LineKind
from ...core.presence import OFFLINE, Seen, change_line, joins_hidden
from ...core.roster import Contact, Roster
from ...core.serial import SerialRunner
from ...core.windows import Activity, WindowList
from ...text import sanitize_line, xml_safe
from ..presence_dispatch import type_of
from ..stanza_reads import jid_attribute, presence_priority, sub_text
from .session import AccountSession

log = logging.getLogger(__name__)

_AVAILABLE_TYPES = ("available", "chat", "away", "xa", "dnd")
ROSTER_NS = "jabber:iq:roster"
IQ_TIMEOUT = 15


class RosterError(Exception):
    """A roster change the server refused or did not answer; one line."""


class RosterService(CoalescedChanges):
    def __init__(self, session: AccountSession, windows: WindowList, bus: EventBus,
                 serial: SerialRunner | None = None) -> None:
        self.session = session
        self.windows = windows
        self.bus = bus
        self.serial = serial
        self.model = Roster(session.jid)
        self.hide_joins_above = 50  # [ui] hide_joins_above (tui/wiring.py): 0 hides presence lines
        self._seen: dict[str, Seen] = {}  # contact -> their presence as last said
        self._changes = Coalescer(bus, lambda _keys: (RosterChanged(self.session.jid),))
        session.on_client_created(self._attach)

    # -- wiring ------------------------------------------------------------------
    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        # The user answers subscription requests, not slixmpp.
        xmpp.auto_authorize = None
        xmpp.auto_subscribe = False
        # slixmpp's own roster handler (ClientXMPP._handle_roster, slixmpp 1.17)
        # reads each item through a stanza object (1,000 contacts: ~22 ms of
        # CPU at log-in, ~0.5 MiB): ours fills slixmpp's roster too, from the
        # same reading of the XML.
        xmpp.del_event_handler("roster_update", xmpp._handle_roster)
        leave_received_items_as_xml()
        xmpp.add_event_handler("roster_update", partial(self._on_roster_update, xmpp))
        xmpp.add_event_handler("presence", self._on_presence)
        xmpp.add_event_handler("presence_subscribed", self._on_subscribed)
        xmpp.add_event_handler("presence_unsubscribed", self._on_unsubscribed)
        xmpp.add_event_handler("session_start", self._on_session_start)

    def changed(self) -> None:
        """The model changed: one ``RosterChanged`` per turn of the loop."""
        self._changes.add()

    # -- incoming ------------------------------------------------------------------
    def _on_session_start(self, _event) -> None:
        # A fresh session: the server will send every presence again, and
        # what we knew may be stale (a resumed session keeps them: no event).
        self.model.clear_presences()
        self.changed()

    def _on_roster_update(self, xmpp: slixmpp.ClientXMPP, iq: slixmpp.Iq) -> None:
        """A roster result or push, into slixmpp's roster (which tracks the
        contacts' resources) and ours, as slixmpp's own handler (replaced:
        see ``_attach``) would do to its; a push is acknowledged."""
        try:
            query = iq.xml.find(f"{{{ROSTER_NS}}}query")
            if query is not None and not self._unchanged(xmpp, iq, query):
                self._apply(xmpp, iq, query)
        finally:
            if iq["type"] == "set":  # (a push from anyone but our server was refused before the event)
                xmpp.Iq(stype="result", sto=iq["from"], sid=iq["id"]).send()

    def _apply(self, xmpp: slixmpp.ClientXMPP, iq: slixmpp.Iq, query) -> None:
        if query.get("ver"):
            xmpp.client_roster.version = query.get("ver")
        items = {}
        for jid, item in roster_items(query):
            subscription = item.get("subscription") or "none"
            if subscription not in ("none", "to", "from", "both", "remove"):
                continue
            values = items[jid] = dict(
                name=item.get("name") or "", groups=tuple(g.text or "" for g in item.iterfind(_GROUP)),
                subscription=subscription, pending_out=item.get("ask") == "subscribe",
            )
            _into_slixmpp(xmpp.client_roster[jid], values)
        if iq["type"] == "result":
            self.model.replace_all({j: v for j, v in items.items() if v["subscription"] != "remove"})
        else:
            for jid, values in items.items():
                self.model.set_item(jid, **values)
        self._seed_presences(xmpp, items)
        self.changed()

    def _unchanged(self, xmpp: slixmpp.ClientXMPP, iq: slixmpp.Iq, query) -> bool:
        """An empty result to a versioned request means "nothing changed"
        (RFC 6121 2.6.3): a roster sent back always carries its version."""
        return (iq["type"] == "result" and query.get("ver") is None and len(query) == 0
                and "rosterver" in xmpp.features)

    def _seed_presences(self, xmpp: slixmpp.ClientXMPP, items: dict) -> None:
        """Presences can arrive before the roster (the session announces itself
        first): slixmpp tracked them meanwhile, take them over."""
        for jid in items:
            contact = self.model.get(jid)
            if contact is None or contact.resources:
                continue
            for resource, data in xmpp.client_roster[jid].resources.items():
                self.model.set_presence(jid, resource, data.get("show") or "available",
                                        data.get("status") or "", _int(data.get("priority")))

    def _on_presence(self, presence: slixmpp.Presence) -> None:
        ptype = type_of(presence)
        sender = jid_attribute(presence, "from")
        if ptype in _AVAILABLE_TYPES:
            if self.model.set_presence(sender.bare, sender.resource,
                                       ptype if ptype != "available" else "available",
                                       sub_text(presence, "status"), presence_priority(presence)):
                self.changed()
                self._say_change(sender.bare, "")
        elif ptype in ("unavailable", "error"):
            # an error presence means we cannot see the contact any more
            resource = sender.resource if ptype == "unavailable" else None
            if self.model.set_unavailable(sender.bare, resource or None):
                self.changed()
                self._say_change(sender.bare, sub_text(presence, "status") if ptype == "unavailable" else "")
        elif ptype == "subscribe":
            self._on_subscription_request(presence)

    # -- a contact's presence, said where we talk with them ------------------------------
    def presence_of(self, jid: str) -> Seen | None:
        """A contact's presence now (for a chat window's header); None when
        ``jid`` is not in the roster (we do not see their presence)."""
        contact = self.model.get(jid)
        return _seen(contact) if contact is not None else None

    def _say_change(self, jid: str, parting: str) -> None:
        """The contact's presence may have changed: a line in their chat window
        when what it shows differs from what was last said (never twice the same)."""
        contact = self.model.get(jid)
        if contact is None:
            return
        now = _seen(contact, parting)
        before = self._seen.get(contact.jid, OFFLINE)
        self._seen[contact.jid] = now
        if self.serial is not None and self.serial.idle() and self._chat_window(contact.jid) is None:
            # no chat window to say it in, and nothing queued that could open
            # one before this line's turn: the common case in a log-in's or a
            # presence storm's thousands (W6: a queued job, and its task, each)
            return
        text = change_line(contact.display_name, before, now)
        if text is None or joins_hidden(1, self.hide_joins_above):
            return
        line = Line(text, LineKind.EVENT)

        def show() -> None:
            window = self._chat_window(contact.jid)
            if window is not None:
                self.windows.add_line(window, line)

        async def in_order() -> None:
            show()
        if self.serial is not None:
            self.serial.submit(in_order)
        else:
            show()

    def _chat_window(self, jid: str):
        window = self.windows.find(self.session.jid, jid)
        return window if window is not None and window.is_chat else None

    def _on_subscription_request(self, presence: slixmpp.Presence) -> None:
        jid = presence["from"].bare
        contact = self.model.get(jid)
        if contact is not None and contact.subscription in ("from", "both"):
            return  # already granted: the server answers on its own
        already = contact is not None and contact.pending_in or any(
            c.jid == jid for c in self.model.outside_requests())
        self.model.add_request(jid)
        self.changed()
        if already:
            return
        line = f"{jid} asks to see your presence: /authorize {jid} or /deny {jid}"
        if presence["status"]:
            line += f' ("{sanitize_line(presence["status"])}")'
        self.windows.add_line(self.windows.status, Line(line, LineKind.EVENT), Activity.MESSAGES)

    def _on_subscribed(self, presence: slixmpp.Presence) -> None:
        self.windows.status_line(f"{presence['from'].bare} accepted your subscription request",
                                 LineKind.EVENT)

    def _on_unsubscribed(self, presence: slixmpp.Presence) -> None:
        contact = self.model.get(presence["from"].bare)
        if contact is not None and (contact.pending_out or contact.subscription in ("to", "both")):
            self.windows.status_line(
                f"{presence['from'].bare} refused or cancelled your subscription", LineKind.EVENT)

    # -- user actions ----------------------------------------------------------------
    def client(self) -> slixmpp.ClientXMPP:
        """The connection, or RosterError saying the account is offline."""
        return self.session.online_client(RosterError)

    async def _set_item(self, jid: str, name: str, groups: list[str]) -> None:
        xmpp = self.client()
        iq = xmpp.Iq()
        iq["type"] = "set"
        # No subscription attribute: only the server decides it (RFC 6121 2.1.2.2).
        iq["roster"]["items"] = {jid: {"name": xml_safe(name), "groups": [xml_safe(g) for g in groups]}}
        await self._send_iq(iq, f"cannot change {jid} in the roster")

    async def _send_iq(self, iq, failure: str) -> None:
        try:
            await iq.send(timeout=IQ_TIMEOUT)
        except IqError as exc:
            condition = exc.iq["error"]["condition"] or "error"
            text = exc.iq["error"]["text"]
            raise RosterError(f"{failure}: {condition}" + (f" ({sanitize_line(text)})" if text else "")) from None
        except IqTimeout:
            raise RosterError(f"{failure}: the server did not answer") from None

    async def add(self, jid: str, name: str = "", groups: list[str] | None = None) -> None:
        """Add ``jid``, ask to see their presence and pre-approve theirs (like
        Gajim's "share my status" default): if they ask back, the server
        grants it without asking us again."""
        xmpp = self.client()
        await self._set_item(jid, name, groups or [])
        xmpp.send_presence_subscription(pto=jid, ptype="subscribe")
        contact = self.model.get(jid)
        if contact is None or contact.subscription not in ("from", "both"):
            xmpp.send_presence(pto=jid, ptype="subscribed")
        if self.model.drop_request(jid):
            self.changed()

    async def remove(self, jid: str) -> None:
        """Remove the item; the server cancels both subscriptions."""
        xmpp = self.client()
        if self.model.get(jid) is None and not self.model.drop_request(jid):
            raise RosterError(f"{jid} is not in the roster")
        iq = xmpp.Iq()
        iq["type"] = "set"
        iq["roster"]["items"] = {jid: {"subscription": "remove"}}
        await self._send_iq(iq, f"cannot remove {jid}")
        self.changed()

    def _existing(self, jid: str):
        contact = self.model.get(jid)
        if contact is None:
            raise RosterError(f"{jid} is not in the roster (add it with /roster add {jid})")
        return contact

    async def rename(self, jid: str, name: str) -> None:
        contact = self._existing(jid)
        await self._set_item(jid, name, list(contact.groups))

    async def set_groups(self, jid: str, groups: list[str]) -> None:
        contact = self._existing(jid)
        await self._set_item(jid, contact.name, groups)

    def authorize(self, jid: str) -> None:
        """Let ``jid`` see our presence, and ask to see theirs when we do not
        yet (Gajim's default): a request answered is a mutual subscription."""
        xmpp = self.client()
        xmpp.send_presence(pto=jid, ptype="subscribed")
        contact = self.model.get(jid)
        if contact is None or (contact.subscription in ("none", "from") and not contact.pending_out):
            xmpp.send_presence_subscription(pto=jid, ptype="subscribe")
        self.model.drop_request(jid)
        self.changed()

    def deny(self, jid: str) -> None:
        """Refuse (or revoke) ``jid``'s subscription to our presence."""
        xmpp = self.client()
        xmpp.send_presence(pto=jid, ptype="unsubscribed")
        self.model.drop_request(jid)
        self.changed()


def _seen(contact: Contact, parting: str = "") -> Seen:
    """What a contact's presence shows: the best resource's, or offline (with
    the status text of their unavailable presence, ``parting``)."""
    best = contact.best
    if best is None:
        return Seen("offline", sanitize_line(parting).strip())
    return Seen(best.show, best.status.strip())


def _into_slixmpp(entry, values: dict) -> None:
    """One item into slixmpp's roster, as its own handler puts it there
    (``save`` derives the subscription; "remove" drops the item)."""
    entry["name"] = values["name"]
    entry["groups"] = list(values["groups"])
    entry["from"] = values["subscription"] in ("from", "both")
    entry["to"] = values["subscription"] in ("to", "both")
    entry["pending_out"] = values["pending_out"]
    entry.save(remove=values["subscription"] == "remove")


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


_ITEM = f"{{{ROSTER_NS}}}item"
_GROUP = f"{{{ROSTER_NS}}}group"


def leave_received_items_as_xml() -> None:
    """slixmpp wraps each <item/> of a roster it receives in a stanza object
    as it builds the iq (``Roster.plugin_tag_map``, filled by
    ``register_stanza_plugin(Roster, RosterItem, iterable=True)``; slixmpp
    1.17): 1,000 objects and ~0.57 MiB at a 1,000-contact log-in, alive with
    the iq, ~20 ms of CPU at 5,000 — and nothing reads them, our handler
    reads the XML (:func:`roster_items`).  Unmapped, a received roster's
    items stay XML (``iq['roster']['items']`` is empty for it); a roster
    item built to send (``iq['roster']['items'] = …``) is made as before.
    Idempotent."""
    RosterStanza.plugin_tag_map.pop(_ITEM, None)


def roster_items(query):
    """(bare JID, <item/>) of a roster <query/>, read from its XML as
    slixmpp's ``iq['roster']['items']`` reads them (an invalid JID skipped)
    without a stanza object per item: at 1,000 contacts that was most of
    applying a roster (the whole update: 28 → 10 ms of CPU)."""
    for item in query.iterfind(_ITEM):
        try:
            jid = slixmpp.JID(item.get("jid") or "")
        except InvalidJID:
            log.warning("invalid JID in roster: %r", item.get("jid"))
            continue
        yield jid.bare, item
