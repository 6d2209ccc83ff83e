"""Microblogs (XEP-0277) of one account: ours to write, contacts' to read.

Our blog is the PEP node ``urn:xmpp:microblog:0`` of our account, published
open (or to contacts only) with persistent items and no item limit. Each
entry links its own comments node (see :mod:`tui.xmpp.blog.comments`).

Contacts' entries arrive by themselves once the server knows we want them
(``+notify`` in our capabilities, from the xep_0277 plugin): new, edited
(same item id) and retracted entries update the model. Reading a blog asks
the owner's node for its newest entries; older pages use RSM where the
service offers it, else a larger ``max_items`` (Prosody 0.12 has no RSM).

The model is :class:`tui.core.blog.Blogs`; ``BlogChanged`` goes out once
per turn of the event loop, naming the blogs that changed. Every failure
is a :class:`BlogError` whose ``str()`` is one line for the status window.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

from ...core.blog import ACCESS_MODELS, Blogs, Entry, Feed
from ...core.coalesce import CoalescedChanges, Coalescer
from ...core.events import BlogChanged, EventBus
from ...core.jids import local_part
from ...core.windows import WindowList
from . import xep_0277
from .. import pep
from .comments import BlogComments
from .items import (
    blog_record,
    IQ_TIMEOUT, PUBSUB_NS, BlogError, answer, entry_from_atom, entry_from_item,
    new_atom, now_to_the_millisecond, outgoing, outgoing_terms, result_items,
)
from ..account.session import AccountSession
from ..conversation.history import StoreSlot
from .xep_0277 import NS_ATOM, NS_MICROBLOG, AtomEntry, parse_bare_jid

log = logging.getLogger(__name__)

PAGE_SIZE = 20
TIMELINE_READERS = 4  # blogs read at once for the timeline
RSM_FEATURES = {"http://jabber.org/protocol/rsm", f"{PUBSUB_NS}#rsm"}


def blog_options(access: str) -> dict[str, str]:
    return {"pubsub#access_model": access, "pubsub#persist_items": "true", "pubsub#max_items": "max"}


# -- the service --------------------------------------------------------------------------------
class BlogService(CoalescedChanges):
    def __init__(self, session: AccountSession, windows: WindowList, bus: EventBus,
                 store: StoreSlot | None = None) -> None:
        self.session, self.windows, self.bus = session, windows, bus
        self.store = store  # entries read are kept there for /blog search and /blog tag
        self.model = Blogs(session.jid)
        # configuration
        self.access = "open"  # who may read our blog: open | presence
        self.author_name: str | None = None  # shown as ours; default: our JID's local part
        self.page_size = PAGE_SIZE
        self.comments = BlogComments(  # read, post, delete comments; .service configures
            session, windows, self.model, self.client, self.touched, lambda: self.author_name)
        self._rsm: dict[str, bool] = {}  # server -> its PEP service pages with RSM
        self._rsm_refused: set[str] = set()  # accounts that did not tell us (read without RSM)
        self._rsm_asking: dict[str, asyncio.Lock] = {}  # server -> one question at a time
        self._timeline: asyncio.Task | None = None
        self._changes: Coalescer[str] = Coalescer(
            bus, lambda authors: (BlogChanged(self.session.jid, frozenset(authors)),))
        session.on_client_created(self._attach)

    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        xmpp.register_plugin("xep_0277", module=xep_0277)
        xmpp.add_event_handler("microblog_publish", self._on_items)
        xmpp.add_event_handler("microblog_retract", self._on_items)
        xmpp.add_event_handler("microblog_purge", self._on_cleared)
        xmpp.add_event_handler("microblog_delete", self._on_cleared)
        xmpp.add_event_handler("session_start", self._on_session_start)
        self.comments.attach(xmpp)

    def _on_session_start(self, _event) -> None:
        self.comments.forget_service()
        self._rsm.clear()
        self._rsm_refused.clear()
        self._rsm_asking.clear()

    def touched(self, author: str) -> None:
        """One ``BlogChanged`` per turn of the loop, naming every blog that moved."""
        self._changes.add(author)

    def client(self) -> slixmpp.ClientXMPP:
        return self.session.online_client(lambda text: BlogError(text, "offline"))

    # -- notifications -------------------------------------------------------------------------
    def _sender(self, msg) -> str | None:
        """Notifications of a PEP node come from its owner's bare JID; a full
        JID (another client sending us an event) or a server is not a blog."""
        sender = msg["from"]
        if sender.user and not sender.resource:
            return sender.bare
        log.info("%s: ignored a microblog event from %s", self.session.jid, sender)
        return None

    def _on_items(self, msg: slixmpp.Message) -> None:
        author = self._sender(msg)
        items = msg.xml.find(f"{{{PUBSUB_NS}#event}}event/{{{PUBSUB_NS}#event}}items")
        if author is None or items is None or items.get("node") != NS_MICROBLOG:
            return
        changed = False
        kept: list[tuple[ET.Element, Entry]] = []
        for child in items:
            if child.tag == f"{{{PUBSUB_NS}#event}}retract":
                changed = self.model.retract(author, child.get("id", "")) is not None or changed
                self._forget(author, child.get("id", ""))
            elif (entry := entry_from_item(child, owner=author)) is not None:
                changed = self.model.put(author, entry) or changed
                kept.append((child, entry))
        self._keep(author, kept)
        if changed:
            self.touched(author)

    def _on_cleared(self, msg: slixmpp.Message) -> None:
        author = self._sender(msg)
        if author is not None:
            self._forget(author, None)
            if self.model.clear(author):
                self.touched(author)

    # -- entries kept for searching (the history store) ----------------------------------------------
    def _in_store(self, work) -> None:
        """A write to the store, in the background; a failure is logged (the
        blog works without it: only searching earlier sessions' entries does not)."""
        db = self.store.db if self.store is not None else None
        if db is None:
            return

        def done(task: asyncio.Future) -> None:
            if not task.cancelled() and task.exception() is not None:
                log.info("%s: blog entries not kept: %s", self.session.jid, task.exception())

        asyncio.ensure_future(work(db)).add_done_callback(done)

    def _keep(self, author: str, items: list[tuple[ET.Element, Entry]]) -> None:
        if items:
            records = [blog_record(author, item, entry) for item, entry in items]
            self._in_store(lambda db: db.put_blog_entries(records))

    def _forget(self, author: str, item_id: str | None) -> None:
        self._in_store(lambda db: db.delete_blog_entry(author, item_id))

    async def recall(self, words: str) -> int:
        """Entries kept from earlier readings that hold ``words``, back in
        the model (those not there yet); how many came back."""
        db = self.store.db if self.store is not None else None
        if db is None:
            return 0
        try:
            found = await db.search_blog(words)
        except Exception as exc:  # a history that cannot be read: searching what is shown still works
            log.info("%s: blog search in the history failed: %s", self.session.jid, exc)
            return 0
        back = 0
        for record in found:
            if self.model.entry(record.author, record.item_id) is not None:
                continue
            try:
                entry = entry_from_item(ET.fromstring(record.atom), owner=record.author)
            except ET.ParseError:
                continue
            if entry is not None and self.model.put(record.author, entry):
                back += 1
                self.touched(record.author)
        return back

    # -- reading ---------------------------------------------------------------------------------
    async def read(self, jid: str, *, older: bool = False) -> Feed:
        """Read the newest entries of ``jid``'s blog (``older``: the next,
        older page) into the model; returns that blog's feed."""
        xmpp = self.client()
        author = parse_bare_jid(jid)
        if not author:
            raise BlogError(f"not a JID: {jid}", "jid-malformed")
        feed = self.model.feed(author)
        if older and feed is not None and feed.complete:
            return feed
        rsm = await self._pages_with_rsm(xmpp, author)
        want = self.page_size
        if older and not rsm:  # no cursor: ask for more of the newest ones
            want += len(feed) if feed is not None else 0
        after = feed.cursor if older and rsm and feed is not None else None
        try:
            result = await answer(f"cannot read the blog of {author}", xmpp.plugin["xep_0277"].get_entries(  # type: ignore[typeddict-item]  # our plugin, not slixmpp's
                author, NS_MICROBLOG, max_items=want, rsm=rsm, after=after, timeout=IQ_TIMEOUT))
        except BlogError as exc:
            if exc.condition in ("forbidden", "not-authorized"):  # Prosody hides a missing node so
                raise BlogError(f"cannot read the blog of {author}: there is none, or it is not open "
                                f"to you ({exc.condition})", exc.condition) from None
            if exc.condition != "item-not-found":
                raise
            feed = self.model.merge_page(author, [], newest=True, complete=True)  # no blog (yet)
            self.touched(author)
            return feed
        items = result_items(result)
        cursor = (result["pubsub"]["rsm"]["last"] or None) if rsm else None
        read = [(i, e) for i, e in ((i, entry_from_item(i, owner=author)) for i in items) if e is not None]
        self._keep(author, read)
        feed = self.model.merge_page(
            author, [e for _, e in read],
            newest=not (older and rsm), complete=len(items) < want or (rsm and cursor is None),
            cursor=cursor)
        self.touched(author)
        return feed

    def read_timeline(self, contacts) -> bool:
        """Read our blog and ``contacts``' blogs in the background (the
        timeline: their entries merged). A blog that cannot be read is
        logged, not said: most contacts have none. False while a reading
        is still going on (or offline)."""
        if self._timeline is not None and not self._timeline.done() or not self.session.online:
            return False
        me = self.session.jid.lower()
        jids = [me] + sorted({jid.lower() for jid in contacts} - {me})
        self._timeline = asyncio.ensure_future(self._read_all(jids))
        return True

    async def older_timeline(self) -> int:
        """The timeline scrolled past its end: the next older page of every
        blog in it that has one; how many entries that added."""
        before = sum(len(feed) for feed in self.model.feeds())
        await self._read_all(self.model.incomplete(), older=True)
        return sum(len(feed) for feed in self.model.feeds()) - before

    async def _read_all(self, jids: list[str], *, older: bool = False) -> None:
        gate = asyncio.Semaphore(TIMELINE_READERS)

        async def one(jid: str) -> None:
            async with gate:
                try:
                    await self.read(jid, older=older)
                except BlogError as exc:
                    log.info("%s: timeline: %s", self.session.jid, exc)

        await asyncio.gather(*(one(jid) for jid in jids))

    async def _pages_with_rsm(self, xmpp, jid: str) -> bool:
        """Does ``jid``'s blog page with RSM? A feature of the PEP service of
        their server: asked once per server (the timeline's readings of 200
        contacts on one server: one round trip, not 200), of the first of its
        accounts that answers; one that refuses us says nothing of its server
        (contacts' accounts may not answer strangers), so it is read without
        RSM, and not asked again."""
        server = slixmpp.JID(jid).domain
        async with self._rsm_asking.setdefault(server, asyncio.Lock()):  # (the timeline reads 4 at once)
            if server in self._rsm:
                return self._rsm[server]
            if jid in self._rsm_refused:
                return False
            try:
                info = await xmpp.plugin["xep_0030"].get_info(jid=jid, timeout=IQ_TIMEOUT)
            except (IqError, IqTimeout):
                self._rsm_refused.add(jid)
                return False
            self._rsm[server] = bool(RSM_FEATURES & set(info["disco_info"]["features"]))
            return self._rsm[server]

    # -- our blog ----------------------------------------------------------------------------------
    async def publish(self, body: str, *, title: str = "", categories=(), comments: bool = True,
                      access: str | None = None) -> Entry:
        """Publish an entry to our blog; with ``comments`` a comments node
        is created first and linked (if that fails the entry goes out
        without, and the status window says why)."""
        xmpp = self.client()
        body, title = outgoing(body), outgoing(title)
        if not body and not title:
            raise BlogError("nothing to publish: the entry is empty", "bad-request")
        access = access or self.access
        if access not in ACCESS_MODELS:
            raise BlogError(f"unknown access model {access!r}: use one of {', '.join(ACCESS_MODELS)}")
        me, item_id = xmpp.boundjid.bare, str(uuid.uuid4())
        atom = new_atom(author=me, name=self.author_name or local_part(me), service=me, node=NS_MICROBLOG,
                        item_id=item_id, title=title, body=body, when=now_to_the_millisecond())
        atom["terms"] = outgoing_terms(categories)
        if comments and (link := await self.comments.create_node(xmpp, item_id)) is not None:
            atom["replies"] = (link.service, link.node)
        await self._publish_own(xmpp, item_id, atom, access)
        return self._keep_own(item_id, atom)

    async def edit(self, item_id: str, body: str, *, title: str | None = None, categories=None) -> Entry:
        """Republish entry ``item_id`` with a new text (``title``/``categories``:
        None keeps them): same id, same ``published``, a new ``updated``.
        The entry is read back from the server first, so what other clients
        put in it (attachments, XHTML…) stays — except the stale XHTML text."""
        xmpp = self.client()
        me = xmpp.boundjid.bare
        doing = f"cannot edit entry {item_id}"
        result = await answer(doing, xmpp.plugin["xep_0060"].get_item(me, NS_MICROBLOG, item_id, timeout=IQ_TIMEOUT))
        found = [i for i in result_items(result) if i.get("id") == item_id]
        element = found[0].find(f"{{{NS_ATOM}}}entry") if found else None
        if element is None:
            raise BlogError(f"{doing}: not found on your blog", "item-not-found")
        atom = AtomEntry(xml=element)
        old_title, _old_body = atom.text()
        published = atom["published"] or atom["updated"] or now_to_the_millisecond()
        xep_0277.write_text(atom, old_title if title is None else outgoing(title), outgoing(body))
        if categories is not None:
            atom["terms"] = outgoing_terms(categories)
        atom["published"], atom["updated"] = published, max(now_to_the_millisecond(), published)
        await self._publish_own(xmpp, item_id, atom, None)
        return self._keep_own(item_id, atom)

    async def delete(self, item_id: str) -> None:
        """Retract entry ``item_id`` (subscribers are notified) and, when we
        made it, its comments node."""
        xmpp = self.client()
        me = xmpp.boundjid.bare
        known = self.model.entry(me, item_id)
        try:
            await answer(f"cannot delete entry {item_id}", xmpp.plugin["xep_0060"].retract(
                me, NS_MICROBLOG, item_id, notify=True, timeout=IQ_TIMEOUT))
        except BlogError as exc:
            if exc.condition != "item-not-found":  # already gone is gone
                raise
        if self.model.retract(me, item_id) is not None:
            self.touched(me)
        await self.comments.delete_node(xmpp, known)

    async def _publish_own(self, xmpp, item_id: str, atom: AtomEntry, access: str | None) -> None:
        await pep.publish_own(xmpp, NS_MICROBLOG, item_id, atom, blog_options(access) if access else None,
                              "cannot publish to your blog", BlogError)

    def _keep_own(self, item_id: str, atom: AtomEntry) -> Entry:
        me = self.session.jid.lower()
        self.model.put(me, entry_from_atom(atom, item_id, author=me, verified=True))
        self.touched(me)
        kept = self.model.entry(me, item_id)  # this one, or an equal one known before
        assert kept is not None  # put just above
        return kept
