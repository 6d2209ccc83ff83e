"""Bookmarks (XEP-0402, XEP-0048 fallback) against the real Prosody, with a
plain slixmpp client of the same account as "another client"."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from slixmpp.exceptions import IqError

from tests.harness.wait import until
from tui.client import Client
from tui.core.windows import WindowKind
from tui.logging_setup import redact
from tui.xmpp.muc.bookmarks import NS, Bookmark, conference_from_bookmark, publish_options
from tui.xmpp.account.session import ConnectionSettings

PEER_PLUGINS = ("xep_0030", "xep_0045", "xep_0049", "xep_0060", "xep_0163", "xep_0198")


def window_text(window) -> str:
    return "\n".join(line.body for line in window.lines)


def room_name(prosody, prefix: str = "room") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"


@contextlib.asynccontextmanager
async def headless(prosody, jid: str, password: str, *, before_connect=None):
    """A Client (no UI) with one account, online with its bookmarks loaded."""
    client = Client()
    account = client.add_account(ConnectionSettings(
        jid=jid, password=password, resource=f"parlons-{uuid.uuid4().hex[:4]}",
        host=prosody.host, port=prosody.c2s_port, ca_file=prosody.ca_file))
    if before_connect is not None:
        before_connect(account)
    account.session.connect()
    try:
        await until(lambda: account.session.online and account.bookmarks.loaded, timeout=10,
                    message=lambda: window_text(client.windows.status))
        yield client, account
    finally:
        await account.session.disconnect()


async def notifications_ready(account) -> None:
    """The server knows we want bookmark notifications (+notify in our caps).

    It learns that from our presence, by asking our client what the caps
    hash means (unless it already knows the hash). Two round trips after
    the presence went out: the server handled the presence (and sent its
    question) before answering the first; our answer went out before the
    second."""
    await until(lambda: account.session.announced, timeout=10)
    xmpp = account.session.xmpp
    for _ in range(2):
        await xmpp.plugin["xep_0199"].ping(jid=xmpp.boundjid.domain, timeout=5)


async def pep_items(peer) -> dict[str, Bookmark]:
    """What another client of the account reads from the XEP-0402 node."""
    from tui.xmpp.muc.bookmarks import bookmark_from_conference

    try:
        result = await peer.plugin["xep_0060"].get_items(peer.jid, NS, timeout=5)
    except IqError as exc:
        if exc.iq["error"]["condition"] == "item-not-found":
            return {}
        raise
    found = {}
    for item in result.xml.iter("{http://jabber.org/protocol/pubsub}item"):
        conference = item.find(f"{{{NS}}}conference")
        found[item.get("id")] = bookmark_from_conference(item.get("id"), conference)
    return found


@pytest.fixture
def alice_account(make_account):
    return make_account("alice")


async def test_bookmark_autojoin_in_a_room_window_reaches_other_clients(prosody, alice_account, make_peer):
    jid, password = alice_account
    room = room_name(prosody)
    async with headless(prosody, jid, password) as (client, account):
        assert account.bookmarks.mode == "0402"  # Prosody 0.12 advertises urn:xmpp:bookmarks:1#compat
        window = client.windows.open("lounge", WindowKind.ROOM, jid, room)
        await client.handle_input("/bookmark autojoin", window)
        assert "Bookmarked" in window_text(window), window_text(window)
        other = await make_peer(jid, password, plugins=PEER_PLUGINS)
        items = await pep_items(other)
        assert room in items
        assert items[room].autojoin is True
        # the older protocol sees it too (the server keeps both in sync)
        assert [b.jid for b in account.bookmarks.list()] == [room]


async def test_bookmark_outside_a_room_window_is_refused_in_one_line(prosody, alice_account):
    jid, password = alice_account
    async with headless(prosody, jid, password) as (client, account):
        status = client.windows.status
        await client.handle_input("/bookmark autojoin", status)
        assert status.lines[-1].body == \
            "/bookmark works only in room windows (elsewhere: /bookmark autojoin|remove ROOM)"
        await client.handle_input("/bookmark remove", status)
        assert status.lines[-1].body == "/bookmark remove needs a ROOM outside room windows"
        await client.handle_input("/bookmark remove nowhere@conference.localhost", status)
        assert "no bookmark for nowhere@conference.localhost" in status.lines[-1].body
        assert account.bookmarks.list() == []


async def test_a_bookmark_published_by_another_client_appears_and_goes(prosody, alice_account, make_peer):
    jid, password = alice_account
    room = room_name(prosody, "elsewhere")
    async with headless(prosody, jid, password) as (client, account):
        await notifications_ready(account)
        other = await make_peer(jid, password, plugins=PEER_PLUGINS)
        payload = conference_from_bookmark(Bookmark(room, name="Elsewhere [b]x[/b]", nick="al", autojoin=True))
        await other.plugin["xep_0060"].publish(other.jid, NS, id=room, payload=payload,
                                               options=publish_options(), timeout=5)
        await until(lambda: account.bookmarks.get(room), timeout=5)
        status = client.windows.status
        await client.handle_input("/bookmarks", status)
        listing = window_text(status)
        assert f"Elsewhere [b]x[/b] ({room}) as al [autojoin]" in listing, listing
        # the other client removes it: gone here too
        await other.plugin["xep_0060"].retract(other.jid, NS, room, notify=True, timeout=5)
        await until(lambda: account.bookmarks.get(room) is None, timeout=5)


async def test_bookmark_remove_in_the_room_window(prosody, alice_account, make_peer):
    jid, password = alice_account
    room = room_name(prosody)
    async with headless(prosody, jid, password) as (client, account):
        window = client.windows.open("lounge", WindowKind.ROOM, jid, room)
        await client.handle_input("/bookmark", window)
        other = await make_peer(jid, password, plugins=PEER_PLUGINS)
        assert (await pep_items(other))[room].autojoin is False
        await client.handle_input("/bookmark remove", window)
        assert window.lines[-1].body == f"Bookmark removed: {room}"
        assert room not in await pep_items(other)
        await client.handle_input("/bookmarks", window)
        assert window.lines[-1].body.startswith("No bookmarks")


async def test_after_a_restart_autojoin_bookmarks_go_to_the_seam(prosody, alice_account):
    jid, password = alice_account
    room, quiet = room_name(prosody), room_name(prosody, "quiet")
    async with headless(prosody, jid, password) as (_client, account):
        await account.bookmarks.add(room, name="Lounge", nick="al", password="door-pw-7", autojoin=True)
        await account.bookmarks.add(quiet, autojoin=False)
    assert redact("the password is door-pw-7") == "the password is ***"  # never in a log

    calls = []

    def recorder(account):
        account.bookmarks.on_autojoin = lambda *args: calls.append(args)

    async with headless(prosody, jid, password, before_connect=recorder):  # a new start of the client
        await until(lambda: calls, timeout=5)
        assert calls == [(room, "al", "door-pw-7")]  # the quiet room is not joined


async def test_after_a_restart_the_autojoin_room_is_joined(prosody, alice_account, make_peer):
    jid, password = alice_account
    owner = await make_peer()
    room = room_name(prosody, "bench")
    await owner.plugin["xep_0045"].join_muc_wait(room, "owner", timeout=5)
    await owner.plugin["xep_0045"].set_room_config(room, owner.plugin["xep_0004"].make_form(ftype="submit"))
    async with headless(prosody, jid, password) as (_client, account):
        await account.bookmarks.add(room, nick="alice-bm", autojoin=True)
    async with headless(prosody, jid, password) as (client, account):
        await until(lambda: room in account.muc.rooms and account.muc.rooms[room].joined, timeout=10,
                    message=lambda: window_text(client.windows.status))
        occupants = owner.plugin["xep_0045"].get_roster(room)
        await until(lambda: "alice-bm" in owner.plugin["xep_0045"].get_roster(room), timeout=5,
                    message=lambda: repr(occupants))


async def test_xep_0048_fallback_reads_and_writes_private_storage(prosody, alice_account, make_peer):
    from slixmpp.plugins.xep_0048.stanza import Bookmarks as LegacyStorage

    jid, password = alice_account
    stored_elsewhere = room_name(prosody, "legacy")
    other = await make_peer(jid, password, plugins=PEER_PLUGINS)
    other.plugin["xep_0049"].register(LegacyStorage)
    storage = LegacyStorage()
    storage.add_conference(stored_elsewhere, "old-nick", name="Legacy", autojoin=True)
    await other.plugin["xep_0049"].store(storage, timeout=5)

    def legacy(account):
        account.bookmarks.force_mode = "0048"

    room = room_name(prosody)
    async with headless(prosody, jid, password, before_connect=legacy) as (client, account):
        assert account.bookmarks.mode == "0048"
        assert account.bookmarks.get(stored_elsewhere) == Bookmark(
            stored_elsewhere, "Legacy", "old-nick", None, True)
        window = client.windows.open("lounge", WindowKind.ROOM, jid, room)
        await client.handle_input("/bookmark autojoin", window)
        assert "Bookmarked" in window_text(window)

        def private():
            return other.plugin["xep_0049"].retrieve("bookmarks", timeout=5)

        result = await private()
        confs = {c["jid"]: c for c in result["private"]["bookmarks"]["conferences"]}
        assert confs[room]["autojoin"] is True
        assert stored_elsewhere in confs  # what another client stored is kept
        await client.handle_input(f"/bookmark remove {stored_elsewhere}", client.windows.status)
        result = await private()
        assert [c["jid"] for c in result["private"]["bookmarks"]["conferences"]] == [room]


async def test_restarting_parlons_joins_the_autojoin_bookmark(prosody, alice_account, make_peer, tmp_path):
    from tests.harness.app import account_config, running_app
    from tui.config import Config

    jid, password = alice_account
    config = Config([account_config(prosody, jid, password)])
    owner = await make_peer()
    room = room_name(prosody, "bench")
    await owner.plugin["xep_0045"].join_muc_wait(room, "owner", timeout=5)
    await owner.plugin["xep_0045"].set_room_config(room, owner.plugin["xep_0004"].make_form(ftype="submit"))
    async with running_app(config, data_dir=tmp_path) as (app, _pilot):
        window = app.client.windows.open("bench", WindowKind.ROOM, jid, room)
        await app.client.handle_input("/bookmark autojoin", window)
        assert "Bookmarked" in window_text(window), window_text(window)
    async with running_app(config, data_dir=tmp_path) as (app, _pilot):
        account = app.client.accounts.get(jid)
        await until(lambda: room in account.muc.rooms and account.muc.rooms[room].joined, timeout=10,
                    message=lambda: window_text(app.client.windows.status))
        await until(lambda: any(w.kind is WindowKind.ROOM and w.target == room for w in app.client.windows))


async def test_a_contacts_bookmarks_node_plants_nothing(prosody, alice_account, make_peer):
    """A contact's own node of the same name reaches us through +notify (we
    see their presence); only our account's notifications are bookmarks."""
    jid, password = alice_account
    async with headless(prosody, jid, password) as (client, account):
        bob = await make_peer(plugins=PEER_PLUGINS)  # slixmpp says yes to subscriptions
        await client.handle_input(f"/roster add {bob.jid}", client.windows.status)
        await until(lambda: account.roster.model.get(bob.jid) is not None
                    and account.roster.model.get(bob.jid).subscription in ("to", "both"), timeout=5)
        await notifications_ready(account)
        delivered = []
        account.session.xmpp.add_event_handler(
            "bookmarks_publish", lambda msg: delivered.append(msg["from"].bare))
        planted = room_name(prosody, "trap")
        payload = conference_from_bookmark(Bookmark(planted, autojoin=True))
        await bob.plugin["xep_0060"].publish(bob.jid, NS, id=planted, payload=payload, timeout=5)
        await until(lambda: bob.jid in delivered, timeout=5, message="the server did not deliver it")
        assert account.bookmarks.get(planted) is None
        assert account.bookmarks.list() == []


def test_without_a_muc_service_autojoin_is_skipped(prosody, alice_account):
    from tui.core.events import EventBus
    from tui.core.windows import WindowList
    from tui.xmpp.account.accounts import Account

    jid, password = alice_account
    bus = EventBus()
    account = Account(ConnectionSettings(jid=jid, password=password), WindowList(bus), bus)
    del account.muc  # as before the MUC service existed
    assert account.bookmarks.on_autojoin("room@conference.localhost", None, None) is None
