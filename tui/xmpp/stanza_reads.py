"""What slixmpp's stanza interface reads, read from the XML at once (issue 14).

A read of slixmpp's interface (``msg["body"]``, ``presence["from"]`` ...)
costs 1-2.5 µs: the getter's dispatch (a split, the plugin overrides, a
hasattr and a getattr), then the language rule for a sub-element's text.
A message's facts read five of them, half of the ~15 µs they took; a
contact's presence was read fifteen times on its way through slixmpp and
Parlons.  These readers give the same answers from the XML, and ask
slixmpp wherever its answer could differ: a stanza class other than
slixmpp's ``Message`` and ``Presence`` (a subclass may read otherwise), a
plugin overriding the getter, more than one of the sub-element (slixmpp
picks one by language; with one or none, its answer is that one's text,
or "").  Each is checked against slixmpp's own reading by a differential
test (tests/unit/test_stanza_reads.py).
"""

from __future__ import annotations

from slixmpp import JID, Message, Presence

_ROOTS = (Message, Presence)
_MESSAGE, _PRESENCE = (Message,), (Presence,)
# The sub-elements read as slixmpp's generic rule reads them: no getter of
# the class's own (slixmpp 1.17: a message's body, a presence's show and status).
_GENERIC = frozenset((cls, name) for cls, names in ((Message, ("body", "subject", "thread")),
                                                    (Presence, ("show", "status")))
                     for name in names if not hasattr(cls, f"get_{name}"))


def plain(stanza, getter: str, classes: tuple[type, ...] = _ROOTS) -> bool:
    """``stanza`` is of one of ``classes`` exactly (not a subclass, which may
    read otherwise) and no plugin overrides its ``getter``: what its class's
    getter answers is what a reader of the XML at once may answer."""
    return type(stanza) in classes and not (stanza.plugin_overrides and getter in stanza.plugin_overrides)


def jid_attribute(stanza, name: str) -> JID:
    """``stanza["from"]`` or ``stanza["to"]``."""
    return JID(stanza.xml.attrib.get(name, "")) if plain(stanza, "get_" + name) else stanza[name]


def sub_text(stanza, name: str) -> str:
    """``stanza[name]`` for a sub-element's text (a message's body, a
    presence's status)."""
    if (type(stanza), name) not in _GENERIC or not plain(stanza, "get_" + name):
        return stanza[name]
    found = _sub_text(stanza, name)
    return stanza[name] if found is None else found


def _sub_text(stanza, name: str) -> str | None:
    """The only ``name`` sub-element's text ("" when there is none); None
    when there are several (slixmpp's language rule picks)."""
    elements = stanza.xml.findall(f"{{{stanza.namespace}}}{name}")
    if len(elements) > 1:
        return None
    return (elements[0].text or "") if elements else ""


def message_type(msg) -> str:
    """``msg["type"]``: "normal" when absent (a presence's type has its own
    rule: ``presence_dispatch.type_of``)."""
    return msg.xml.attrib.get("type", "normal") if plain(msg, "get_type", _MESSAGE) else msg["type"]


def message_id(msg) -> str:
    """``msg["id"]``: "" when absent."""
    return (msg.xml.attrib.get("id") or "") if plain(msg, "get_id") else msg["id"]


def presence_priority(presence) -> int:
    """``presence["priority"]``: slixmpp's ``Presence.get_priority`` (the
    text as an integer, 0 when absent or not a number)."""
    if not plain(presence, "get_priority", _PRESENCE) or Presence.get_priority is not _get_priority:
        return presence["priority"]
    text = _sub_text(presence, "priority")
    if text is None:
        return presence["priority"]
    try:
        return int(text) if text else 0
    except ValueError:
        return 0


_get_priority = Presence.get_priority
