"""Reading a message archive (XEP-0313) page by page, failures included:
our own archive and rooms' alike.

slixmpp's ``iterate`` ends quietly when a page fails (it turns IqError and
IqTimeout into the end of the iteration) and waits 120 s for an answer
lost with a dead connection: a catch-up could neither tell "nothing more"
from "failed" nor be retried. Here a failed page raises ArchiveError, an
answer has ``PAGE_TIMEOUT`` seconds, and a query dies with its connection.

Shapes of reading:
- ``forward``: everything after an archive id (or a time), oldest first,
  page by page as the answers come;
- ``backward``: the newest ``limit`` results, a page at a time from the
  end, the newest page first; ``newest``: the same returned at once,
  oldest first, with whether older ones were left out;
- ``last_page``: the newest page alone, with how many results the whole
  query has when the archive says (RSM ``count``; ``count``: that alone):
  a reader that learns they fit its limit can read them forward, a page
  shown at a time, and stop where that page begins (``forward``'s ``last``).
Both page-by-page readings ask for the next page before handing one on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import AsyncGenerator

import slixmpp
from slixmpp.xmlstream.handler import Collector
from slixmpp.xmlstream.matcher import MatchXMLMask

from ..stamps import delay_stamp

PAGE_TIMEOUT = 20.0  # seconds for one page's answer
# A catch-up that failed (no answer, connection lost) is read again after
# these delays (seconds) while the session lasts, then given up with a line.
RETRY_DELAYS = (1.0, 5.0, 20.0)


class ArchiveError(Exception):
    """A page of the archive could not be read; str() says why, in one line."""


class ArchiveRefused(ArchiveError):
    """The archive answered with an error (none there, not allowed, broken)."""


class ArchiveIdUnknown(ArchiveRefused):
    """The archive no longer knows the id we asked to read after (expired)."""


@dataclass
class ArchiveRead:
    results: list = field(default_factory=list)  # MAM result messages, oldest first
    complete: bool = True  # False: older results than these were left out (the limit)


@dataclass
class LastPage:
    results: list  # the query's newest results, oldest first
    complete: bool  # they are all of the query's
    first: str | None  # the archive id of the oldest of them (a cursor backwards)
    # the query's results in all, if the archive says (Prosody 0.12 counts all
    # its archive's results since ``start``, whatever follows an id: an upper bound)
    count: int | None


@dataclass(frozen=True)
class ArchiveQuery:
    archive: str | None = None  # the archive's JID (a room); None: our own
    with_jid: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    after_id: str | None = None


@dataclass(frozen=True)
class Archived:
    """One result of a reading, unwrapped: the message the archive kept,
    its archive id and stamp (which win over what the message says), and
    who delivered the result (the archive itself, or someone pretending)."""
    stanza: slixmpp.Message
    archive_id: str | None
    stamp: datetime | None
    sender: slixmpp.JID


def unwrap(result: slixmpp.Message) -> Archived:
    mam_result = result["mam_result"]
    forwarded = mam_result["forwarded"]
    # the archive's stamp; slixmpp's own parser raises on a bad one
    return Archived(forwarded["stanza"], mam_result["id"] or None, delay_stamp(forwarded.xml), result["from"])


async def forward(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery, *, page: int,
                  last: LastPage | None = None) -> AsyncGenerator[list, None]:
    """Every result of ``query``, oldest first, a page at a time as each
    answer comes; the next page is asked for as soon as one comes, so the
    caller's work on a page and the server's on the next overlap. Given
    ``last`` (the query's last page, read before): up to where it begins,
    then ``last`` itself, not asked for again (should the reading never
    meet it, the archive changed: to the end)."""
    stop = last.first if last is not None else None
    asking = asyncio.ensure_future(_page(xmpp, query, page=page))
    try:
        while True:
            found, fin = await asking
            cut = None if stop is None else \
                next((i for i, result in enumerate(found) if result["mam_result"]["id"] == stop), None)
            if cut is not None and last is not None:
                if cut:
                    yield found[:cut]
                yield last.results
                return
            if fin["complete"] or not found or not fin["rsm"]["last"]:
                if found:
                    yield found
                return
            asking = asyncio.ensure_future(_page(xmpp, query, page=page, after=fin["rsm"]["last"]))
            yield found
    finally:
        _let_go(asking)


def _let_go(asking: asyncio.Future | None) -> None:
    """A page asked for ahead that the caller no longer reads: not waited for,
    and if it failed meanwhile, not an error left unread."""
    if asking is None:
        return
    if not asking.done():
        asking.cancel()
    elif not asking.cancelled():
        asking.exception()


async def last_page(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery, *, page: int) -> LastPage:
    """The newest ``page`` results of ``query``, and what the archive says of the rest."""
    found, fin = await _page(xmpp, query, page=page, before=True)  # an empty <before/>: the last page
    complete = bool(fin["complete"]) or not found or not fin["rsm"]["first"]
    return LastPage(found, complete, fin["rsm"]["first"] or None, _count_of(fin))


async def count(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery) -> int | None:
    """How many results ``query`` has, if the archive says (none is sent: RSM max 0)."""
    _found, fin = await _page(xmpp, query, page=0)
    return _count_of(fin)


def _count_of(fin) -> int | None:
    count = str(fin["rsm"]["count"] or "")
    return int(count) if count.isdigit() else None


async def newest(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery, *, page: int, limit: int,
                 last: LastPage | None = None) -> ArchiveRead:
    """The newest ``limit`` results of ``query``, oldest first (going on
    from ``last``, its last page, when it was read already)."""
    pages = [read async for read in backward(xmpp, query, page=page, limit=limit, last=last)]
    return ArchiveRead([result for read in reversed(pages) for result in read.results],
                       pages[-1].complete if pages else True)


async def backward(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery, *, page: int, limit: int,
                   last: LastPage | None = None) -> AsyncGenerator[ArchiveRead, None]:
    """The newest ``limit`` results of ``query`` a page at a time, the
    newest page first (``last``, its last page, when it was read already),
    each oldest first; ``complete`` False on the last one given when older
    results were left out (the limit)."""
    if last is None:
        last = await last_page(xmpp, query, page=min(page, limit))
    got = len(last.results)
    complete, cursor = last.complete, last.first
    found = last.results
    asking: asyncio.Future | None = None
    try:
        while not complete and got < limit:
            # the next page asked for before this one is handed on: the caller's work overlaps the server's
            asking = asyncio.ensure_future(_page(xmpp, query, page=min(page, limit - got), before=cursor))
            yield ArchiveRead(found)
            found, fin = await asking
            got += len(found)
            complete = bool(fin["complete"]) or not found or not fin["rsm"]["first"]
            cursor = fin["rsm"]["first"]
        yield ArchiveRead(found, complete)
    finally:
        _let_go(asking)


async def _page(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery, *, page: int,
                after: str | None = None, before: str | bool | None = None):
    iq = xmpp.make_iq_set(ito=query.archive)
    query_id = iq["id"]
    mam = iq["mam"]
    mam["queryid"] = query_id
    if query.start is not None:
        mam["start"] = query.start
    if query.end is not None:
        mam["end"] = query.end
    if query.with_jid is not None:
        mam["with"] = slixmpp.JID(query.with_jid)
    if query.after_id is not None:
        mam["after_id"] = query.after_id
    mam["rsm"]["max"] = str(page)
    if after is not None:
        mam["rsm"]["after"] = after
    if before is not None:
        mam["rsm"]["before"] = before
    collector = Collector(f"archive {query_id}", MatchXMLMask(str(_result_mask(xmpp, query, query_id))))
    xmpp.register_handler(collector)
    try:
        answer = await _answer(xmpp, iq)
    finally:
        results = collector.stop()
    return results, answer["mam_fin"]


def _result_mask(xmpp: slixmpp.ClientXMPP, query: ArchiveQuery, query_id: str):
    """What the results of this query look like (as slixmpp's own MAM plugin builds it)."""
    mask = xmpp.Message()
    origin = mask.xml.find("{urn:xmpp:sid:0}origin-id")
    if origin is not None:
        mask.xml.remove(origin)
    del mask["id"]
    del mask["lang"]
    mask["from"] = query.archive
    mask["mam_result"]["queryid"] = query_id
    return mask


async def _answer(xmpp: slixmpp.ClientXMPP, iq):
    """The answer to ``iq``, or ArchiveError: refused, too slow, or the connection went."""
    loop = asyncio.get_running_loop()
    lost = loop.create_future()

    def on_lost(_event) -> None:
        if not lost.done():
            lost.set_result(None)

    xmpp.add_event_handler("disconnected", on_lost)
    try:
        answer = iq.send(timeout=PAGE_TIMEOUT)
        done, _ = await asyncio.wait({answer, lost}, return_when=asyncio.FIRST_COMPLETED)
        if answer not in done:
            answer.cancel()
            raise ArchiveError("the connection was lost")
        try:
            return answer.result()
        except slixmpp.exceptions.IqError as exc:
            condition = exc.iq["error"]["condition"] or "error"
            if condition == "item-not-found":
                raise ArchiveIdUnknown(condition) from None
            raise ArchiveRefused(condition) from None
        except slixmpp.exceptions.IqTimeout:
            raise ArchiveError(f"no answer within {PAGE_TIMEOUT:g} s") from None
    finally:
        xmpp.del_event_handler("disconnected", on_lost)
        if not lost.done():
            lost.cancel()
