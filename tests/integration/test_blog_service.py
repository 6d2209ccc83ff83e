"""Microblogs (XEP-0277) against the real Prosody: Parlons accounts with a
mutual presence subscription, and raw slixmpp peers publishing what Movim
and hostile clients publish. Nothing is faked: entries travel as PEP items,
notifications (+notify) and pubsub requests on the server's pubsub service."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
import pytest_asyncio

from tests.harness.blogs import MOVIM_ENTRY, PEER_PLUGINS, publish_raw
from tests.harness.client import status_text
from tests.harness.wait import until
from tui.client import Client
from tui.core.blog import CommentsLink
from tui.core.events import BlogChanged
from tui.text import sanitize, sanitize_line
from tui.xmpp.blog.items import BlogError
from tui.xmpp.account.session import ConnectionSettings
from tui.xmpp.blog.xep_0277 import COMMENTS_PREFIX, NS_MICROBLOG


@pytest_asyncio.fixture
async def make_client(prosody, make_account):
    """Headless Parlons clients (no UI), one fresh account each, online."""
    started = []

    async def create(prefix: str):
        jid, password = make_account(prefix)
        client = Client()
        account = client.add_account(ConnectionSettings(
            jid=jid, password=password, resource=f"parlons-{uuid.uuid4().hex[:4]}",
            host=prosody.host, port=prosody.c2s_port, ca_file=prosody.ca_file))
        events: list[BlogChanged] = []
        client.bus.subscribe(BlogChanged, events.append)
        account.session.connect()
        started.append(account)
        await until(lambda: account.session.online and account.session.announced, timeout=10,
                    message=lambda: status_text(client))
        return SimpleNamespace(jid=jid, password=password, client=client, account=account,
                               blog=account.blog, events=events)

    yield create
    for account in started:
        await account.session.disconnect()


async def befriend(a, b) -> None:
    """Mutual presence subscription, the way the roster commands make it."""
    await a.account.roster.add(b.jid)
    await until(lambda: b.account.roster.model.requests, timeout=5)
    await b.account.roster.add(a.jid)
    for one, other in ((a, b), (b, a)):
        await until(lambda: (c := one.account.roster.model.get(other.jid)) is not None  # noqa: B023 (polled in this iteration)
                    and c.subscription == "both", timeout=5,
                    message=lambda: repr(one.account.roster.model.get(other.jid)))  # noqa: B023 (polled in this iteration)


@pytest_asyncio.fixture
async def alice_and_bob(make_client):
    alice, bob = await make_client("alice"), await make_client("bob")
    await befriend(alice, bob)
    return alice, bob


def seen(who, author: str, item_id: str):
    return who.blog.model.entry(author, item_id)


async def test_a_contact_sees_entries_live_and_reads_them_newest_first(alice_and_bob, make_client, prosody):
    alice, bob = alice_and_bob
    first = await alice.blog.publish("first post", title="Hello", categories=["xmpp", "tui", "xmpp"])
    assert first.comments is not None and first.comments.service == prosody.pubsub_domain
    assert first.comments.node == COMMENTS_PREFIX + first.id
    # bob reads nothing: the entry comes to him (+notify, or the node's last item once
    # the server learnt his interest) ...
    await until(lambda: seen(bob, alice.jid, first.id), timeout=10)
    # ... and from then on every new one is a live notification
    second = await alice.blog.publish("second post")
    got = await until(lambda: seen(bob, alice.jid, second.id), timeout=5)
    assert (got.title, got.body, got.author, got.verified) == ("", "second post", alice.jid, True)
    got_first = seen(bob, alice.jid, first.id)
    assert (got_first.title, got_first.body, got_first.categories) == ("Hello", "first post", ("xmpp", "tui"))
    assert got_first.author_name == alice.jid.split("@")[0]
    assert got_first.comments == first.comments
    assert any(alice.jid in event.authors for event in bob.events)
    # reading her node: newest first, for a contact and for a stranger (open access)
    carol = await make_client("carol")
    for reader in (bob, carol):
        feed = await reader.blog.read(alice.jid)
        assert [e.id for e in feed.newest_first()] == [second.id, first.id]
        assert feed.complete


async def test_older_entries_are_paged_in(alice_and_bob, make_client):
    alice, _bob = alice_and_bob
    published = [await alice.blog.publish(f"entry {n}", comments=False) for n in range(3)]
    carol = await make_client("carol")
    carol.blog.page_size = 2
    feed = await carol.blog.read(alice.jid)
    assert len(feed) == 2 and not feed.complete
    feed = await carol.blog.read(alice.jid, older=True)
    assert {e.id for e in feed} == {e.id for e in published}
    assert feed.complete


async def test_a_blog_for_contacts_only(alice_and_bob, make_client):
    alice, bob = alice_and_bob
    carol = await make_client("carol")
    public = await alice.blog.publish("for everyone", comments=False)
    assert [e.id for e in await carol.blog.read(alice.jid)] == [public.id]
    # the node was open: asking for "presence" reconfigures it (publish-options
    # are preconditions on an existing node)
    private = await alice.blog.publish("for my contacts", access="presence", comments=False)
    assert {e.id for e in await bob.blog.read(alice.jid)} == {public.id, private.id}
    with pytest.raises(BlogError, match="not open to you"):
        await carol.blog.read(alice.jid)


async def test_an_edit_keeps_the_id_and_publication_time(alice_and_bob):
    alice, bob = alice_and_bob
    entry = await alice.blog.publish("tpyo in here", title="Title")
    await until(lambda: seen(bob, alice.jid, entry.id), timeout=10)
    edited = await alice.blog.edit(entry.id, "no typo in here")
    assert (edited.id, edited.published, edited.title) == (entry.id, entry.published, "Title")
    got = await until(lambda: (e := seen(bob, alice.jid, entry.id)) and e.body == "no typo in here" and e,
                      timeout=5, message=lambda: repr(seen(bob, alice.jid, entry.id)))
    assert (got.id, got.title, got.published) == (entry.id, "Title", entry.published)
    assert got.updated >= got.published
    assert got.comments == entry.comments  # the comments link survived the edit
    assert len(bob.blog.model.feed(alice.jid)) == 1


async def test_an_edit_of_another_clients_entry_keeps_its_date_and_extras(alice_and_bob, make_peer):
    alice, bob = alice_and_bob
    movim = await make_peer(alice.jid, alice.password, plugins=PEER_PLUGINS)  # alice on Movim
    await publish_raw(movim, MOVIM_ENTRY.format(jid=alice.jid, item="old"), item="old")
    await until(lambda: seen(bob, alice.jid, "old"), timeout=10)
    edited = await alice.blog.edit("old", "rewritten in Parlons", title="New title", categories=["edited"])
    got = await until(lambda: (e := seen(bob, alice.jid, "old")) and e.body == "rewritten in Parlons" and e,
                      timeout=5, message=lambda: repr(seen(bob, alice.jid, "old")))
    assert (got.title, got.categories) == ("New title", ("edited",))
    assert got.published.isoformat() == "2024-03-01T10:00:00+00:00" == edited.published.isoformat()
    assert got.updated > got.published and got.edited
    # what Parlons does not show stays (Movim's link, author name); the stale XHTML is replaced
    result = await movim.plugin["xep_0060"].get_item(alice.jid, NS_MICROBLOG, "old", timeout=5)
    atom = result.xml.find(".//{http://www.w3.org/2005/Atom}entry")
    links = [(link.get("rel"), link.get("href")) for link in atom.findall("{http://www.w3.org/2005/Atom}link")]
    assert ("alternate", f"xmpp:{alice.jid}?;node=urn:xmpp:microblog:0;item=old") in links
    contents = atom.findall("{http://www.w3.org/2005/Atom}content")
    assert [(c.get("type"), "".join(c.itertext()).strip()) for c in contents] == [
        ("text", "rewritten in Parlons"), ("xhtml", "rewritten in Parlons")]
    assert got.author_name == "Carol from Movim"


async def test_a_deleted_entry_goes_away_at_the_contact(alice_and_bob):
    alice, bob = alice_and_bob
    keep = await alice.blog.publish("stays")
    gone = await alice.blog.publish("goes")
    await until(lambda: seen(bob, alice.jid, gone.id) and seen(bob, alice.jid, keep.id), timeout=10)
    await alice.blog.delete(gone.id)
    await until(lambda: seen(bob, alice.jid, gone.id) is None, timeout=5)
    assert seen(bob, alice.jid, keep.id) is not None
    assert alice.blog.model.entry(alice.jid, gone.id) is None
    # its comments node went with it
    with pytest.raises(BlogError, match="not found"):
        await bob.blog.comments.read(gone)


async def test_comments_posted_read_and_deleted(alice_and_bob):
    alice, bob = alice_and_bob
    entry = await alice.blog.publish("comment on this")
    at_bob = await until(lambda: seen(bob, alice.jid, entry.id), timeout=10)
    posted = await bob.blog.comments.post(at_bob, "nice post [b]!![/b]")
    thread = await alice.blog.comments.read(entry)
    [comment] = thread.oldest_first()
    assert (comment.id, comment.body, comment.author) == (posted.id, "nice post [b]!![/b]", bob.jid)
    assert comment.display_name == bob.jid.split("@")[0]
    # Prosody lets only the node's owner retract there: said in one line
    await bob.blog.comments.read(at_bob)
    with pytest.raises(BlogError) as refused:
        await bob.blog.comments.delete(at_bob, posted.id)
    assert "only the owner of the comments node" in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(BlogError, match="not yours"):
        await alice.blog.comments.delete(entry, posted.id)
    # alice's own comment, on her own node, goes
    mine = await alice.blog.comments.post(entry, "thanks")
    await alice.blog.comments.delete(entry, mine.id)
    thread = await alice.blog.comments.read(entry)
    assert [c.id for c in thread.oldest_first()] == [posted.id]


async def test_an_entry_in_movims_shape_is_read_as_plain_text(make_client, make_peer):
    carol = await make_peer(plugins=PEER_PLUGINS)
    bob = await make_client("bob")
    await publish_raw(carol, MOVIM_ENTRY.format(jid=carol.jid, item="m1"), item="m1")
    feed = await bob.blog.read(carol.jid)
    [entry] = feed.newest_first()
    assert entry.id == "m1"
    assert entry.title == "Movim [i]says[/i] hi"
    assert entry.body == "Hello bold & Movim <https://movim.eu/>\n\n• one\n• two"
    assert (entry.author, entry.author_name, entry.categories) == (carol.jid, "Carol from Movim", ("movim",))
    assert (entry.published.isoformat(), entry.updated.isoformat()) == (
        "2024-03-01T10:00:00+00:00", "2024-03-01T11:30:00+00:00")
    assert entry.edited
    # Movim keeps comments on the author's own PEP service
    assert entry.comments == CommentsLink(carol.jid, COMMENTS_PREFIX + "m1")


HOSTILE_ENTRY = """
<entry xmlns="http://www.w3.org/2005/Atom">
  <title type="text">[b]x[/b] [@click=app.quit]quit[/]\u202eevil</title>
  <content type="text">[red]alert[/red] \x9b31mC1 CSI\x9b0m\x7f \u202ertl\u202c
second line</content>
  <author><name>[link=https://evil.example]me[/link]\x85</name><uri>xmpp:{jid}</uri></author>
  <category term="[bold]tag[/bold]\u2066"/>
  <updated>2024-01-01T00:00:00Z</updated>
</entry>"""


async def test_hostile_text_is_kept_as_plain_data(alice_and_bob, make_peer):
    mallory = await make_peer(plugins=PEER_PLUGINS)
    alice, bob = alice_and_bob
    await publish_raw(mallory, HOSTILE_ENTRY.format(jid=mallory.jid), item="h1")
    [entry] = (await bob.blog.read(mallory.jid)).newest_first()
    assert entry.title == "[b]x[/b] [@click=app.quit]quit[/]evil"
    assert entry.body == "[red]alert[/red] 31mC1 CSI0m rtl\nsecond line"
    assert entry.author_name == "[link=https://evil.example]me[/link]"
    assert entry.categories == ("[bold]tag[/bold]",)
    for text in (entry.title, entry.body, entry.author_name):
        assert text == sanitize(text)
    # what XML cannot carry (ESC, NUL) is stripped before sending: the stream survives
    posted = await alice.blog.publish("\x1b[31mred\x00 [b]bold[/b]", title="\x1b]0;T\x07")
    got = await until(lambda: seen(bob, alice.jid, posted.id), timeout=10)
    assert (got.title, got.body) == ("]0;T", "[31mred [b]bold[/b]")
    assert alice.account.session.online and got.title == sanitize_line(got.title)


async def test_failures_are_one_line_messages(alice_and_bob, make_peer):
    alice, bob = alice_and_bob
    # a contact who never blogged: an empty blog, not an error
    feed = await bob.blog.read(alice.jid)
    assert len(feed) == 0 and feed.complete
    # a blog open to its owner's contacts only (to strangers, Prosody answers the
    # same whether there is a blog or not)
    dave = await make_peer(plugins=PEER_PLUGINS)
    await publish_raw(dave, MOVIM_ENTRY.format(jid=dave.jid, item="p1"), item="p1", access="presence")
    with pytest.raises(BlogError) as refused:
        await bob.blog.read(dave.jid)
    assert str(refused.value) == (f"cannot read the blog of {dave.jid}: "
                                  "there is none, or it is not open to you (forbidden)")
    # another server (no s2s here)
    with pytest.raises(BlogError) as unreachable:
        await bob.blog.read("someone@elsewhere.invalid")
    assert str(unreachable.value) == ("cannot read the blog of someone@elsewhere.invalid: refused (not-allowed): "
                                      "Communication with remote domains is not enabled")
    # an entry of someone else's blog cannot be edited: it is not on ours
    with pytest.raises(BlogError, match="cannot edit entry p1: not found"):
        await bob.blog.edit("p1", "mine now")
    closed = await alice.blog.publish("no comments here", comments=False)
    assert closed.comments is None
    with pytest.raises(BlogError, match="takes no comments"):
        await bob.blog.comments.post(closed, "hi")
    await bob.account.session.disconnect()
    with pytest.raises(BlogError, match="offline"):
        await bob.blog.publish("while offline")
    for error in (refused.value, unreachable.value):
        assert "\n" not in str(error)
