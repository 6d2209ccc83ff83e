"""Blog plumbing without state: pubsub items ⇄ model entries, the forms
pubsub wants, and IQ failures as one line (:class:`BlogError`).

Pure apart from :func:`answer` (which awaits an IQ): unit-tested.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from ...core.blog import CommentsLink, Entry
from ...core.model import now
from ...store.blog_entries import BlogRecord
from ...text import xml_safe
from .. import pep
from ..pep import IQ_TIMEOUT, NODE_CONFIG, PUBLISH_OPTIONS, PUBSUB_NS, PepError, pubsub_form  # noqa: F401  (the blog's names)
from .xep_0277 import (
    NS_ATOM, AtomEntry, construct_blocks, entry_links, parse_bare_jid, pubsub_uri, set_alternate, write_text,
)

class BlogError(PepError):
    """A blog operation failed; ``str()`` is one line, ``condition`` the
    XMPP error condition (or "timeout", "offline", "")."""


async def answer(doing: str, request):
    """Await an IQ; its failure becomes a BlogError saying what we were doing."""
    return await pep.answer(doing, request, BlogError)


def now_to_the_millisecond() -> datetime:
    """Now, to the millisecond (what :func:`~tui.xmpp.blog.xep_0277.format_time` writes)."""
    moment = now()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def outgoing(text: str) -> str:
    """Text we are about to send: nothing XML forbids, no edge whitespace."""
    return xml_safe(text or "").strip()


def outgoing_terms(categories) -> list[str]:
    return [term for term in map(outgoing, categories or ()) if term]


def result_items(result) -> list[ET.Element]:
    """The ``<item/>`` elements of a pubsub items result."""
    return result.xml.findall(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}items/{{{PUBSUB_NS}}}item")


# -- items ⇄ entries --------------------------------------------------------------------------
def entry_from_atom(atom: AtomEntry, item_id: str, *, author: str, verified: bool) -> Entry:
    title, body = atom.text()
    published = atom["published"] or atom["updated"] or now_to_the_millisecond()
    replies = atom["replies"]
    name = atom.get_plugin("author", check=True)
    return Entry(
        id=item_id, author=author, published=published, updated=atom["updated"] or published,
        body=body, title=title, author_name=name["name"] if name is not None else "",
        categories=tuple(atom["terms"]), comments=CommentsLink(*replies) if replies else None,
        verified=verified, rich=construct_blocks(atom.xml.findall(f"{{{NS_ATOM}}}content")),
        links=entry_links(atom.xml),
    )


def may_vouch_for(service: str | None, publisher: str) -> bool:
    """May the pubsub ``service`` tell us who ``publisher`` is?

    A server is the authority on its own users, and only on them: a service
    of the publisher's own server (its domain or a component under it, such
    as pubsub.example.org for alice@example.org, or a PEP service of one of
    its accounts) saw that user log in. Any other service (which the entry's
    author chose, so an attacker may run it) could name anyone: what it says
    of another server's users is a claim, no better than the entry's own."""
    host = parse_bare_jid(service).rpartition("@")[2].lower()
    domain = publisher.rpartition("@")[2].lower()
    return bool(host and domain) and (host == domain or host.endswith("." + domain))


def entry_from_item(item: ET.Element, *, owner: str | None, service: str | None = None) -> Entry | None:
    """A pubsub ``<item/>`` (result or notification) as an Entry; None when
    it carries no Atom entry or no id.

    ``owner``: the PEP node's owner, who is the author whatever the entry
    claims. Without one (a comments node on ``service``) the author is the
    publisher the service reports, else the one the entry claims; verified
    only when the service may vouch for that publisher (:func:`may_vouch_for`).
    """
    item_id = item.get("id")
    element = item.find(f"{{{NS_ATOM}}}entry")
    if not item_id or element is None:
        return None
    atom = AtomEntry(xml=element)
    if owner:
        return entry_from_atom(atom, item_id, author=owner, verified=True)
    publisher = parse_bare_jid(item.get("publisher"))
    claimed = atom.get_plugin("author", check=True)
    author = publisher or (claimed["jid"] if claimed is not None else "")
    return entry_from_atom(atom, item_id, author=author,
                           verified=bool(publisher) and may_vouch_for(service, publisher))


def new_atom(*, author: str, name: str, service: str, node: str, item_id: str,
             title: str, body: str, when: datetime) -> AtomEntry:
    """An entry as Movim and Libervia expect it: its ``xmpp:`` item URI as
    ``<id/>`` and ``<link rel="alternate"/>``, title, text and XHTML content
    (:func:`~tui.xmpp.blog.xep_0277.write_text`), author name and ``xmpp:``
    URI, published = updated. Categories and the replies link are the
    caller's (``atom["terms"]``, ``atom["replies"]``)."""
    atom = AtomEntry()
    uri = pubsub_uri(service, node, item_id)
    atom["id"] = uri
    write_text(atom, title, body)
    atom["author"]["name"] = name
    atom["author"]["jid"] = author
    atom["published"] = atom["updated"] = when
    set_alternate(atom, uri)
    return atom


def blog_record(author: str, item: ET.Element, entry: Entry) -> BlogRecord:
    """What the history keeps of an entry read from ``author``'s node: its
    words for searching, and the pubsub item itself to read it back."""
    return BlogRecord(author=author.lower(), item_id=entry.id, published_us=int(entry.published.timestamp() * 1e6),
                      title=entry.title, body=entry.body, tags=" ".join(entry.categories),
                      atom=ET.tostring(item, encoding="unicode"))
