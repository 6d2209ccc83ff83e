"""One stanza handler in front of slixmpp's message handlers (issue 14).

slixmpp tries every received stanza against every registered handler, in
order, before running the ones that matched.  The plugins we load register
about twenty-five handlers that can only match a ``<message/>`` — most of
them ``StanzaPath("message/<plugin>…")``, which fails by walking the stanza
twice (the second time re-parsing its path string) — so each presence, iq
and message paid for all of them: ~40 % of a flood's receiving CPU.

``route_message_handlers(xmpp)`` puts those handlers behind one
``MessageRouter`` at the place of the first of them.  The router matches
nothing but message stanzas; for a message it skips a ``message/X…``
stanza path at once when the stanza holds no ``X`` plugin (the only way
such a path can match, see ``ElementBase.match``), and asks every other
routed handler its own matcher.  What matched runs as slixmpp would run it:
all matches are decided before any handler runs, then each one's
``prerun``/``run`` in the registration order, an exception goes to
``stanza.exception``, a spent one-shot handler is dropped.

Handlers registered after the routing (an archive query's collector, an iq's
answer) stay in slixmpp's own list.  Parlons never unloads a plugin, so a
routed handler is never removed by name (``remove_handler`` would not find
it; slixmpp's plugins call it only from ``plugin_end``).
"""

from __future__ import annotations

from typing import Any, cast

import slixmpp
from slixmpp.xmlstream.handler.base import BaseHandler
from slixmpp.xmlstream.matcher.base import MatcherBase
from slixmpp.xmlstream.matcher.stanzapath import StanzaPath
from slixmpp.xmlstream.matcher.xmlmask import MatchXMLMask
from slixmpp.xmlstream.matcher.xpath import MatchXPath

MESSAGE = "message"
_MESSAGE_TAGS = ("{jabber:client}message", "message")


def _handlers(xmpp: slixmpp.ClientXMPP) -> list[BaseHandler]:
    """slixmpp 1.17 keeps its handlers in a private list and offers no way to
    read them (only to append one, or remove one by name)."""
    return xmpp._XMLStream__handlers  # type: ignore[attr-defined]


def _plugin_needed(handler: BaseHandler) -> str | None:
    """For ``StanzaPath("message/X…")``: X, the plugin a message must hold to match."""
    raw = cast(StanzaPath, handler._matcher)._raw_criteria
    path = raw.split("/")
    if "{" in raw or len(path) < 2 or path[0] != MESSAGE or "@" in path[1]:
        return None  # a namespace or an attribute test: its own matcher decides
    return path[1]


def _only_messages(handler: BaseHandler) -> bool:
    """Can this handler match nothing but a message stanza?"""
    matcher = getattr(handler, "_matcher", None)
    if isinstance(matcher, StanzaPath):
        first = matcher._raw_criteria.split("/")[0]
        return first.split("@")[0] == MESSAGE
    if isinstance(matcher, MatchXPath):
        return any(matcher._criteria.startswith(tag + "/") or matcher._criteria == tag
                   for tag in _MESSAGE_TAGS)
    if isinstance(matcher, MatchXMLMask):
        return matcher._criteria.tag in _MESSAGE_TAGS
    return False


class MessageRouter(BaseHandler):
    """The routed handlers, tried only against message stanzas."""

    def __init__(self, routed: list[BaseHandler]) -> None:
        super().__init__("Parlons message router", matcher=MatcherBase("message router"))
        self.routed = routed
        self._needs = [_plugin_needed(h) if isinstance(h._matcher, StanzaPath) else None for h in routed]
        self._matched: dict[int, list[BaseHandler]] = {}

    def match(self, stanza: Any) -> bool:
        if stanza.name != MESSAGE:
            return False
        present = {name for name, _lang in stanza.plugins}
        exact = bool(stanza.iterables)  # substanzas: let each matcher decide
        matched = [
            handler for handler, needs in zip(self.routed, self._needs)
            if (needs is None or needs in present or exact or needs in stanza.sub_interfaces)
            and handler.match(stanza)
        ]
        if not matched:
            return False
        if len(self._matched) > 64:  # a stanza matched but never run (another match raised)
            self._matched.clear()
        self._matched[id(stanza)] = matched
        return True

    def prerun(self, payload: Any) -> None:
        pass  # each routed handler's prerun runs just before its run, as slixmpp does

    def run(self, payload: Any, instream: bool = False) -> None:
        for handler in self._matched.pop(id(payload), []):
            handler.prerun(payload)
            try:
                handler.run(payload)
            except Exception as exc:  # as slixmpp's recv_stanza does
                payload.exception(exc)
            if handler.check_delete():
                self.routed_remove(handler)

    def routed_remove(self, handler: BaseHandler) -> None:
        index = self.routed.index(handler)
        del self.routed[index]
        del self._needs[index]

    def check_delete(self) -> bool:
        return False


def route_message_handlers(xmpp: slixmpp.ClientXMPP) -> MessageRouter | None:
    """Put the message-only handlers registered so far behind one router, at
    the first one's place; None when there are fewer than two."""
    handlers = _handlers(xmpp)
    routed = [h for h in handlers if _only_messages(h)]
    if len(routed) < 2:
        return None
    router = MessageRouter(routed)
    router.stream = routed[0].stream
    first = handlers.index(routed[0])
    handlers[:] = [*handlers[:first], router, *(h for h in handlers[first:] if h not in routed)]
    return router
