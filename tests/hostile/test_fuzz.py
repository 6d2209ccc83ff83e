"""Random stanzas from a real peer (hypothesis): messages, presences, iqs and
pubsub events with random Unicode, attributes, ids, sizes and nesting, sent
through the real Prosody to alice — a headless Client with a history store,
and the real app. After each batch: alice is online, a barrier message from
the peer is shown (she is responsive), nothing escaped (no exception reached
the loop's handler, nothing logged at ERROR), and no line of any window
holds a C0/C1 control, DEL or a bidi override.

Bounded for ``make test`` (derandomized, no example database, a few dozen
batches); ``make fuzz`` runs the same with PARLONS_FUZZ_EXAMPLES batches.
Only characters XML 1.0 allows travel: the server cuts a stream with others.
"""

from __future__ import annotations

import os
from xml.etree import ElementTree as ET

import pytest_asyncio
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from slixmpp.exceptions import IqError, IqTimeout

from tests.harness.app import running_app, screen_lines
from tests.harness.client import status_text, window_text
from tests.harness.escapes import escaped_errors
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.wait import until
from tests.hostile.test_stamps import west_of_utc  # noqa: F401  (fixture: local time is UTC-5)

EXAMPLES = int(os.environ.get("PARLONS_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(
    max_examples=EXAMPLES or 100,
    derandomize=True,
    database=None,
    deadline=None,
    # one alice and one peer serve every batch; shrinking only in the long run
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if EXAMPLES else []),
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
APP_FUZZ = settings(FUZZ, max_examples=max(10, (EXAMPLES or 100) // 3))

# -- what may never reach a window ------------------------------------------------------------
FORBIDDEN = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A)} | {"\x7f"} | {
    chr(c) for c in range(0x80, 0xA0)} | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_lines(windows) -> list[str]:
    bad = []
    for window in windows:
        for text in [window.name] + [f"{line.nick}\x00{line.body}".replace("\x00", " ", 1) for line in window.lines]:
            if FORBIDDEN & set(text):
                bad.append(f"window {window.number} ({window.name!r}): {text!r}")
    return bad


# -- strategies --------------------------------------------------------------------------------
NASTY = ["\t", "\n", "\r", "\r\n", "\x7f", "\x85", "\x9b", "\x9d", "\u202e", "\u202d", "\u2066",
         "\u2069", "\u200b", "\u200d", "\ufeff", "\u241b", "[b]", "[/]", "[@click=app.quit]", "[link=x]",
         "]0;title", "[31m", "\\x1b", "&amp;", "<b>", "/me ", "\U0001f600", "e\u0301", "\u0627\u0644"]
legal_char = st.characters(min_codepoint=0x20, blacklist_categories=["Cs"],
                           blacklist_characters="\ufffe\uffff")
xml_text = st.lists(st.one_of(legal_char, st.sampled_from(NASTY)), max_size=40).map("".join)
big_text = st.one_of(xml_text, st.builds(lambda unit, n: unit * n, st.sampled_from(["x", "é ", "\u202e", "\n"]),
                                         st.integers(1000, 15_000)))  # a stanza stays < 256 KiB
names = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)

NAMESPACES = [
    "urn:xmpp:delay", "urn:xmpp:message-correct:0", "urn:xmpp:sid:0", "http://jabber.org/protocol/muc#user",
    "http://jabber.org/protocol/muc", "jabber:x:conference", "http://jabber.org/protocol/chatstates",
    "urn:xmpp:receipts", "urn:xmpp:carbons:2", "urn:xmpp:forward:0", "http://jabber.org/protocol/pubsub#event",
    "http://jabber.org/protocol/pubsub", "urn:xmpp:mam:2", "http://www.w3.org/2005/Atom",
    "http://www.w3.org/1999/xhtml", "jabber:x:data", "jabber:iq:roster", "vcard-temp", "urn:ietf:params:xml:ns:vcard-4.0",
    "http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items", "urn:xmpp:chat-markers:0",
    "jabber:x:encrypted", "jabber:x:signed", "urn:xmpp:hints", "urn:xmpp:eme:0", "urn:xmpp:bookmarks:1",
    "storage:bookmarks", "urn:xmpp:ping", "http://jabber.org/protocol/caps", "urn:fuzz:0",
]
LOCAL_NAMES = [
    "delay", "replace", "origin-id", "stanza-id", "x", "item", "items", "status", "invite", "decline", "reason",
    "password", "active", "composing", "paused", "request", "received", "sent", "forwarded", "message", "event",
    "retract", "purge", "delete", "entry", "title", "content", "summary", "published", "updated", "author",
    "name", "uri", "link", "category", "div", "br", "p", "a", "li", "pre", "script", "query", "field", "value",
    "result", "fin", "set", "body", "subject", "thread", "html", "conference", "actor", "destroy", "c",
    "vCard", "FN", "NICKNAME", "identity", "feature", "error", "text", "encrypted", "no-store", "displayed",
]
ATTRIBUTES = ["stamp", "id", "by", "from", "to", "jid", "nick", "role", "affiliation", "code", "node", "type",
              "href", "rel", "var", "label", "name", "category", "publisher", "max_items", "ver", "hash",
              "reason", "thread", "subscription", "ask", "xml-lang", "queryid", "namespace", "term"]
STAMPS = ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2024-02-30T10:00:00Z", "1969-07-20T20:17:40Z",
          "2024-03-01T10:00:00Z", "2024-03-01T10:00:00.123456789+05:30", "yesterday", ""]

attribute_values = st.one_of(xml_text, st.sampled_from(STAMPS), st.just("alice"),
                             st.from_regex(r"[a-z]{1,6}@localhost(/[a-z]{1,4})?", fullmatch=True))
attributes = st.dictionaries(st.one_of(st.sampled_from(ATTRIBUTES), names), attribute_values, max_size=4)
tags = st.tuples(st.one_of(st.sampled_from(NAMESPACES), st.just("")), st.one_of(st.sampled_from(LOCAL_NAMES), names))

leaf = st.tuples(tags, attributes, st.one_of(st.none(), xml_text), st.just(()))
trees = st.recursive(
    leaf,
    lambda children: st.tuples(tags, attributes, st.one_of(st.none(), xml_text), st.lists(children, max_size=4)),
    max_leaves=12,
)


def build(tree, parent_ns: str = "jabber:client") -> ET.Element:
    (ns, name), attrs, text, children = tree
    ns = ns or parent_ns
    element = ET.Element(f"{{{ns}}}{name}", attrs)
    element.text = text
    element.extend(build(child, ns) for child in children)
    return element


def atom_entry():
    text_construct = st.tuples(st.sampled_from(["text", "html", "xhtml", "", "bogus"]), big_text, trees)
    return st.fixed_dictionaries({
        "id": xml_text, "title": text_construct, "content": text_construct,
        "published": st.sampled_from(STAMPS), "updated": st.sampled_from(STAMPS),
        "author": xml_text, "uri": st.one_of(xml_text, st.just("xmpp:mallory@localhost")),
        "replies": st.one_of(xml_text, st.just("xmpp:pubsub.localhost?;node=urn%3Axmpp%3Amicroblog%3A0%3Acomments%2Fx")),
        "extra": st.lists(trees, max_size=2),
    })


def build_entry(spec) -> ET.Element:
    atom = "http://www.w3.org/2005/Atom"
    entry = ET.Element(f"{{{atom}}}entry")
    ET.SubElement(entry, f"{{{atom}}}id").text = spec["id"]
    for tag in ("title", "content"):
        kind, text, tree = spec[tag]
        element = ET.SubElement(entry, f"{{{atom}}}{tag}", {"type": kind} if kind else {})
        if kind == "xhtml":
            div = ET.SubElement(element, "{http://www.w3.org/1999/xhtml}div")
            div.text = text
            div.append(build(tree, "http://www.w3.org/1999/xhtml"))
        else:
            element.text = text
    ET.SubElement(entry, f"{{{atom}}}published").text = spec["published"]
    ET.SubElement(entry, f"{{{atom}}}updated").text = spec["updated"]
    author = ET.SubElement(entry, f"{{{atom}}}author")
    ET.SubElement(author, f"{{{atom}}}name").text = spec["author"]
    ET.SubElement(author, f"{{{atom}}}uri").text = spec["uri"]
    ET.SubElement(entry, f"{{{atom}}}link", {"rel": "replies", "title": "comments", "href": spec["replies"]})
    entry.extend(build(tree, atom) for tree in spec["extra"])
    return entry


messages = st.fixed_dictionaries({
    "kind": st.just("message"),
    "type": st.one_of(st.sampled_from(["chat", "normal", "groupchat", "headline", "error", ""]), names),
    "id": st.one_of(st.none(), xml_text),
    "to_full": st.booleans(),
    "body": st.one_of(st.none(), big_text),
    "subject": st.one_of(st.none(), xml_text),
    "thread": st.one_of(st.none(), xml_text),
    # corrections of the barrier messages shown so far (their ids are known)
    "corrects": st.one_of(st.none(), st.sampled_from([f"barrier-{n}" for n in range(1, 6)]), xml_text),
    "attrs": attributes,
    "children": st.lists(trees, max_size=4),
})
presences = st.fixed_dictionaries({
    "kind": st.just("presence"),
    "type": st.one_of(st.sampled_from(["", "unavailable", "subscribe", "subscribed", "unsubscribe",
                                       "unsubscribed", "error"]), names),
    "id": st.one_of(st.none(), xml_text),
    "to_full": st.booleans(),
    "show": st.one_of(st.none(), st.sampled_from(["away", "xa", "dnd", "chat"]), xml_text),
    "status": st.one_of(st.none(), big_text),
    "priority": st.one_of(st.none(), st.sampled_from(["0", "-1", "127", "-129", "99999999999999999999", "abc"])),
    "attrs": attributes,
    "children": st.lists(trees, max_size=3),
})
iqs = st.fixed_dictionaries({
    "kind": st.just("iq"),
    "type": st.sampled_from(["result", "error", "get", "set"]),
    "id": xml_text,
    "attrs": attributes,
    "children": st.lists(trees, max_size=2),
})
pubsub_events = st.fixed_dictionaries({
    "kind": st.just("pubsub"),
    "node": st.one_of(st.sampled_from(["urn:xmpp:microblog:0", "urn:xmpp:bookmarks:1", "storage:bookmarks",
                                       "urn:xmpp:microblog:0:comments/x", "urn:xmpp:avatar:metadata"]), xml_text),
    "to_full": st.booleans(),
    "items": st.lists(st.tuples(st.one_of(st.none(), xml_text), st.one_of(atom_entry(), trees)), max_size=3),
    "retract": st.lists(xml_text, max_size=2),
    "other": st.one_of(st.none(), st.sampled_from(["purge", "delete", "configuration", "subscription"])),
})
# a real publish to the peer's blog: Prosody notifies alice (a contact) from the peer's bare JID
publishes = st.fixed_dictionaries({
    "kind": st.just("publish"),
    "item": st.one_of(st.none(), st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)),
    "entry": atom_entry(),
})
batches = st.lists(st.one_of(messages, presences, iqs, pubsub_events, publishes), min_size=1, max_size=6)


async def send(peer, alice_jid: str, alice_full: str, spec) -> None:
    if spec["kind"] == "publish":
        try:
            await peer.plugin["xep_0060"].publish(peer.jid, "urn:xmpp:microblog:0", id=spec["item"],
                                                  payload=build_entry(spec["entry"]), timeout=10)
        except (IqError, IqTimeout):
            pass  # the server may refuse an item; what it accepts reaches alice
        return
    peer.xmpp.send(stanza_of(peer, alice_jid, alice_full, spec))  # send(): no future for iqs


# -- sending -----------------------------------------------------------------------------------
def stanza_of(peer, alice_jid: str, alice_full: str, spec):
    xmpp = peer.xmpp
    to = alice_full if spec.get("to_full", True) else alice_jid
    if spec["kind"] == "message":
        stanza = xmpp.make_message(mto=to)
        if spec["body"] is not None:
            stanza["body"] = spec["body"]
        if spec["subject"] is not None:
            stanza["subject"] = spec["subject"]
        if spec["thread"] is not None:
            stanza["thread"] = spec["thread"]
        if spec["corrects"] is not None:
            ET.SubElement(stanza.xml, "{urn:xmpp:message-correct:0}replace", {"id": spec["corrects"]})
    elif spec["kind"] == "presence":
        stanza = xmpp.make_presence(pto=to)
        for field in ("show", "status", "priority"):
            if spec[field] is not None:
                ET.SubElement(stanza.xml, f"{{jabber:client}}{field}").text = spec[field]
    elif spec["kind"] == "iq":
        stanza = xmpp.make_iq(ito=alice_full)
    else:
        stanza = xmpp.make_message(mto=to, mtype="headline")
        event = ET.SubElement(stanza.xml, "{http://jabber.org/protocol/pubsub#event}event")
        if spec["other"]:
            ET.SubElement(event, f"{{http://jabber.org/protocol/pubsub#event}}{spec['other']}", {"node": spec["node"]})
        items = ET.SubElement(event, "{http://jabber.org/protocol/pubsub#event}items", {"node": spec["node"]})
        for item_id, payload in spec["items"]:
            item = ET.SubElement(items, "{http://jabber.org/protocol/pubsub#event}item",
                                 {"id": item_id} if item_id is not None else {})
            item.append(build_entry(payload) if isinstance(payload, dict) else build(payload))
        for item_id in spec["retract"]:
            ET.SubElement(items, "{http://jabber.org/protocol/pubsub#event}retract", {"id": item_id})
        return stanza
    for name, value in spec["attrs"].items():
        if name not in ("to", "from", "type", "id"):
            stanza.xml.set(name, value)
    if spec.get("type") is not None:
        stanza.xml.set("type", spec["type"]) if spec["type"] else stanza.xml.attrib.pop("type", None)
    if spec.get("id") is not None:
        stanza.xml.set("id", spec["id"])
    stanza.xml.extend(build(tree) for tree in spec["children"])
    return stanza


class Barrier:
    """A chat message from the peer that alice must show: everything sent
    before it has been handled (one ordered stream)."""

    def __init__(self) -> None:
        self.count = 0

    async def cross(self, peer, alice_jid: str, windows, describe) -> None:
        self.count += 1
        body = f"barrier {self.count}"
        message = peer.xmpp.make_message(mto=alice_jid, mbody=body, mtype="chat")
        message["id"] = f"barrier-{self.count}"  # what fuzzed corrections name
        message.send()

        def shown():
            window = windows.find(alice_jid, peer.jid)
            return window is not None and any(line.body == body for line in window.lines)

        def state() -> str:
            window = windows.find(alice_jid, peer.jid)
            shown_lines = "\n".join(f"  {l.nick}: {l.body[:80]!r} (id {l.msg_id})" for l in window.lines[-8:]) \
                if window is not None else "  (no window)"
            return (f"{body!r} not shown (peer connected: {peer.xmpp.is_connected()}); the peer's window"
                    f" ends with:\n{shown_lines}\n{describe()}")

        await until(shown, timeout=10, message=state)


# Known, upstream, harmless to us: slixmpp 1.17's xep_0060 handler of a pubsub
# event with more than one item (_handle_event_items) copies ``msg.values``:
# (1) on a message carrying xml:lang (every one a peer sends through Prosody)
# the key is 'pubsub_event|en', so ``del values['pubsub_event']`` raises
# KeyError; (2) computing the values parses every sub-element, and a malformed
# one (a <subscription expiry=""/>) raises ValueError. Either is logged at
# ERROR, an error reply goes back, the items are never dispatched. Nothing
# of ours runs; alice stays up.
KNOWN_UPSTREAM = ("_handle_event_items",)  # a frame of the traceback


def check(alice_online: bool, errors: list[str], windows, batch) -> None:
    assert alice_online, f"alice went offline after {batch!r}"
    errors = [e for e in errors if not any(known in e for known in KNOWN_UPSTREAM)]
    assert errors == [], f"escaped after {batch!r}: {errors}"
    assert unsafe_lines(windows) == [], f"after {batch!r}"


# -- the suites --------------------------------------------------------------------------------
@pytest_asyncio.fixture
async def fuzz_peer(make_peer):
    # a mutual contact of alice (befriend): its presences, PEP events and blog
    # notifications go the way a contact's do
    return await make_peer(plugins=DEFAULT_PLUGINS + ("xep_0163",))


async def befriend(account, peer) -> None:
    """Once, before the first batch (fuzzed presences may unsubscribe later)."""
    if getattr(account, "fuzz_befriended", False):
        return
    account.fuzz_befriended = True
    peer.xmpp.send_presence_subscription(pto=account.jid, ptype="subscribe")
    await until(lambda: account.roster.model.requests, timeout=10)
    account.roster.authorize(peer.jid)  # and asks back; slixmpp authorises by default
    await until(lambda: (c := account.roster.model.get(peer.jid)) is not None and c.subscription == "both",
                timeout=10, message=lambda: repr(account.roster.model.get(peer.jid)))


@FUZZ
@given(batch=batches)
async def test_random_stanzas_leave_a_headless_client_online_and_clean(batch, west_of_utc, alice, fuzz_peer):
    barrier = getattr(alice, "barrier", None) or Barrier()
    alice.barrier = barrier
    await befriend(alice.account, fuzz_peer)
    full = alice.account.session.xmpp.boundjid.full
    with escaped_errors() as errors:
        for spec in batch:
            await send(fuzz_peer, alice.jid, full, spec)
        await barrier.cross(fuzz_peer, alice.jid, alice.windows, lambda: status_text(alice))
        await until(lambda: alice.account.chat.serial.pending() == 0, timeout=10)
    check(alice.account.session.online, errors, alice.windows, batch)
    # the store reads what it took
    for window in alice.windows:
        if window.target:
            await alice.account.store.db.latest(window.target, 20)


@pytest_asyncio.fixture
async def fuzz_app(alice_app):
    async with running_app(alice_app.config) as (app, pilot):
        yield app, pilot


@APP_FUZZ
@given(batch=batches)
async def test_random_stanzas_leave_the_app_up_responsive_and_clean(batch, west_of_utc, alice_app, fuzz_app,
                                                                    fuzz_peer):
    app, pilot = fuzz_app
    account = app.client.accounts.get(alice_app.jid)
    barrier = getattr(app, "fuzz_barrier", None) or Barrier()
    app.fuzz_barrier = barrier
    await befriend(account, fuzz_peer)
    full = account.session.xmpp.boundjid.full
    with escaped_errors() as errors:
        for spec in batch:
            await send(fuzz_peer, alice_app.jid, full, spec)
        await barrier.cross(fuzz_peer, alice_app.jid, app.client.windows,
                            lambda: "\n".join(f"{l.nick} {l.body}" for l in app.client.windows.status.lines))
        window = app.client.windows.find(alice_app.jid, fuzz_peer.jid)
        if app.client.windows.active is not window:
            await pilot.press(f"alt+{window.number}" if window.number < 10 else "alt+a")
        body = f"barrier {barrier.count}"
        await until(lambda: any(body in row for row in screen_lines(app)), timeout=10,
                    message=lambda: "\n".join(screen_lines(app)) + window_text(window))
    assert app.is_running
    check(account.session.online, errors, app.client.windows, batch)
