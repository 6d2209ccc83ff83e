"""SIGKILL in the middle of a catch-up: alice was away while bob said
MISSED (her phone got it: only the archive has it). Parlons (the real app,
in a tmux pane) starts reading the archive, page by page, each page stored
as it comes, and is killed once the first page is shown, long before the
last. What it stored is the start of the absence, in order, with no gap;
started again on the same history, it reads on from the last message
stored, and every message of the absence is there once, in order. The
same in a room read page by page."""

from __future__ import annotations

from tests.faults.test_kill9_outbox import sigkill
from tests.harness.client import headless_client, status_text
from tests.harness.cut_links import quiet
from tests.harness.flood import flood, flood_body
from tests.harness.mam import after_ids
from tests.harness.terminal import screen_shows, start_parlons, title
from tests.harness.wait import until
from tui.core.model import LineKind
from tui.store import HistoryStore
from tui.store.history import history_path
from tui.xmpp.conversation.history import MAM_PAGE

N = 20 * MAM_PAGE  # twenty pages: the reading lasts seconds, a kill after its first lands in it
MISSED = [flood_body(i) for i in range(N)]


def bodies(window) -> list[str]:
    return [line.body for line in window.lines if line.kind is LineKind.INCOMING]


async def stored(history, peer: str) -> list:
    store = await HistoryStore.open(history)  # (what waits in the inbox merged, as at the next start)
    try:
        return await store.latest(peer, 2 * N)
    finally:
        await store.close()


async def in_autojoin_room(prosody, jid: str, password: str, data, bob, room: str) -> None:
    """alice (headless, on ``data``) joins ``room`` and bookmarks it to
    autojoin; bob's "before" is stored there; then she leaves."""
    from tests.harness.rooms import joined, say

    async with headless_client(prosody, jid, password, data) as alice:
        window, _ = await joined(alice, room)
        await alice.account.bookmarks.add(room, nick="alice", autojoin=True)
        say(bob, room, "before")
        await until(lambda: bodies(window)[-1:] == ["before"], timeout=10, message=lambda: repr(bodies(window)))
        await quiet(alice)


async def test_a_catch_up_killed_after_its_first_page_goes_on_from_what_it_stored(
        prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    data = tmp_path / "data" / "parlons"  # where the app in the pane keeps its history (XDG_DATA_HOME)
    history = history_path(data, jid)
    async with headless_client(prosody, jid, password, data) as alice:
        bob.send(jid, "before")
        await until(lambda: (w := alice.account.chat.find_window(bob.jid)) and bodies(w) == ["before"],
                    timeout=10, message=lambda: status_text(alice))
        await quiet(alice)
    phone = await make_peer(jid, password)
    assert (await flood(bob, jid, N)).sent == N
    await until(lambda: len(phone.messages) == N, timeout=60, message=lambda: f"the phone has {len(phone.messages)}")
    await phone.stop()

    start_parlons(tmux, tmp_path, prosody, jid, password)
    bob_name = bob.jid.split("@")[0]
    await screen_shows(tmux, f"2:{bob_name}", timeout=30)  # the first page is shown: its window opened
    sigkill(tmux)
    after_kill = await stored(history, bob.jid)
    texts = [record.text for record in after_kill]
    assert texts[0] == "before" and texts[1:] == MISSED[:len(texts) - 1]  # a start, no gap
    assert len(texts) - 1 < N, f"killed after the reading ended ({title(tmux)!r}): nothing was cut short"

    async with headless_client(prosody, jid, password, data, wait_online=False) as alice:
        queries: list = []

        def archive_queries(stanza):
            if stanza.xml.find("{urn:xmpp:mam:2}query") is not None:
                queries.append(stanza)
            return stanza
        alice.account.session.xmpp.add_filter("out", archive_queries)  # (before the session's first stanza)
        chat = alice.account.chat
        await until(lambda: chat.archive.caught_up, timeout=30, message=lambda: status_text(alice))
        await quiet(alice)
        # read on from the last message stored before the kill
        assert after_ids(queries)[:1] == [after_kill[-1].stanza_id]
        window = chat.find_window(bob.jid)
        assert bodies(window)[-1] == MISSED[-1]
    assert [record.text for record in await stored(history, bob.jid)] == ["before"] + MISSED  # once each, in order


async def test_a_room_s_catch_up_killed_after_its_first_page_goes_on_from_what_it_stored(
        prosody, make_account, make_peer, tmux, tmp_path):
    """The same in a room: alice's autojoin room, where bob said 19 pages
    while her client was gone (within what a catch-up takes: read forward,
    page by page). The app is killed once the first of them is on screen;
    the store holds a start of the absence with no gap, and a new start
    reads on after its last line."""
    from tests.harness.rooms import open_room, room_name, say

    missed = [f"room line {n:04d}" for n in range(19 * MAM_PAGE)]
    jid, password = make_account("alice")
    bob = await make_peer()
    room = room_name(prosody, "killed")
    await open_room(bob, room, "bob")
    data = tmp_path / "data" / "parlons"
    history = history_path(data, jid)
    await in_autojoin_room(prosody, jid, password, data, bob, room)
    for body in missed:
        say(bob, room, body)
    await bob.plugin["xep_0199"].ping(timeout=30)  # the room has them all (one ordered stream)

    start_parlons(tmux, tmp_path, prosody, jid, password)
    room_name_shown = room.split("@")[0]
    await screen_shows(tmux, f"2:{room_name_shown}", timeout=30)  # joined: its window
    tmux.send_keys("M-2")
    # a line of the first page (0000-0099) on screen: the reading is under way
    await until(lambda: "room line 00" in tmux.capture(), timeout=30, message=lambda: tmux.capture())
    sigkill(tmux)
    after_kill = await stored(history, room)
    texts = [record.text for record in after_kill]
    assert texts[0] == "before" and texts[1:] == missed[:len(texts) - 1]  # a start, no gap
    assert len(texts) - 1 < len(missed), f"killed after the reading ended ({title(tmux)!r}): nothing was cut short"

    async with headless_client(prosody, jid, password, data, wait_online=False) as alice:
        queries: list = []

        def room_queries(stanza):
            if stanza.xml.find("{urn:xmpp:mam:2}query") is not None and stanza["to"].bare == room:
                queries.append(stanza)
            return stanza
        alice.account.session.xmpp.add_filter("out", room_queries)  # (before the session's first stanza)
        await until(lambda: (w := alice.account.muc.find_window(room)) is not None and bodies(w)[-1:] == missed[-1:],
                    timeout=30, message=lambda: status_text(alice))
        await quiet(alice)
        assert after_ids(queries)[:1] == [after_kill[-1].stanza_id]  # read on from the last line stored
    assert [record.text for record in await stored(history, room)] == ["before"] + missed  # once each, in order


async def test_a_message_killed_while_its_passphrase_was_asked_comes_back_from_the_archive(
        prosody, make_account, make_peer, tmux, tmp_path):
    """bob's OpenPGP message waits for alice's passphrase, beside the queue
    (tui/xmpp/chat/lanes.py); carol's later line is stored and shown
    meanwhile, and Parlons is killed with the prompt still open. The store
    then holds carol's line and not bob's: the next start's catch-up, read
    after the newest archived message stored, would never bring bob's back;
    the hold left on disk makes it read from before bob's. Each once."""
    from tests.harness.pgp_keys import alice_and_bob
    from tui.xmpp.chat.archive import OURS

    passphrase = "Tr0ub4dor3xq9"
    jid, password = make_account("alice")
    bob, carol = await make_peer(), await make_peer()
    data = tmp_path / "data" / "parlons"
    history = history_path(data, jid)
    with alice_and_bob(alice_passphrase=passphrase) as (mine, his):
        async with headless_client(prosody, jid, password, data) as alice:
            carol.send(jid, "before")
            await until(lambda: (w := alice.account.chat.find_window(carol.jid)) and bodies(w) == ["before"],
                        timeout=10, message=lambda: status_text(alice))
            await quiet(alice)

        start_parlons(tmux, tmp_path, prosody, jid, password, account={"gnupg_home": mine.home})
        await screen_shows(tmux, f"{jid}: online", timeout=30)
        his.send(bob.xmpp, jid, "held for a passphrase", mine.fingerprint, his.fingerprint)
        await screen_shows(tmux, "Passphrase for your OpenPGP key", timeout=30)
        carol.send(jid, "after it")
        await screen_shows(tmux, f"2:{carol.jid.split('@')[0]}", timeout=30)  # stored, then shown
        sigkill(tmux)
        assert [r.text for r in await stored(history, carol.jid)] == ["before", "after it"]
        assert await stored(history, bob.jid) == []

        pgp = {"gnupg_home": mine.home, "passphrase_command": f"printf %s {passphrase}"}
        async with headless_client(prosody, jid, password, data, wait_online=False,
                                   encryption={"pgp": pgp}) as alice:
            chat = alice.account.chat
            await until(lambda: chat.archive.caught_up, timeout=30, message=lambda: status_text(alice))
            await quiet(alice)
            window = await until(lambda: chat.find_window(bob.jid), timeout=10, message=lambda: status_text(alice))
            assert bodies(window) == ["held for a passphrase"]
            assert await chat.history.db.held(OURS) is None  # read: let go
        assert [r.text for r in await stored(history, bob.jid)] == ["held for a passphrase"]
        assert [r.text for r in await stored(history, carol.jid)] == ["before", "after it"]


async def test_a_room_message_killed_while_its_passphrase_was_asked_comes_back_from_the_archive(
        prosody, make_account, make_peer, tmux, tmp_path):
    """The same in a room: bob's OpenPGP line in alice's autojoin room
    waits for her passphrase beside the queue (tui/xmpp/muc/messages.py
    ``_arrived``), his next line parked behind it; carol's 1:1 line is
    stored and shown meanwhile; Parlons is killed with the prompt open. The
    room's store holds neither of bob's (its anchor is its own newest line:
    no hold needed), and the next start's catch-up brings both, once each,
    in order."""
    from tests.harness.pgp_keys import alice_and_bob
    from tests.harness.rooms import open_room, room_name, say

    passphrase = "Tr0ub4dor3xq9"
    jid, password = make_account("alice")
    bob, carol = await make_peer(), await make_peer()
    room = room_name(prosody, "asked")
    await open_room(bob, room, "bob")
    data = tmp_path / "data" / "parlons"
    history = history_path(data, jid)
    with alice_and_bob(alice_passphrase=passphrase) as (mine, his):
        await in_autojoin_room(prosody, jid, password, data, bob, room)

        start_parlons(tmux, tmp_path, prosody, jid, password, account={"gnupg_home": mine.home})
        await screen_shows(tmux, f"2:{room.split('@')[0]}", timeout=30)  # joined: its window
        his.send(bob.xmpp, room, "held for a passphrase", mine.fingerprint, his.fingerprint, mtype="groupchat")
        await screen_shows(tmux, "Passphrase for your OpenPGP key", timeout=30)
        say(bob, room, "after it")
        carol.send(jid, "carol meanwhile")
        await screen_shows(tmux, f"3:{carol.jid.split('@')[0]}", timeout=30)  # stored, then shown
        sigkill(tmux)
        assert [r.text for r in await stored(history, room)] == ["before"]
        assert [r.text for r in await stored(history, carol.jid)] == ["carol meanwhile"]

        pgp = {"gnupg_home": mine.home, "passphrase_command": f"printf %s {passphrase}"}
        async with headless_client(prosody, jid, password, data, wait_online=False,
                                   encryption={"pgp": pgp}) as alice:
            muc = alice.account.muc
            window = await until(lambda: (w := muc.find_window(room)) and "after it" in bodies(w) and w,
                                 timeout=30, message=lambda: status_text(alice))
            await quiet(alice)
            assert bodies(window)[-3:] == ["before", "held for a passphrase", "after it"]
    assert [r.text for r in await stored(history, room)] == ["before", "held for a passphrase", "after it"]
