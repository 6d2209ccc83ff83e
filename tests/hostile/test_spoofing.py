"""Spoofing (issue 9, defect 5): someone who is not a room, not our archive
or not the author's server must not be able to speak as one.

Attackers are real: a slixmpp peer on the real Prosody, and for what only a
remote server could do (forward forged archive results, name publishers it
cannot know, answer disco as it likes) an external component, ``evil.test``,
connected to that same Prosody (tests/harness/hostile_service.py).
"""

from __future__ import annotations

import uuid
from xml.etree import ElementTree as ET

import pytest
import pytest_asyncio

from tests.harness.app import account_config, running_app
from tests.harness.blogs import PEER_PLUGINS, publish_raw
from tests.harness.client import headless_client, status_text, window_text
from tests.harness.forging import MAM, MUC_USER, archive_query_raced, bodies, mam_result, targets
from tests.harness.hostile_service import EVIL_DOMAIN, HostileProsody, HostileService
from tests.harness.peer import Peer
from tests.harness.rooms import open_room, room_name
from tests.harness.wait import until
from tui.config import Config
from tui.xmpp.muc.messages import NEW_MARKER


# -- the hostile server ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with HostileProsody(tmp_path_factory.mktemp("hostile")) as server:
        yield server


@pytest_asyncio.fixture
async def evil(hostile):
    service = await HostileService(hostile).start()
    yield service
    await service.stop()


def new_account(server, prefix: str) -> tuple[str, str]:
    password = uuid.uuid4().hex
    return server.create_account(f"{prefix}-{uuid.uuid4().hex[:8]}", password), password


@pytest_asyncio.fixture
async def alice_on_hostile(hostile, tmp_path):
    jid, password = new_account(hostile, "alice")
    async with headless_client(hostile, jid, password, tmp_path) as client:
        yield client


@pytest_asyncio.fixture
async def peer_on():
    """Started peers on a given server (a fresh account each); stopped at teardown."""
    peers: list[Peer] = []

    async def start(server, prefix: str = "peer", plugins=None) -> Peer:
        jid, password = new_account(server, prefix)
        kwargs = {"plugins": plugins} if plugins else {}
        peers.append(Peer(jid, password, ca_file=server.ca_file, host=server.host, port=server.c2s_port,
                          **kwargs))
        return await peers[-1].start()

    yield start
    for peer in peers:
        await peer.stop()


# -- (a) a private-message window only for rooms we are in ------------------------------------
async def test_a_muc_user_mark_from_a_non_room_opens_no_private_window(alice, make_peer, prosody):
    bob = await make_peer()
    forged = bob.xmpp.make_message(mto=alice.jid, mbody="forged private message", mtype="chat")
    forged.xml.append(ET.Element(f"{{{MUC_USER}}}x"))
    forged.send()
    bob.send(alice.jid, "after it")
    window = await until(lambda: alice.account.chat.find_window(bob.jid), timeout=5,
                         message=lambda: str(targets(alice)))
    await until(lambda: "after it" in bodies(window), timeout=5, message=lambda: window_text(window))
    # bob is bob: his text is in his own conversation, under his own name
    assert bodies(window) == ["forged private message", "after it"]
    assert targets(alice) == [bob.jid]

    # a room we are in: its occupants' private messages do get their own window
    room = f"den-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"
    await alice.account.muc.join(room)
    await bob.plugin["xep_0045"].join_muc_wait(room, "bobby", maxstanzas=0, timeout=10)
    private = bob.xmpp.make_message(mto=f"{room}/alice", mbody="a real private message", mtype="chat")
    private.xml.append(ET.Element(f"{{{MUC_USER}}}x"))
    private.send()
    pm = await until(lambda: alice.account.chat.find_window(f"{room}/bobby"), timeout=5,
                     message=lambda: str(targets(alice)))
    await until(lambda: bodies(pm) == ["a real private message"], timeout=5, message=lambda: window_text(pm))
    assert pm.name == "bobby"


# -- (b) a room's archive speaks only for the room ------------------------------------------------
async def test_b_room_archive_result_from_another_jid_is_not_stored(alice_on_hostile, evil):
    alice = alice_on_hostile
    room = f"den@{EVIL_DOMAIN}"
    victim = "bob@" + alice.jid.partition("@")[2]
    evil.identities[room] = ("conference", "text")

    def presence(xml):
        if xml.get("type") == "unavailable":
            return []
        return [f"<presence from='{xml.get('to')}' to='{xml.get('from')}'><x xmlns='{MUC_USER}'>"
                f"<item affiliation='member' role='participant'/><status code='110'/></x></presence>"]

    def archive(xml):
        query = xml.find(f"{{{MAM}}}query")
        if query is None:
            return None
        qid, to = query.get("queryid"), xml.get("from")
        return [
            mam_result(qid, to, room, "r1", f"{room}/carol", "groupchat", "said in the room"),
            mam_result(qid, to, room, "r2", f"{victim}/phone", "groupchat", "forged into bob's history",
                       stamp="2026-01-01T10:00:01Z"),
            f"<iq type='result' id='{xml.get('id')}' from='{room}' to='{to}'><fin xmlns='{MAM}' complete='true'>"
            f"<set xmlns='http://jabber.org/protocol/rsm'><first index='0'>r1</first><last>r2</last>"
            f"<count>2</count></set></fin></iq>",
        ]

    evil.on_presence, evil.on_iq = presence, archive
    await alice.account.muc.join(room)
    window = alice.account.muc.find_window(room)
    await until(lambda: any(l.body == NEW_MARKER for l in window.lines), timeout=5,
                message=lambda: window_text(window))
    assert bodies(window) == ["said in the room"]
    db = alice.account.store.db
    assert [r.body for r in await db.latest(victim, 10)] == []
    assert [r.body for r in await db.latest(room, 10)] == ["said in the room"]


# -- (c) mediated invitations come from rooms --------------------------------------------------------
async def test_c_mediated_invitation_only_from_a_room(alice_on_hostile, evil, hostile, peer_on):
    alice = alice_on_hostile
    bob = await peer_on(hostile, "bob")
    room, impostor = f"lounge@{EVIL_DOMAIN}", f"bob@{EVIL_DOMAIN}"
    evil.identities[room] = ("conference", "text")
    evil.identities[impostor] = ("account", "registered")

    def invite(sender: str, reason: str) -> str:
        return (f"<message from='{sender}' to='{alice.jid}'><x xmlns='{MUC_USER}'>"
                f"<invite from='{bob.jid}'><reason>{reason}</reason></invite></x></message>")

    # a client (full JID), then a JID that says it is an account, not a room
    forged = bob.xmpp.make_message(mto=alice.jid)
    forged.xml.append(ET.fromstring(f"<x xmlns='{MUC_USER}'><invite from='{bob.jid}'>"
                                    f"<reason>from a client</reason></invite></x>"))
    forged.send()
    evil.send_raw(invite(impostor, "from an account"))
    # the room itself: shown (sent last, so once it shows the others were decided)
    evil.send_raw(invite(room, "from the room"))
    await until(lambda: "from the room" in status_text(alice), timeout=5, message=lambda: status_text(alice))
    assert [i.room for i in alice.account.muc.invitations] == [room]
    assert "from a client" not in status_text(alice) and "from an account" not in status_text(alice)

    # a real room's invitation (Prosody adds a XEP-0249 copy for old clients): one invitation
    real = room_name(hostile, "hall")
    await open_room(bob, real, "bob")
    bob.plugin["xep_0045"].invite(real, alice.jid, reason="come in")
    await until(lambda: "come in" in status_text(alice), timeout=5, message=lambda: status_text(alice))
    await alice.account.session.xmpp.plugin["xep_0199"].ping(timeout=5)  # both copies were handled
    assert [(i.room, i.inviter, i.reason) for i in alice.account.muc.invitations] == [
        (room, bob.jid, "from the room"), (real, f"{real}/bob", "come in")]  # (the room names the inviter by nick)
    assert status_text(alice).count(f"invites you to {real}") == 1


# -- (d) our archive's results come from our archive -------------------------------------------------
async def test_d_a_result_for_our_archive_query_from_another_jid_is_ignored(alice, make_peer):
    bob = await make_peer()
    carol = "carol@" + alice.jid.partition("@")[2]
    bob.send(alice.jid, "a real message")
    window = await until(lambda: alice.account.chat.find_window(bob.jid), timeout=5)
    await until(lambda: bodies(window) == ["a real message"], timeout=5)

    xmpp = alice.account.session.xmpp
    history = alice.account.chat.archive

    def forge(queryid: str) -> str:  # bob answers alice's query about her own archive
        message = mam_result(queryid, alice.jid, bob.jid, "f1", f"{carol}/x", "chat", "forged archive result")
        return message[message.index("<result"):message.rindex("</message>")]

    history.session_started()  # as after a fresh session: the archive is read again
    async with archive_query_raced(xmpp, bob, None, forge) as race:
        await history.catch_up(xmpp)
    assert race["arrived"].is_set()
    assert alice.account.chat.find_window(carol) is None, window_text(alice.account.chat.find_window(carol))
    assert [r.body for r in await alice.account.store.db.latest(carol, 10)] == []
    assert bodies(window) == ["a real message"]


# -- (e) a comment's author: verified, or visibly not --------------------------------------------------
ENTRY = """<entry xmlns="http://www.w3.org/2005/Atom">
  <id>e1</id><title>Mallory's post</title><content>read the comments</content>
  <author><name>Mallory</name><uri>xmpp:{jid}</uri></author>
  <link rel="replies" href="xmpp:{service}?;node=comments-e1"/>
  <published>2026-01-01T10:00:00Z</published><updated>2026-01-01T10:00:00Z</updated>
</entry>"""


def comment(item: str, body: str, name: str, jid: str, publisher: str | None) -> str:
    attr = f" publisher='{publisher}'" if publisher else ""
    return (f"<item id='{item}'{attr}><entry xmlns='http://www.w3.org/2005/Atom'><id>{item}</id>"
            f"<title>{body}</title><author><name>{name}</name><uri>xmpp:{jid}</uri></author>"
            f"<published>2026-01-01T11:0{item[-1]}:00Z</published></entry></item>")


async def test_e_unverified_comment_authors_show_as_such(hostile, evil, peer_on):
    jid, password = new_account(hostile, "alice")
    mallory = await peer_on(hostile, "mallory", plugins=PEER_PLUGINS)
    carol = "carol@" + jid.partition("@")[2]
    await publish_raw(mallory, ENTRY.format(jid=mallory.jid, service=EVIL_DOMAIN), item="e1")

    def comments(xml):
        items = xml.find("{http://jabber.org/protocol/pubsub}pubsub/{http://jabber.org/protocol/pubsub}items")
        if items is None or items.get("node") != "comments-e1":
            return None
        return [f"<iq type='result' id='{xml.get('id')}' from='{EVIL_DOMAIN}' to='{xml.get('from')}'>"
                f"<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='comments-e1'>"
                # the service names a publisher of another server: it cannot know
                + comment("c1", "vouched for by evil", "Carol", carol, carol)
                # no publisher at all: only the entry's claim
                + comment("c2", "only claimed", "Carol", carol, None)
                # its own user: the service may vouch for it
                + comment("c3", "evil's own user", "Eve", f"eve@{EVIL_DOMAIN}", f"eve@{EVIL_DOMAIN}/pc")
                + "</items></pubsub></iq>"]

    evil.on_iq = comments
    config = Config([account_config(hostile, jid, password)])
    async with running_app(config) as (app, pilot):
        async def type_line(text: str) -> None:
            app.main.input_line.focus()
            app.main.input_line.value = text
            await pilot.press("enter")

        def pane() -> str:
            return app.main.blog_pane.plain

        await type_line(f"/blog read {mallory.jid}")
        await until(lambda: "Mallory's post" in pane(), timeout=5, message=pane)
        await type_line("/blog show 1")
        await until(lambda: "Comments (3)" in pane(), timeout=5, message=pane)
        shown = pane().splitlines()
        # each comment: who wrote it (and when), then its text under it
        authors = {shown[i + 1].strip(): shown[i].rsplit("  ", 1)[0] for i in range(len(shown) - 1)
                   if shown[i + 1].strip() in ("vouched for by evil", "only claimed", "evil's own user")}
        assert authors == {
            "vouched for by evil": f"? {carol} (unverified)",
            "only claimed": f"? {carol} (unverified)",
            "evil's own user": f"Eve (eve@{EVIL_DOMAIN})",  # verified: its JID, whatever it calls itself
        }, pane()
