"""Comments on blog entries (XEP-0277 §3).

Each of our entries gets its own comments node,
``urn:xmpp:microblog:0:comments/<item id>``, open to read and to publish,
on the server's pubsub service (found by disco) — or, as Movim does, on our
own PEP service when the server has none. Comments are Atom entries whose
text is their title. Their author is whoever the service says published
them, if that service may vouch for them (a service of the commenter's own
server: :func:`~tui.xmpp.blog.items.may_vouch_for`); a service that does
not say (Prosody by default), or says it of another server's users, leaves
only a claim, and the comment is shown as unverified.

Prosody lets only a node's owner retract items there: a commenter cannot
delete their own comment, and is told so in one line.

Comments arrive live on the threads we follow: we subscribe to the comments
node of each entry whose comments we read, of each entry we make, and of each
entry we comment on. A notification counts only when it comes from the
service that holds the node (the server stamps ``from``: nobody else can
speak for it) and names a thread we know.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Callable

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

from ...core.blog import Blogs, CommentsLink, Entry, Feed
from ...core.jids import local_part
from ...core.model import LineKind
from ...core.windows import WindowList
from ..account.session import AccountSession
from .items import (
    IQ_TIMEOUT, NODE_CONFIG, PUBSUB_NS, BlogError, answer, entry_from_atom, entry_from_item, new_atom,
    now_to_the_millisecond, outgoing, pubsub_form, result_items,
)
from .xep_0277 import COMMENTS_PREFIX

log = logging.getLogger(__name__)

NODE_OPTIONS = {
    "pubsub#access_model": "open",
    "pubsub#publish_model": "open",  # anyone may comment
    "pubsub#persist_items": "true",
    "pubsub#max_items": "max",
}


class BlogComments:
    """The comments part of the blog service: built with what it uses."""

    def __init__(self, session: AccountSession, windows: WindowList, model: Blogs,
                 client: Callable[[], slixmpp.ClientXMPP], touched: Callable[[str], None],
                 author_name: Callable[[], str | None]) -> None:
        self.session = session
        self.windows = windows
        self.model = model  # the account's blogs
        self.client = client  # the connected client, or BlogError("offline")
        self.touched = touched  # a blog moved: one BlogChanged per turn of the loop
        self.author_name = author_name  # how we sign (None: our JID's local part)
        self.service: str | None = None  # configured comments service; default: discovered
        self._found: str | None = None
        self._following: set[CommentsLink] = set()  # comments nodes subscribed to this session

    def forget_service(self) -> None:
        """A fresh session: the server may have changed meanwhile."""
        self._found = None
        self._following.clear()

    # -- live comments ---------------------------------------------------------------------
    def attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        xmpp.add_event_handler("pubsub_publish", self._on_event)
        xmpp.add_event_handler("pubsub_retract", self._on_event)

    async def follow(self, xmpp: slixmpp.ClientXMPP, link: CommentsLink) -> None:
        """Subscribe to a comments node (once a session): its new comments come by themselves."""
        if link in self._following:
            return
        self._following.add(link)
        try:
            await answer("cannot follow the comments", xmpp.plugin["xep_0060"].subscribe(
                link.service, link.node, timeout=IQ_TIMEOUT))
        except BlogError as exc:  # the thread is still read on demand
            self._following.discard(link)
            log.info("%s: comments %s on %s not followed: %s", self.session.jid, link.node, link.service, exc)

    def _on_event(self, msg: slixmpp.Message) -> None:
        items = msg.xml.find(f"{{{PUBSUB_NS}#event}}event/{{{PUBSUB_NS}#event}}items")
        node = items.get("node", "") if items is not None else ""
        sender = msg["from"]
        if items is None or not node.startswith(COMMENTS_PREFIX) or sender.resource:
            return
        link = CommentsLink(sender.bare.lower(), node)
        entry = self.model.entry_with_comments(link, node[len(COMMENTS_PREFIX):])
        if entry is None and self.model.comments(link) is None:
            return  # not a thread we know
        changed = False
        for child in items:
            if child.tag == f"{{{PUBSUB_NS}#event}}retract":
                changed = self.model.retract_comment(link, child.get("id", "")) is not None or changed
            elif (comment := entry_from_item(child, owner=None, service=link.service)) is not None:
                changed = self.model.put_comment(link, comment) or changed
        if changed:
            self.touched(entry.author if entry is not None else link.service)

    async def create_node(self, xmpp: slixmpp.ClientXMPP, item_id: str) -> CommentsLink | None:
        """The comments node of our entry ``item_id``; None (and one line in
        the status window) when it cannot be made: the entry goes out anyway."""
        service = self.service or self._found
        if service is None:
            service = self._found = await find_pubsub_service(xmpp) or xmpp.boundjid.bare
        link = CommentsLink(service, COMMENTS_PREFIX + item_id)
        try:
            await answer(f"cannot create a comments node on {service}", xmpp.plugin["xep_0060"].create_node(
                service, link.node, config=pubsub_form(NODE_CONFIG, NODE_OPTIONS), timeout=IQ_TIMEOUT))
        except BlogError as exc:
            self.windows.status_line(
                f"{self.session.jid}: {exc}; the entry goes out without comments", LineKind.ERROR)
            return None
        await self.follow(xmpp, link)
        return link

    async def delete_node(self, xmpp: slixmpp.ClientXMPP, entry: Entry | None) -> None:
        """Our entry is gone: so is the comments node we made for it."""
        link = entry.comments if entry is not None else None
        if entry is None or link is None or link.node != COMMENTS_PREFIX + entry.id:
            return
        try:
            await answer("cannot delete the comments node", xmpp.plugin["xep_0060"].delete_node(
                link.service, link.node, timeout=IQ_TIMEOUT))
        except BlogError as exc:  # not ours, or already gone: the entry is what mattered
            log.info("%s: comments node %s left: %s", self.session.jid, link.node, exc)

    @staticmethod
    def _link(entry: Entry) -> CommentsLink:
        if entry.comments is None:
            raise BlogError("this entry takes no comments (it links no comments node)", "item-not-found")
        return entry.comments

    async def read(self, entry: Entry) -> Feed:
        """Every comment on ``entry``, into the model; the thread is read
        oldest first (:meth:`~tui.core.blog.Feed.oldest_first`)."""
        link, xmpp = self._link(entry), self.client()
        try:
            result = await answer("cannot read the comments", xmpp.plugin["xep_0060"].get_items(
                link.service, link.node, timeout=IQ_TIMEOUT))
        except BlogError as exc:  # the reader says so under the entry, not "being read" for ever
            self.model.comments_unreadable(link, str(exc))
            self.touched(entry.author)
            raise
        comments = [c for c in (entry_from_item(i, owner=None, service=link.service)
                                        for i in result_items(result)) if c is not None]
        thread = self.model.replace_comments(link, comments)
        self.touched(entry.author)
        await self.follow(xmpp, link)
        return thread

    async def post(self, entry: Entry, text: str) -> Entry:
        """Comment on ``entry`` as ourselves."""
        link, xmpp = self._link(entry), self.client()
        text = outgoing(text)
        if not text:
            raise BlogError("nothing to post: the comment is empty", "bad-request")
        me, item_id = xmpp.boundjid.bare, str(uuid.uuid4())
        atom = new_atom(author=me, name=self.author_name() or local_part(me), service=link.service,
                        node=link.node, item_id=item_id, title="", body=text, when=now_to_the_millisecond())
        await answer("cannot post the comment", xmpp.plugin["xep_0060"].publish(
            link.service, link.node, id=item_id, payload=atom, timeout=IQ_TIMEOUT))
        comment = entry_from_atom(atom, item_id, author=me, verified=True)
        self.model.put_comment(link, comment)
        self.touched(entry.author)
        await self.follow(xmpp, link)  # the answers come by themselves
        return comment

    async def delete(self, entry: Entry, comment_id: str) -> None:
        """Retract our comment ``comment_id`` on ``entry``."""
        link, xmpp = self._link(entry), self.client()
        thread = self.model.comments(link)
        comment = thread.get(comment_id) if thread is not None else None
        if comment is None:
            raise BlogError("no such comment (read the comments first)", "item-not-found")
        if comment.author != xmpp.boundjid.bare:
            raise BlogError("that comment is not yours to delete", "forbidden")
        try:
            await answer("cannot delete the comment", xmpp.plugin["xep_0060"].retract(
                link.service, link.node, comment_id, notify=True, timeout=IQ_TIMEOUT))
        except BlogError as exc:
            if exc.condition == "forbidden":
                raise BlogError(f"cannot delete the comment: {link.service} lets only the owner of the "
                                "comments node delete comments (forbidden)", "forbidden") from None
            if exc.condition != "item-not-found":  # already gone is gone
                raise
        self.model.retract_comment(link, comment_id)
        self.touched(entry.author)


async def find_pubsub_service(xmpp: slixmpp.ClientXMPP) -> str | None:
    """The first service of our server whose identity is pubsub/service."""
    disco, domain = xmpp.plugin["xep_0030"], xmpp.boundjid.domain
    try:
        items = await disco.get_items(jid=domain, timeout=IQ_TIMEOUT)
    except (IqError, IqTimeout) as exc:
        log.info("disco#items on %s failed: %s", domain, exc)
        return None
    jids = [str(jid) for jid, _node, _name in items["disco_items"]["items"]]
    # get_info makes the JID of a str itself (inside the coroutine: a bad one is one failed answer)
    answers = await asyncio.gather(*(disco.get_info(jid=jid, timeout=IQ_TIMEOUT)  # type: ignore[arg-type]
                                     for jid in jids), return_exceptions=True)
    for jid, info in zip(jids, answers):
        if not isinstance(info, BaseException) and any(
                (category, kind) == ("pubsub", "service") for category, kind, *_ in info["disco_info"]["identities"]):
            return jid.lower()
    return None
