"""XEP-0277 microblogging: the Atom entry as slixmpp stanzas, and the plugin.

slixmpp has no XEP-0277 plugin, and its ``slixmpp.stanza.atom`` puts
``<author/>`` in the ``jabber:client`` namespace, so the Atom stanzas are
ours. What other clients write decides what we read and write:

- Movim and Libervia drop an entry without ``<title/>`` and ``<updated/>``;
  an entry without ``<content/>`` is a short post whose title *is* its text.
- Both write ``<content type="text">`` next to ``<content type="xhtml">``;
  we read the text one, else plain text extracted from the XHTML (or from
  escaped HTML), never markup.
- Both find the comments node by ``<link rel="replies" title="comments"
  href="xmpp:SERVICE?;node=NODE"/>`` and decode the href (Converse and the
  XEP percent-encode the node, Movim does not): we write it encoded and read
  both.
- ``<published/>`` falls back to ``<updated/>``; dates are XEP-0082 (UTC).
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.jid import InvalidJID
from slixmpp.plugins.base import BasePlugin, register_plugin
from slixmpp.plugins.xep_0059.stanza import Set as RsmSet
from slixmpp.plugins.xep_0060.stanza.pubsub import Item, Pubsub
from slixmpp.plugins.xep_0060.stanza.pubsub_event import EventItem
from slixmpp.xmlstream import ElementBase, register_stanza_plugin

from ..stamps import parse_stamp
from ...core.blog import Block, EntryLink, LINK_RELS
from .xhtml import MAX_TEXT_CHARS, TRUNCATED, html_blocks, html_text, xhtml_blocks, xhtml_text

NS_MICROBLOG = "urn:xmpp:microblog:0"
COMMENTS_PREFIX = f"{NS_MICROBLOG}:comments/"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_XHTML = "http://www.w3.org/1999/xhtml"


def _atom(tag: str) -> str:
    return f"{{{NS_ATOM}}}{tag}"


# -- dates ----------------------------------------------------------------------------
def parse_time(text: str | None) -> datetime | None:
    """An XEP-0082 / RFC 3339 date-time (``Z``, offsets, fractions) as aware
    UTC, within [1970, now] like every stamp (an entry dated in the future
    would stay the newest forever), or None."""
    return parse_stamp(text)


def format_time(when: datetime) -> str:
    """XEP-0082 in UTC; milliseconds when there are any (two posts of one
    second keep their order)."""
    when = when.astimezone(timezone.utc)
    fraction = f".{when.microsecond // 1000:03d}" if when.microsecond >= 1000 else ""
    return when.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


# -- xmpp: URIs (RFC 5122) ----------------------------------------------------------
def pubsub_uri(service: str, node: str, item: str | None = None) -> str:
    uri = f"xmpp:{service}?;node={quote(node, safe='')}"
    return uri + (f";item={quote(item, safe='')}" if item else "")


def parse_pubsub_uri(href: str | None) -> tuple[str, str, str | None] | None:
    """``xmpp:SERVICE?;node=NODE[;item=ID]`` → (bare service JID, node, item)."""
    if not href or not href.startswith("xmpp:"):
        return None
    path, _, query = href[5:].partition("?")
    params = dict(part.partition("=")[::2] for part in query.split(";") if "=" in part)
    node = unquote(params.get("node", ""))
    service = parse_bare_jid(unquote(path))
    if not node or not service:
        return None
    return service, node, unquote(params["item"]) if params.get("item") else None


def parse_bare_jid(text: str | None) -> str:
    """The bare JID in ``text`` (an ``xmpp:`` URI or a JID), or "" when it is not one.
    Untrusted text: slixmpp validates and normalises it (``core.jids.bare_jid``
    only trims a JID that is known to be one)."""
    text = (text or "").strip()
    if text.startswith("xmpp:"):
        text = text[5:].partition("?")[0]
    try:
        return JID(text).bare if text else ""
    except InvalidJID:
        return ""


def construct_text(elements: list[ET.Element]) -> str:
    """The text of the best of several Atom text constructs (title, content,
    summary): plain text first, then HTML, then XHTML."""
    by_type: dict[str, ET.Element] = {}
    for element in elements:
        by_type.setdefault((element.get("type") or "text").lower(), element)
    if "text" in by_type:
        text = "".join(by_type["text"].itertext()).strip()
        return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS].rstrip() + TRUNCATED
    if "html" in by_type:
        return html_text("".join(by_type["html"].itertext()))
    if "xhtml" in by_type:
        element = by_type["xhtml"]
        div = element.find(f"{{{NS_XHTML}}}div")
        return xhtml_text(div if div is not None else element)
    return ""


def construct_blocks(elements: list[ET.Element]) -> tuple[Block, ...]:
    """The styled blocks of the richest of several text constructs: XHTML,
    then HTML; () when there is only plain text (shown as it is)."""
    by_type: dict[str, ET.Element] = {}
    for element in elements:
        by_type.setdefault((element.get("type") or "text").lower(), element)
    if "xhtml" in by_type:
        element = by_type["xhtml"]
        div = element.find(f"{{{NS_XHTML}}}div")
        return xhtml_blocks(div if div is not None else element)
    if "html" in by_type:
        return html_blocks("".join(by_type["html"].itertext()))
    return ()


def entry_links(entry: ET.Element) -> tuple[EntryLink, ...]:
    """The links a reader is shown: what a repost shares (``related``),
    where it was found (``via``), enclosed files (``enclosure``)."""
    found = []
    for link in entry.findall(_atom("link")):
        rel = (link.get("rel") or "").strip().lower()
        if rel not in LINK_RELS:
            continue
        length = (link.get("length") or "").strip()
        found.append(EntryLink(rel, link.get("href") or "", link.get("title") or "", link.get("type") or "",
                               int(length) if length.isdigit() and len(length) < 19 else None))
    return tuple(found[:50])


# -- stanzas ------------------------------------------------------------------------------
class AtomAuthor(ElementBase):
    namespace = NS_ATOM
    name = "author"
    plugin_attrib = "author"
    interfaces = {"name", "uri", "jid"}
    sub_interfaces = {"name", "uri"}

    def get_jid(self) -> str:
        """The author's bare JID from ``<uri>xmpp:…</uri>``, "" when there is none."""
        uri: str = self._get_sub_text("uri")  # type: ignore[assignment]  # slixmpp types it str | dict: a dict only for lang="*"
        return parse_bare_jid(uri) if uri.startswith("xmpp:") else ""

    def set_jid(self, jid: str) -> None:
        self._set_sub_text("uri", f"xmpp:{jid}")


class AtomLink(ElementBase):
    namespace = NS_ATOM
    name = "link"
    plugin_attrib = "link"
    plugin_multi_attrib = "links"
    interfaces = {"rel", "href", "title", "type"}


class AtomCategory(ElementBase):
    namespace = NS_ATOM
    name = "category"
    plugin_attrib = "category"
    plugin_multi_attrib = "categories"
    interfaces = {"term", "label", "scheme"}


class AtomEntry(ElementBase):
    """``<entry xmlns='http://www.w3.org/2005/Atom'/>``. ``title`` and
    ``content`` read as plain text (whatever their type) and are written as
    ``type="text"``; ``published``/``updated`` are datetimes; ``replies`` is
    the comments node as (service, node); ``terms`` the category terms."""

    namespace = NS_ATOM
    name = "entry"
    plugin_attrib = "entry"
    interfaces = {"id", "title", "content", "published", "updated", "replies", "terms"}
    sub_interfaces = {"id"}

    def _constructs(self, tag: str) -> list[ET.Element]:
        return self.xml.findall(_atom(tag))

    def _replace_construct(self, tag: str, text: str | None) -> None:
        for element in self._constructs(tag):
            self.xml.remove(element)
        if text:
            ET.SubElement(self.xml, _atom(tag), {"type": "text"}).text = text

    def get_title(self) -> str:
        return construct_text(self._constructs("title"))

    def set_title(self, text: str) -> None:
        self._replace_construct("title", text)

    def del_title(self) -> None:
        self._replace_construct("title", None)

    def get_content(self) -> str:
        return construct_text(self._constructs("content")) or construct_text(self._constructs("summary"))

    def set_content(self, text: str) -> None:
        self._replace_construct("content", text)

    def del_content(self) -> None:
        self._replace_construct("content", None)

    def get_published(self) -> datetime | None:
        return parse_time(self._get_sub_text("published"))  # type: ignore[arg-type]  # slixmpp types it str | dict: a dict only for lang="*"

    def set_published(self, when: datetime) -> None:
        self._set_sub_text("published", format_time(when))

    def get_updated(self) -> datetime | None:
        return parse_time(self._get_sub_text("updated"))  # type: ignore[arg-type]  # slixmpp types it str | dict: a dict only for lang="*"

    def set_updated(self, when: datetime) -> None:
        self._set_sub_text("updated", format_time(when))

    def get_replies(self) -> tuple[str, str] | None:
        replies = [link for link in self["links"] if link["rel"] == "replies"]
        replies.sort(key=lambda link: link["title"] != "comments")
        for link in replies:
            parsed = parse_pubsub_uri(link["href"])
            if parsed is not None:
                return parsed[0], parsed[1]
        return None

    def set_replies(self, where: tuple[str, str] | None) -> None:
        for link in [link for link in self["links"] if link["rel"] == "replies"]:
            self.xml.remove(link.xml)
            self.iterables.remove(link)
        if where is not None:
            link = AtomLink()
            link["rel"], link["title"], link["href"] = "replies", "comments", pubsub_uri(*where)
            self.append(link)

    def del_replies(self) -> None:
        self.set_replies(None)

    def get_terms(self) -> list[str]:
        return [c["term"] for c in self["categories"] if c["term"].strip()]

    def set_terms(self, terms) -> None:
        for category in list(self["categories"]):
            self.xml.remove(category.xml)
            self.iterables.remove(category)
        for term in terms:
            category = AtomCategory()
            category["term"] = term
            self.append(category)

    def del_terms(self) -> None:
        self.set_terms(())

    def set_text(self, title: str, body: str) -> None:
        """Title and body the way Movim and Libervia read them: a post
        without a title is a title-only entry (its text in ``<title/>``)."""
        if body and title:
            self["title"], self["content"] = title, body
        else:
            self["title"] = body or title
            del self["content"]

    def text(self) -> tuple[str, str]:
        """(title, body), the inverse of :meth:`set_text`."""
        title, body = self["title"], self["content"]
        return ("", title) if not body else (title, body)


# -- writing: what Parlons publishes -----------------------------------------------------------
def write_text(atom: AtomEntry, title: str, body: str) -> None:
    """Title and body as :meth:`AtomEntry.set_text` writes them, plus — for
    an entry with a body — the body's light markdown as ``<content
    type="xhtml">`` (:mod:`~tui.xmpp.blog.markdown`), next to the text one,
    so Movim and Libervia show it formatted. Replaces every older content."""
    atom.set_text(title, body)
    if atom.xml.find(_atom("content")) is not None:
        from .markdown import to_xhtml  # on the first post: not at start-up (~3.5 ms)

        ET.SubElement(atom.xml, _atom("content"), {"type": "xhtml"}).append(to_xhtml(body))


def set_alternate(atom: AtomEntry, href: str) -> None:
    """The entry's one ``<link rel="alternate"/>``: where it can be read
    (for us, the ``xmpp:`` URI of its pubsub item)."""
    for link in [link for link in atom["links"] if link["rel"] == "alternate"]:
        atom.xml.remove(link.xml)
        atom.iterables.remove(link)
    link = AtomLink()
    link["rel"], link["href"] = "alternate", href
    atom.append(link)


# Done at import (like slixmpp's own stanza modules) so that parsing works
# before, or without, a client.
register_stanza_plugin(AtomEntry, AtomAuthor)
register_stanza_plugin(AtomEntry, AtomLink, iterable=True)
register_stanza_plugin(AtomEntry, AtomCategory, iterable=True)
register_stanza_plugin(Item, AtomEntry)
register_stanza_plugin(EventItem, AtomEntry)
register_stanza_plugin(Pubsub, RsmSet)  # paging items (XEP-0059 inside <pubsub/>)


# -- the plugin -------------------------------------------------------------------------------
class XEP_0277(BasePlugin):
    """Registers the stanzas, asks for microblog notifications (``+notify``)
    and turns them into ``microblog_publish`` / ``microblog_retract`` /
    ``microblog_purge`` / ``microblog_delete`` events."""

    name = "xep_0277"
    description = "XEP-0277: Microblogging over XMPP"
    dependencies = {"xep_0030", "xep_0060", "xep_0163"}

    def plugin_init(self) -> None:
        self.xmpp.plugin["xep_0060"].map_node_event(NS_MICROBLOG, "microblog")
        self.xmpp.plugin["xep_0163"].add_interest(NS_MICROBLOG)

    def plugin_end(self) -> None:
        self.xmpp.plugin["xep_0163"].remove_interest(NS_MICROBLOG)

    def get_entries(self, jid: str, node: str, *, max_items: int, rsm: bool = False,
                    after: str | None = None, timeout: float | None = None):
        """The newest ``max_items`` items of a node: with RSM (``rsm=True``)
        a page after the cursor ``after``, else ``max_items`` (the most
        recent ones, XEP-0060 §6.5.7)."""
        iq = self.xmpp.Iq(sto=jid, stype="get")
        iq["pubsub"]["items"]["node"] = node
        if rsm:
            iq["pubsub"]["rsm"]["max"] = str(max_items)
            if after:
                iq["pubsub"]["rsm"]["after"] = after
        else:
            iq["pubsub"]["items"]["max_items"] = max_items
        return iq.send(timeout=timeout)


register_plugin(XEP_0277)
