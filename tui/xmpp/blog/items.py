"""Blog plumbing without state: pubsub items ⇄ model entries, the forms
pubsub wants, and IQ failures as one line (:class:`BlogError`).

Pure apart from :func:`answer` (which awaits an IQ): unit-tested.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from slixmpp.exceptions import IqError, IqTimeout

from ...core.blog import CommentsLink, Entry
from ...core.forms import DataForm, FormField
from ...core.model import now
from ...text import sanitize_line, xml_safe
from ..forms import form_to_stanza
from .xep_0277 import NS_ATOM, AtomEntry, parse_bare_jid, pubsub_uri

IQ_TIMEOUT = 15
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
PUBLISH_OPTIONS = f"{PUBSUB_NS}#publish-options"
NODE_CONFIG = f"{PUBSUB_NS}#node_config"

# error condition -> what it means here, in a few words
_MEANINGS = {
    "item-not-found": "not found",
    "forbidden": "not allowed",
    "not-allowed": "refused",
    "not-authorized": "not allowed (perhaps open to their contacts only)",
    "service-unavailable": "the service is not available",
    "feature-not-implemented": "the server does not support it",
    "remote-server-not-found": "their server cannot be reached",
    "remote-server-timeout": "their server does not answer",
    "conflict": "the node is configured otherwise",
    "not-acceptable": "refused by the server",
    "policy-violation": "refused by the server's policy",
    "resource-constraint": "the server is too busy",
}


class BlogError(Exception):
    """A blog operation failed; ``str()`` is one line, ``condition`` the
    XMPP error condition (or "timeout", "offline", "")."""

    def __init__(self, text: str, condition: str = "") -> None:
        super().__init__(sanitize_line(text))
        self.condition = condition


async def answer(doing: str, request):
    """Await an IQ; its failure becomes a BlogError saying what we were doing."""
    try:
        return await request
    except IqTimeout:
        raise BlogError(f"{doing}: no answer from the server", "timeout") from None
    except IqError as exc:
        condition = exc.iq["error"]["condition"] or "undefined-condition"
        text = exc.iq["error"]["text"]
        meaning = _MEANINGS.get(condition)
        detail = f"{meaning} ({condition})" if meaning else condition
        raise BlogError(f"{doing}: {detail}" + (f": {text}" if text else ""), condition) from None


def pubsub_form(form_type: str, values: dict[str, str]):
    """A submitted XEP-0004 form: publish-options or a node configuration."""
    fields = [FormField(var="FORM_TYPE", type="hidden", values=[form_type])]
    fields += [FormField(var=var, values=[value]) for var, value in values.items()]
    return form_to_stanza(DataForm(type="submit", fields=fields))


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
        verified=verified,
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
    atom = AtomEntry()
    atom["id"] = pubsub_uri(service, node, item_id)
    atom.set_text(title, body)
    atom["author"]["name"] = name
    atom["author"]["jid"] = author
    atom["published"] = atom["updated"] = when
    return atom
