"""One stanza handler in front of slixmpp's handlers (issue 14).

slixmpp tries every received stanza against every registered handler, in
order, before running the ones that matched.  The plugins we load register
about forty-five; twenty-five of them can only match a ``<message/>`` —
mostly ``StanzaPath("message/<plugin>…")``, which fails by walking the
stanza twice (the second time re-parsing its path string) — and each
presence, iq and message paid for all of them: ~40 % of a flood's receiving
CPU went to matching.

``route_handlers(xmpp)`` puts the handlers registered so far behind one
``StanzaRouter`` at the head of slixmpp's list.  Each handler is tried only
against the stanzas its matcher can accept: a stanza path's first step names
the stanza (``message``, ``iq``, ``presence``), an XPath's or an XML mask's
root is an element tag — the router looks those up by the stanza's name and
tag (the test ``ElementBase.match`` itself makes first).  A stanza path
``message/X…`` (or ``presence/X…``, ``iq/X…``) is then skipped at once when
the stanza holds no ``X`` plugin, the only way such a path can match: a
contact's presence is no longer walked by the MUC and caps paths (~17 µs a
presence, 5,000 of them in a presence storm).  Every handler that is not skipped is
asked its own matcher, so what matches is what slixmpp would match.  What
matched runs as slixmpp runs it: all matches are decided before any handler
runs, then each one's ``prerun``/``run`` in the registration order, an
exception goes to ``stanza.exception``, a spent one-shot handler is dropped.

Two matchers are asked more cheaply, with the same answer.  An XML mask
(the MUC plugin's three, ``<message type='groupchat'><body/></message>``…)
can only match a stanza that carries each attribute of its root with the
mask's value — the first thing ``MatchXMLMask._mask_cmp`` compares after
the tag — so the router compares those first (a room's message is no
longer walked by the error mask).  An XPath made of plain steps only
(``{jabber:client}message/{jabber:client}body``: no ``.``, ``*``, ``//``,
predicate or attribute) matches when the stanza's root has the first step's
tag and holds the rest of the path; ``MatchXPath`` finds that by wrapping
the stanza in a new element each time, the router asks the stanza itself.

Only a head of the list made of handlers it can classify is routed: a
handler with another kind of matcher (an iq's answer waiter) and everything
after it keep their place, so no handler runs before one it followed.
Handlers registered later stay in slixmpp's own list.  Parlons never
unloads a plugin, so a routed handler is never removed by name
(``remove_handler`` would not find it; slixmpp's plugins call it only from
``plugin_end``).
"""

from __future__ import annotations

import re
from typing import Any, Callable, cast

import slixmpp
from slixmpp.xmlstream.handler.base import BaseHandler
from slixmpp.xmlstream.matcher.base import MatcherBase
from slixmpp.xmlstream.matcher.stanzapath import StanzaPath
from slixmpp.xmlstream.matcher.xmlmask import MatchXMLMask
from slixmpp.xmlstream.matcher.xpath import MatchXPath

STANZA_NAMES = ("message", "presence", "iq")
PLUGIN_SETS = 256  # the mixes of payloads whose candidate routes are remembered


def handler_list(xmpp: slixmpp.ClientXMPP) -> list[BaseHandler]:
    """slixmpp 1.17 keeps its handlers in a private list and offers no way to
    read them (only to append one, or remove one by name)."""
    return xmpp._XMLStream__handlers  # type: ignore[attr-defined]


class Route:
    """A routed handler: the stanzas it can match, the plugin such a stanza
    needs, the root attributes it must carry (an XML mask's) and how to ask
    the handler's matcher."""
    __slots__ = ("handler", "name", "tag", "needs", "attributes", "match")

    def __init__(self, handler: BaseHandler, name: str | None, tag: str | None, needs: str | None,
                 attributes: tuple[tuple[str, str], ...] = (),
                 match: Callable[[Any], bool] | None = None) -> None:
        self.handler, self.name, self.tag, self.needs = handler, name, tag, needs
        self.attributes = attributes
        self.match: Callable[[Any], bool] = match or handler.match

    def accepts(self, stanza: Any) -> bool:
        """Can the handler's matcher say yes to this stanza at all?"""
        if self.tag is not None:
            return stanza.xml.tag == self.tag
        name = self.name
        return name == stanza.name or name in stanza.loaded_plugins or name in stanza.plugin_attrib

    def may_match(self, stanza: Any) -> bool:
        """Does the stanza's root carry the mask's attributes (none asked of
        other routes)?  Its plugins were looked at when the route was picked
        for it (``StanzaRouter._candidates``)."""
        attrib = stanza.xml.attrib
        # (the mask's own comparison: an absent attribute never equals a value)
        return not any(attrib.get(name, "__None__") != value for name, value in self.attributes)


def route_of(handler: BaseHandler) -> Route | None:
    """How to pre-select the stanzas of this handler; None when its matcher is of another kind."""
    matcher = getattr(handler, "_matcher", None)
    if isinstance(matcher, StanzaPath):
        raw = matcher._raw_criteria
        path = raw.split("/")
        name = path[0].split("@")[0]
        if "{" in raw or name not in STANZA_NAMES:
            return None
        needs = path[1] if len(path) > 1 and "@" not in path[1] else None
        return Route(handler, name, None, needs)
    if isinstance(matcher, MatchXPath):
        root = _xpath_root(matcher._criteria)
        if root is None:
            return None
        return Route(handler, None, root, None, match=_plain_path_match(handler, matcher, root))
    if isinstance(matcher, MatchXMLMask):
        mask = cast(Any, matcher._criteria)
        if not mask.tag.startswith("{"):
            return None
        attributes = tuple(mask.attrib.items()) if _asks_its_matcher(handler, matcher, MatchXMLMask) else ()
        return Route(handler, None, mask.tag, None, attributes=attributes)
    return None


def _asks_its_matcher(handler: BaseHandler, matcher: MatcherBase, kind: type[MatcherBase]) -> bool:
    """Does the handler's match ask ``kind``'s own match, unchanged?"""
    return type(handler).match is BaseHandler.match and type(matcher).match is kind.match


_NOT_PLAIN = re.compile(r"[.*\[\]@]|//")


def _plain_path_match(handler: BaseHandler, matcher: MatchXPath, root: str) -> Callable[[Any], bool] | None:
    """What ``matcher`` answers, asked of the stanza itself, when its path
    is plain steps only (see the module's docstring); None otherwise."""
    criteria = matcher._criteria
    rest = criteria[len(root) + 1:]
    if not _asks_its_matcher(handler, matcher, MatchXPath) or _NOT_PLAIN.search(
            re.sub(r"\{[^}]*\}", "", criteria)):
        return None
    if not rest:
        return lambda stanza: stanza.xml.tag == root
    return lambda stanza: stanza.xml.tag == root and stanza.xml.find(rest) is not None


def _xpath_root(criteria: str) -> str | None:
    """The root tag of a namespaced XPath (``{ns}name/…``), or None."""
    if not criteria.startswith("{"):
        return None
    close = criteria.find("}")
    slash = criteria.find("/", close)
    root = criteria if slash < 0 else criteria[:slash]
    return root if "[" not in root and "*" not in root else None


class StanzaRouter(BaseHandler):
    """The routed handlers, each tried only against stanzas it could match."""

    def __init__(self, routes: list[Route]) -> None:
        super().__init__("Parlons stanza router", matcher=MatcherBase("stanza router"))
        self.routes = routes
        self._by_kind: dict[tuple[type, str, int], list[Route]] = {}
        # ... and of those, the ones whose plugin is there (a stanza with no iterables)
        self._by_plugins: dict[tuple[tuple[type, str, int], frozenset[str]], list[Route]] = {}
        self._matched: dict[int, list[BaseHandler]] = {}

    @property
    def handlers(self) -> list[BaseHandler]:
        return [route.handler for route in self.routes]

    def _candidates(self, stanza: Any) -> list[Route]:
        # what can match depends on the stanza's class (name, plugins) and its root tag
        key = (type(stanza), stanza.xml.tag, len(stanza.loaded_plugins))
        routes = self._by_kind.get(key)
        if routes is None:
            routes = self._by_kind[key] = [r for r in self.routes if r.accepts(stanza)]
        if stanza.iterables:
            return routes  # (any stanza path may match through them: each is asked)
        present = frozenset([name for name, _lang in stanza.plugins])
        narrowed = self._by_plugins.get((key, present))
        if narrowed is None:
            if len(self._by_plugins) >= PLUGIN_SETS:  # a peer sending every mix of payloads
                self._by_plugins.clear()
            interfaces = stanza.sub_interfaces
            narrowed = self._by_plugins[key, present] = [
                r for r in routes if r.needs is None or r.needs in present or r.needs in interfaces]
        return narrowed

    def match(self, stanza: Any) -> bool:
        matched = [route.handler for route in self._candidates(stanza)
                   if route.may_match(stanza) and route.match(stanza)]
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
                self.routes = [r for r in self.routes if r.handler is not handler]
                self._by_kind.clear()
                self._by_plugins.clear()

    def check_delete(self) -> bool:
        return False


def route_handlers(xmpp: slixmpp.ClientXMPP) -> StanzaRouter | None:
    """Put the head of slixmpp's handler list that can be pre-selected by
    stanza behind one router; None when there are fewer than two."""
    handlers = handler_list(xmpp)
    routes: list[Route] = []
    for handler in handlers:
        route = route_of(handler)
        if route is None:
            break
        routes.append(route)
    if len(routes) < 2:
        return None
    router = StanzaRouter(routes)
    router.stream = routes[0].handler.stream
    handlers[:len(routes)] = [router]
    return router
