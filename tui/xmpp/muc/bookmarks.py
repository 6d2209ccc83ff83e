"""Room bookmarks: XEP-0402 (PEP native bookmarks), XEP-0048 as fallback.

Which one: XEP-0402 when the account advertises ``urn:xmpp:bookmarks:1#compat``
(the server keeps both stores in sync, so older clients see our bookmarks),
else XEP-0048 in private XML storage (XEP-0049), which every server has.

XEP-0402 keeps one PEP item per room (item id = room JID) and tells every
resource that asked (``+notify``) about changes: bookmarks another client
adds or removes show up here without a reload. Only notifications from our
own account are believed: a contact publishing a node of the same name
would otherwise plant bookmarks (and autojoins) on us.

On every fresh session (first connect, and after a reconnect that could
not resume) bookmarks are loaded and the autojoin rooms are handed to
``on_autojoin(room_jid, nick, password)``, the seam to the MUC service
(a resumed session is still in its rooms: nothing to do).
"""

from __future__ import annotations

import asyncio
import builtins
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.plugins.xep_0048.stanza import Bookmarks as LegacyStorage

from ...core.events import EventBus
from ...core.model import LineKind
from ...core.windows import WindowList
from ...logging_setup import add_secret
from ...text import sanitize_line, xml_safe
from ..forms import form_to_stanza
from ...core.forms import DataForm, FormField
from ..account.session import AccountSession

log = logging.getLogger(__name__)

NS = "urn:xmpp:bookmarks:1"
COMPAT_FEATURE = f"{NS}#compat"
LEGACY_NS = "storage:bookmarks"
PUBSUB_EVENT_NS = "http://jabber.org/protocol/pubsub#event"
IQ_TIMEOUT = 15
PUBLISH_OPTIONS = {
    "pubsub#persist_items": "true",
    "pubsub#max_items": "max",
    "pubsub#send_last_published_item": "never",
    "pubsub#access_model": "whitelist",
}

AutojoinCallback = Callable[[str, "str | None", "str | None"], "Awaitable[Any] | Any"]


@dataclass(frozen=True)
class Bookmark:
    jid: str  # bare room JID, lower-case
    name: str | None = None
    nick: str | None = None
    password: str | None = None
    autojoin: bool = False


class BookmarkError(Exception):
    """A bookmark operation failed; ``str()`` is the one line to show."""


# -- XML ⇄ Bookmark (pure) ------------------------------------------------------
def _child_text(element: ET.Element, tag: str) -> str | None:
    child = element.find(tag)
    return (child.text or "") if child is not None else None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


def room_jid(text: str) -> str | None:
    """A bare room JID from an item id / attribute, or None when it is not one."""
    jid = (text or "").strip().split("/", 1)[0].lower()
    local, at, domain = jid.partition("@")
    return jid if at and local and domain and " " not in jid else None


def bookmark_from_conference(jid: str, element: ET.Element) -> Bookmark:
    """XEP-0402: ``<conference xmlns='urn:xmpp:bookmarks:1'>`` of item ``jid``."""
    return _bookmark(NS, jid, element)


def conference_from_bookmark(bookmark: Bookmark, extensions: ET.Element | None = None) -> ET.Element:
    """XEP-0402 payload; ``extensions`` (other clients' data) is carried over."""
    element = _conference(NS, bookmark, {})
    if extensions is not None:
        element.append(extensions)
    return element


def bookmark_from_legacy(element: ET.Element) -> Bookmark | None:
    """XEP-0048: ``<conference jid=... name=... autojoin=...>`` in ``storage:bookmarks``."""
    jid = room_jid(element.get("jid", ""))
    if jid is None:
        return None
    return _bookmark(LEGACY_NS, jid, element)


def _bookmark(ns: str, jid: str, element: ET.Element) -> Bookmark:
    """The fields both XEPs share, read from ``<conference/>`` in namespace ``ns``."""
    return Bookmark(
        jid=jid,
        name=element.get("name") or None,
        nick=_child_text(element, f"{{{ns}}}nick") or None,
        password=_child_text(element, f"{{{ns}}}password") or None,
        autojoin=_truthy(element.get("autojoin")),
    )


def legacy_from_bookmark(bookmark: Bookmark) -> ET.Element:
    """XEP-0048: the room JID is an attribute (XEP-0402 has it as the item id)."""
    return _conference(LEGACY_NS, bookmark, {"jid": bookmark.jid})


def _conference(ns: str, bookmark: Bookmark, attrs: dict[str, str]) -> ET.Element:
    """``<conference/>`` in namespace ``ns``: the same fields in both XEPs."""
    attrs = {**attrs, "autojoin": "true" if bookmark.autojoin else "false"}
    if bookmark.name:
        attrs["name"] = xml_safe(bookmark.name)
    element = ET.Element(f"{{{ns}}}conference", attrs)
    if bookmark.nick:
        ET.SubElement(element, f"{{{ns}}}nick").text = xml_safe(bookmark.nick)
    if bookmark.password:
        ET.SubElement(element, f"{{{ns}}}password").text = xml_safe(bookmark.password)
    return element


def publish_options():
    fields = [FormField(var="FORM_TYPE", type="hidden",
                        values=["http://jabber.org/protocol/pubsub#publish-options"])]
    fields += [FormField(var=var, values=[value]) for var, value in PUBLISH_OPTIONS.items()]
    return form_to_stanza(DataForm(type="submit", fields=fields))


def _describe(exc: Exception) -> str:
    if isinstance(exc, IqTimeout):
        return "no answer from the server"
    if isinstance(exc, IqError):
        text = exc.iq["error"]["text"]
        condition = exc.iq["error"]["condition"] or "error"
        return sanitize_line(f"{condition} ({text})" if text else condition)
    return sanitize_line(str(exc)) or type(exc).__name__


# -- the service --------------------------------------------------------------------
class BookmarksService:
    def __init__(self, session: AccountSession, windows: WindowList, bus: EventBus) -> None:
        self.session = session
        self.windows = windows
        self.bus = bus
        self.mode: str | None = None  # "0402" | "0048", decided on load
        self.force_mode: str | None = None  # skip detection (tests of the fallback)
        self.loaded = False
        self.on_autojoin: AutojoinCallback | None = None
        self._items: dict[str, Bookmark] = {}
        self._extensions: dict[str, ET.Element] = {}  # 0402 <extensions> kept for re-publishing
        self._lock = asyncio.Lock()  # read-modify-write of the 0048 store must not interleave
        self._start_task: asyncio.Task | None = None
        session.on_client_created(self._attach)

    # -- wiring ----------------------------------------------------------------------
    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        for plugin in ("xep_0049", "xep_0060", "xep_0163"):
            xmpp.register_plugin(plugin)
        xmpp.plugin["xep_0049"].register(LegacyStorage)
        # +notify in our caps: the server sends us changes made by other clients.
        xmpp.plugin["xep_0163"].add_interest(NS)
        xmpp.plugin["xep_0060"].map_node_event(NS, "bookmarks")
        for event in ("bookmarks_publish", "bookmarks_retract", "bookmarks_purge"):
            xmpp.add_event_handler(event, self._on_notification)
        xmpp.add_event_handler("session_start", self._on_session_start)

    def _on_session_start(self, _event) -> None:
        self.loaded = False
        self._start_task = asyncio.ensure_future(self._load_and_autojoin())

    async def _load_and_autojoin(self) -> None:
        try:
            await self.load()
        except BookmarkError as exc:
            self.windows.status_line(f"{self.session.jid}: bookmarks unavailable: {exc}", LineKind.ERROR)
            return
        except Exception:  # e.g. the connection dropped mid-way: the next session retries
            log.exception("%s: loading bookmarks failed", self.session.jid)
            return
        await self.autojoin_all()

    # -- queries ---------------------------------------------------------------------
    def list(self) -> builtins.list[Bookmark]:
        return sorted(self._items.values(), key=lambda b: ((b.name or b.jid).casefold(), b.jid))

    def get(self, jid: str) -> Bookmark | None:
        return self._items.get(jid.lower())

    def _xmpp(self) -> slixmpp.ClientXMPP:
        xmpp = self.session.xmpp
        if xmpp is None or not self.session.online:
            raise BookmarkError("not connected")
        return xmpp

    # -- load ------------------------------------------------------------------------
    async def load(self) -> builtins.list[Bookmark]:
        xmpp = self._xmpp()
        async with self._lock:
            self.mode = await self._detect_mode(xmpp)
            try:
                if self.mode == "0402":
                    items, extensions = await self._fetch_pep(xmpp)
                else:
                    items, extensions = await self._fetch_private(xmpp), {}
            except (IqError, IqTimeout) as exc:
                raise BookmarkError(_describe(exc)) from exc
            self._items, self._extensions = items, extensions
            for bookmark in items.values():
                add_secret(bookmark.password)
            self.loaded = True
        log.info("%s: %d bookmarks (XEP-%s)", self.session.jid, len(self._items), self.mode)
        return self.list()

    async def _detect_mode(self, xmpp: slixmpp.ClientXMPP) -> str:
        if self.force_mode:
            return self.force_mode
        try:
            info = await xmpp.plugin["xep_0030"].get_info(jid=xmpp.boundjid.bare, timeout=IQ_TIMEOUT)
        except (IqError, IqTimeout) as exc:
            log.info("%s: account disco#info failed (%s): XEP-0048 bookmarks", self.session.jid, exc)
            return "0048"
        return "0402" if COMPAT_FEATURE in info["disco_info"]["features"] else "0048"

    async def _fetch_pep(self, xmpp) -> tuple[dict[str, Bookmark], dict[str, ET.Element]]:
        try:
            result = await xmpp.plugin["xep_0060"].get_items(xmpp.boundjid.bare, NS, timeout=IQ_TIMEOUT)
        except IqError as exc:
            if exc.iq["error"]["condition"] == "item-not-found":
                return {}, {}  # no bookmark was ever published
            raise
        items: dict[str, Bookmark] = {}
        extensions: dict[str, ET.Element] = {}
        for item in result.xml.iter("{http://jabber.org/protocol/pubsub}item"):
            self._take_item(item, items, extensions)
        return items, extensions

    @staticmethod
    def _take_item(item: ET.Element, items: dict, extensions: dict) -> Bookmark | None:
        jid = room_jid(item.get("id", ""))
        conference = item.find(f"{{{NS}}}conference")
        if jid is None or conference is None:
            return None
        bookmark = bookmark_from_conference(jid, conference)
        items[jid] = bookmark
        found = conference.find(f"{{{NS}}}extensions")
        if found is not None:
            extensions[jid] = found
        else:
            extensions.pop(jid, None)
        return bookmark

    async def _retrieve_private(self, xmpp) -> ET.Element:
        result = await xmpp.plugin["xep_0049"].retrieve("bookmarks", timeout=IQ_TIMEOUT)
        storage = result.xml.find(f"{{jabber:iq:private}}query/{{{LEGACY_NS}}}storage")
        return storage if storage is not None else ET.Element(f"{{{LEGACY_NS}}}storage")

    async def _fetch_private(self, xmpp) -> dict[str, Bookmark]:
        storage = await self._retrieve_private(xmpp)
        items = {}
        for element in storage.findall(f"{{{LEGACY_NS}}}conference"):
            bookmark = bookmark_from_legacy(element)
            if bookmark is not None:
                items[bookmark.jid] = bookmark
        return items

    # -- changes -----------------------------------------------------------------------
    async def add(self, jid: str, name: str | None = None, nick: str | None = None,
                  password: str | None = None, autojoin: bool = False) -> Bookmark:
        """Bookmark a room (or replace its bookmark)."""
        room = room_jid(jid)
        if room is None:
            raise BookmarkError(f"not a room JID: {sanitize_line(jid)}")
        bookmark = Bookmark(room, name or None, nick or None, password or None, bool(autojoin))
        add_secret(bookmark.password)
        xmpp = self._xmpp()
        await self._ensure_loaded()
        async with self._lock:
            try:
                if self.mode == "0402":
                    await self._publish(xmpp, bookmark)
                else:
                    await self._store_private(xmpp, replace=bookmark.jid, add=bookmark)
            except (IqError, IqTimeout) as exc:
                raise BookmarkError(_describe(exc)) from exc
            self._items[room] = bookmark
        return bookmark

    async def remove(self, jid: str) -> Bookmark:
        room = room_jid(jid)
        xmpp = self._xmpp()
        await self._ensure_loaded()
        bookmark = self._items.get(room or "")
        if room is None or bookmark is None:
            raise BookmarkError(f"no bookmark for {sanitize_line(jid)}")
        async with self._lock:
            try:
                if self.mode == "0402":
                    await xmpp.plugin["xep_0060"].retract(
                        xmpp.boundjid.bare, NS, room, notify=True, timeout=IQ_TIMEOUT)
                else:
                    await self._store_private(xmpp, replace=room, add=None)
            except IqError as exc:
                if exc.iq["error"]["condition"] != "item-not-found":  # already gone: fine
                    raise BookmarkError(_describe(exc)) from exc
            except IqTimeout as exc:
                raise BookmarkError(_describe(exc)) from exc
            self._items.pop(room, None)
            self._extensions.pop(room, None)
        return bookmark

    async def _ensure_loaded(self) -> None:
        if not self.loaded:
            await self.load()

    async def _publish(self, xmpp, bookmark: Bookmark) -> None:
        payload = conference_from_bookmark(bookmark, self._extensions.get(bookmark.jid))
        pubsub = xmpp.plugin["xep_0060"]
        try:
            await pubsub.publish(xmpp.boundjid.bare, NS, id=bookmark.jid, payload=payload,
                                 options=publish_options(), timeout=IQ_TIMEOUT)
        except IqError as exc:
            # A node configured otherwise (by another client) refuses our
            # options as preconditions; the bookmark matters more than them.
            if exc.iq["error"]["condition"] not in ("conflict", "not-acceptable"):
                raise
            log.info("%s: bookmark publish options refused, publishing without", self.session.jid)
            await pubsub.publish(xmpp.boundjid.bare, NS, id=bookmark.jid,
                                 payload=conference_from_bookmark(bookmark, self._extensions.get(bookmark.jid)),
                                 timeout=IQ_TIMEOUT)

    async def _store_private(self, xmpp, *, replace: str, add: Bookmark | None) -> None:
        """Read-modify-write of the whole XEP-0048 store; URLs and other
        clients' entries are kept as they are."""
        storage = await self._retrieve_private(xmpp)
        for element in storage.findall(f"{{{LEGACY_NS}}}conference"):
            if room_jid(element.get("jid", "")) == replace:
                storage.remove(element)
        if add is not None:
            storage.append(legacy_from_bookmark(add))
        await xmpp.plugin["xep_0049"].store(LegacyStorage(xml=storage), timeout=IQ_TIMEOUT)

    # -- live updates ----------------------------------------------------------------
    def _on_notification(self, msg: slixmpp.Message) -> None:
        xmpp = self.session.xmpp
        sender = msg["from"].bare
        if xmpp is None or (sender and sender != xmpp.boundjid.bare):
            log.info("%s: ignored a bookmarks notification from %s", self.session.jid, sender)
            return
        event = msg.xml.find(f"{{{PUBSUB_EVENT_NS}}}event")
        if event is None:
            return
        purge = event.find(f"{{{PUBSUB_EVENT_NS}}}purge")
        if purge is not None and purge.get("node") == NS:
            self._items.clear()
            self._extensions.clear()
            return
        for items in event.findall(f"{{{PUBSUB_EVENT_NS}}}items"):
            if items.get("node") != NS:
                continue
            for child in items:
                if child.tag == f"{{{PUBSUB_EVENT_NS}}}item":
                    bookmark = self._take_item(child, self._items, self._extensions)
                    if bookmark is not None:
                        add_secret(bookmark.password)
                elif child.tag == f"{{{PUBSUB_EVENT_NS}}}retract":
                    room = room_jid(child.get("id", ""))
                    if room:
                        self._items.pop(room, None)
                        self._extensions.pop(room, None)

    # -- autojoin ------------------------------------------------------------------------
    async def autojoin_all(self) -> None:
        """Hand every autojoin bookmark to ``on_autojoin`` (joins run concurrently)."""
        rooms = [b for b in self.list() if b.autojoin]
        if not rooms:
            return
        if self.on_autojoin is None:
            log.info("%s: %d autojoin bookmarks, nothing to join them with", self.session.jid, len(rooms))
            return
        await asyncio.gather(*(self._autojoin(b) for b in rooms))

    async def _autojoin(self, bookmark: Bookmark) -> None:
        try:
            if self.on_autojoin is None:
                return
            result = self.on_autojoin(bookmark.jid, bookmark.nick, bookmark.password)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.info("autojoin %s failed", bookmark.jid, exc_info=True)
            self.windows.status_line(
                f"{self.session.jid}: autojoin of bookmarked room {bookmark.jid} failed: "
                f"{_describe(exc)}", LineKind.ERROR)
