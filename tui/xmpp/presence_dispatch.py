"""slixmpp's handling of a received presence, made cheaper (issue 14).

A contact's presence storm (W6: 5,000 presences) costs slixmpp more than it
costs us; four parts of it are replaced here by equivalents, each
checked against slixmpp's own by a differential test
(tests/unit/test_presence_dispatch.py).

**Its type.** slixmpp 1.17's ``Presence.get_type`` (what
``presence['type']`` calls) reads the ``type`` attribute and, when there is
none, the ``<show/>`` element twice through the stanza interface
(``__getitem__`` → language lookup → namespace fixing → ``findall``):
~5.5 µs each time on this machine, and a contact's presence was asked its
type about seven times on its way through slixmpp's dispatch, its roster
and our handlers — a third of what a presence storm cost us.
``read_presence_type_at_once()`` replaces it with a reading of the same XML
that gives the same answer in every case: the attribute when it is set;
else the first ``<show/>`` element's text when that element carries no
``xml:lang`` (the one slixmpp's language rule picks then), which is the
type when it is a show value ("away", "chat", "dnd", "xa"); else
"available".  Whatever else (a language-tagged ``<show/>``, a plugin
overriding ``get_show``) is left to slixmpp's own method.  Idempotent.

**Its dispatch.** ``BaseXMPP._handle_presence`` (the "Presence" handler)
reads the sender, the recipient and the type three or four times, and asks
``roster[sender]`` whether updates from it are ignored — which *creates* a
roster node (~0.3 KiB) for every contact or room that ever sent us a
presence, as if each were an account of ours.  ``dispatch_presences(xmpp)``
points that handler at ``_dispatch``, which fires the same events in the
same order ("presence", "presence_<type>", and "changed_subscription" for
the four subscription types), drops the same stanzas (an invalid sender or
recipient JID; a sender whose node ignores updates: the MUC plugin sets
that for rooms), reads each value once and creates no node.

**A room occupant's.** slixmpp's MUC plugin (``XEP_0045._handle_presence``)
keeps its own copy of every room's occupants: for each occupant presence
it reads every value of the ``<x/>`` (``get_stanza_values``, ~65 µs of the
~105 µs an occupant's presence cost us) into a dict, and fires ``muc::<room>::…`` events.
Parlons keeps occupants in its own ``Room`` model (``muc/presence.py``)
and listens to none of those events, nor calls the plugin's readers of
that copy (``get_roster``, ``get_jid_property``, …).
``dispatch_presences`` points the plugin's handler, when it is loaded,
at ``_room_presence``: "groupchat_presence" as before, and, for a room we
joined, the room's node marked to ignore updates (so the generic dispatch
leaves its presences to the MUC service, as before) — without the copy.

**A contact's resources in slixmpp's roster.** ``BaseXMPP._handle_available``
and ``_handle_unavailable`` (on the "presence_<type>" events) hand the
presence to the roster item, which reads the sender three times and the
show and status twice each through the stanza interface (seven reads,
~12 µs a presence).  ``dispatch_presences`` puts ``_available`` and
``_unavailable`` in their place in each event's handler list (the order
kept): the same resources kept, the same "got_online", "changed_status"
and "got_offline" events, each value read once from the XML
(``stanza_reads``).
"""

from __future__ import annotations

import logging
from functools import partial

import slixmpp
from slixmpp.jid import InvalidJID
from slixmpp.stanza import Presence
from slixmpp.types import ResourceDict
from slixmpp.xmlstream.stanzabase import XML_NS

from .stanza_reads import jid_attribute, plain, presence_priority, sub_text
from .stanza_router import StanzaRouter, handler_list

log = logging.getLogger(__name__)

_LANG = f"{{{XML_NS}}}lang"
_slixmpp_get_type = Presence.get_type


def presence_type(presence: Presence) -> str:
    """What slixmpp's ``Presence.get_type`` says, read from the XML at once."""
    xml = presence.xml
    out = xml.attrib.get("type")
    if out:
        return out
    if (presence.plugin_overrides and "get_show" in presence.plugin_overrides) or hasattr(presence, "get_show"):
        return _slixmpp_get_type(presence)
    show = xml.find(f"{{{presence.namespace}}}show")
    if show is None:
        return "available"
    if _LANG in show.attrib:
        return _slixmpp_get_type(presence)
    text = show.text
    return text if text in presence.showtypes else "available"


def read_presence_type_at_once() -> None:
    Presence.get_type = presence_type  # type: ignore[method-assign,assignment]


def type_of(presence: Presence) -> str:
    """``presence["type"]``, without the stanza interface's dispatch when its
    getter is ``presence_type`` (installed above)."""
    if Presence.get_type is presence_type and plain(presence, "get_type", (Presence,)):
        return presence_type(presence)
    return presence["type"]


SUBSCRIPTION_TYPES = ("subscribe", "subscribed", "unsubscribe", "unsubscribed")


def _dispatch(xmpp: slixmpp.ClientXMPP, presence: Presence) -> None:
    """What slixmpp 1.17's ``BaseXMPP._handle_presence`` does, each value read once."""
    try:
        sender = jid_attribute(presence, "from")
        jid_attribute(presence, "to")  # (read for its validity only, as slixmpp does)
    except InvalidJID:
        log.exception("Couldn't handle presence: %s", presence)
        return
    node = xmpp.roster._rosters.get(sender.bare)
    if node is not None and node.ignore_updates:
        return
    ptype = type_of(presence)
    xmpp.event("presence", presence)
    xmpp.event("presence_" + ptype, presence)
    if ptype in SUBSCRIPTION_TYPES:
        xmpp.event("changed_subscription", presence)


def _room_presence(xmpp: slixmpp.ClientXMPP, rooms: dict, presence: Presence) -> None:
    """What slixmpp 1.17's MUC plugin does with a presence from a room,
    except its copy of the occupants (see the module's docstring)."""
    xmpp.event("groupchat_presence", presence)
    sender = presence["from"]
    if sender.bare in rooms:
        xmpp.roster[sender].ignore_updates = True


def _repoint(xmpp: slixmpp.ClientXMPP, name: str, theirs, ours) -> bool:
    """Point slixmpp's handler ``name`` (routed or not) from ``theirs`` to
    ``ours``; False when there is no such handler (nothing changed)."""
    for handler in handler_list(xmpp):
        for one in handler.handlers if isinstance(handler, StanzaRouter) else (handler,):
            if one.name == name and getattr(one, "_pointer", None) == theirs:
                one._pointer = ours  # type: ignore[attr-defined]
                return True
    return False


def _available(xmpp: slixmpp.ClientXMPP, presence: Presence) -> None:
    """What slixmpp 1.17's ``BaseXMPP._handle_available`` and the roster
    item's ``handle_available`` do (the contact's resource in slixmpp's
    roster, "got_online", "changed_status"), each value read once."""
    sender = jid_attribute(presence, "from")
    item = xmpp.roster[jid_attribute(presence, "to")][sender]
    show, status = sub_text(presence, "show"), sub_text(presence, "status")
    resources = item.resources
    got_online = not resources
    resource = resources.setdefault(sender.resource, {})
    old_status, old_show = resource.get("status", ""), resource.get("show", None)
    resource.update(ResourceDict({"status": status, "show": show,  # type: ignore[typeddict-item]
                                  "priority": presence_priority(presence)}))
    if got_online:
        xmpp.event("got_online", presence)
    if old_show != show or old_status != status:
        xmpp.event("changed_status", presence)


def _unavailable(xmpp: slixmpp.ClientXMPP, presence: Presence) -> None:
    """What slixmpp 1.17's ``BaseXMPP._handle_unavailable`` and the roster
    item's ``handle_unavailable`` do, each value read once."""
    sender = jid_attribute(presence, "from")
    resources = xmpp.roster[jid_attribute(presence, "to")][sender].resources
    if not resources:
        return
    resources.pop(sender.resource, None)
    xmpp.event("changed_status", presence)
    if not resources:
        xmpp.event("got_offline", presence)


AVAILABLE_EVENTS = ("presence_available", "presence_dnd", "presence_xa", "presence_chat", "presence_away")


def _replace_event_handler(xmpp: slixmpp.ClientXMPP, event: str, theirs, ours) -> bool:
    """``ours`` in ``theirs``' place among ``event``'s handlers (the order
    kept: handlers of ours registered later still run after it); False when
    ``theirs`` is not there (nothing changed)."""
    handlers = getattr(xmpp, "_XMLStream__event_handlers", {}).get(event, [])  # (slixmpp 1.17's private list)
    for index, (callback, disposable) in enumerate(handlers):
        if callback == theirs:
            handlers[index] = (ours, disposable)
            return True
    return False


def dispatch_presences(xmpp: slixmpp.ClientXMPP) -> list[str]:
    """Our dispatch for slixmpp's presence handlers (the MUC plugin's when
    it is loaded) and its roster's keeping of contacts' resources; the names
    of those replaced."""
    done = []
    if _repoint(xmpp, "Presence", xmpp._handle_presence, partial(_dispatch, xmpp)):
        done.append("Presence")
    muc = xmpp.plugin["xep_0045"] if "xep_0045" in xmpp.plugin else None
    if muc is not None and not muc.multi_from and _repoint(
            xmpp, "MUCPresence", muc._handle_groupchat_presence, partial(_room_presence, xmpp, muc.rooms[None])):
        done.append("MUCPresence")
    available = partial(_available, xmpp)
    if all([_replace_event_handler(xmpp, event, xmpp._handle_available, available) for event in AVAILABLE_EVENTS]):
        done.append("available")
    if _replace_event_handler(xmpp, "presence_unavailable", xmpp._handle_unavailable, partial(_unavailable, xmpp)):
        done.append("unavailable")
    return done
