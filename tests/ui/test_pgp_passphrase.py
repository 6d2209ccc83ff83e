"""Issue 11: a protected OpenPGP key with no pgp_passphrase_command — its
passphrase is asked in our own masked prompt (never gpg-agent's curses
pinentry), used for that gpg call, and never logged. Encrypting to a key
needs no passphrase; signing our presence (/pgp setkey announces it
signed) and decrypting what bob sends do. Real Prosody, real gpg; bob is
a raw peer with python-gnupg."""

from __future__ import annotations

import pytest

from screens.secret_prompt import SecretPrompt
from tests.harness.app import running_app, status_text, window_text
from tests.harness.logging_state import preserved_logging
from tests.harness.pgp_keys import GpgHome, alice_and_bob
from tests.harness.rooms import open_room, room_name, say
from tests.harness.wait import until
from tests.integration.test_log_secrets import every_log_file
from tests.integration.test_pgp import bob_says, payload
from tests.ui.test_conversations import open_chat, type_line
from tui.logging_setup import setup_logging

PASSPHRASE = "Tr0ub4dor3xq9"  # keys a Pilot can press one by one


@pytest.fixture
def keys():
    with alice_and_bob(alice_passphrase=PASSPHRASE) as pair:
        yield pair


def spaced(fingerprint: str) -> str:
    return " ".join(fingerprint[i:i + 4] for i in range(0, 40, 4))


async def prompted(app, mine: GpgHome) -> SecretPrompt:
    screen = await until(lambda: isinstance(app.screen, SecretPrompt) and app.screen, timeout=10)
    assert screen.prompt == f"Passphrase for your OpenPGP key {spaced(mine.fingerprint)}"
    return screen


async def carol_meanwhile(app, account, carol, window, before: int) -> None:
    """carol's 1:1 line is stored and shown while the prompt stays open, and
    nothing of ``window``'s new since ``before``."""
    carol.send(account.jid, "carol meanwhile")
    await until(lambda: (w := account.chat.find_window(carol.jid)) and "carol meanwhile" in window_text(w),
                timeout=10, message=lambda: status_text(app))
    assert isinstance(app.screen, SecretPrompt)  # still asking
    assert len(window.lines) == before  # nothing of bob's shown before his first message


async def answer(pilot, window, last: str) -> None:
    """The passphrase typed; ``last`` shown in ``window``."""
    await pilot.press(*PASSPHRASE)
    await pilot.press("enter")
    await until(lambda: last in window_text(window), timeout=10, message=lambda: window_text(window))


async def setup_chat(app, pilot, alice, bob, keys):
    mine, his = keys
    account = app.client.accounts.get(alice.jid)
    account.encryption.host.settings["pgp"] = {"gnupg_home": mine.home}  # no passphrase command
    window = await open_chat(app, pilot, bob.jid)
    await type_line(app, pilot, f"/pgp contactkey {bob.jid} {his.keyid}")
    await until(lambda: f"OpenPGP key for {bob.jid}" in window_text(window), timeout=10)
    await type_line(app, pilot, f"/pgp setkey {mine.keyid}")  # our presence goes out signed: asks
    return window


async def test_the_passphrase_is_asked_masked_used_and_never_logged(alice, make_peer, keys, tmp_path):
    mine, his = keys
    bob = await make_peer()
    with preserved_logging():
        state = tmp_path / "state"
        setup_logging(state, debug=True)
        async with running_app(alice.config) as (app, pilot):
            window = await setup_chat(app, pilot, alice, bob, keys)
            screen = await prompted(app, mine)
            entry = screen.query_one("#secret-input")
            assert entry.password  # masked
            await pilot.press(*PASSPHRASE)
            await pilot.press("enter")
            await until(lambda: not isinstance(app.screen, SecretPrompt), timeout=5)
            assert entry.value == ""  # the screen keeps no copy

            await type_line(app, pilot, "/pgp start")
            await until(lambda: "is encrypted with OpenPGP" in window_text(window), timeout=10)
            await type_line(app, pilot, "for bob only")
            await until(lambda: bob.messages, timeout=10)
            stanza = bob.messages[0].stanza
            assert "for bob only" not in str(stanza)
            assert his.decrypt(payload(stanza)) == "for bob only"

            # gpg-agent keeps the passphrase now: bob's answer is read without asking again
            bob_says(bob, alice.jid, his, "for alice only", mine.fingerprint, his.fingerprint)
            await until(lambda: "for alice only" in window_text(window), timeout=10,
                        message=lambda: window_text(window))
            assert not isinstance(app.screen, SecretPrompt)
            assert "presence not signed" not in status_text(app) + window_text(window)
        text = every_log_file(state)
        assert alice.jid in text  # the log was written
        assert PASSPHRASE not in text


async def test_escape_cancels_with_one_line_and_nothing_in_clear(alice, make_peer, keys):
    mine, his = keys
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await setup_chat(app, pilot, alice, bob, keys)
        await prompted(app, mine)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, SecretPrompt), timeout=5)
        said = "presence not signed: could not sign: no passphrase given (prompt cancelled; " \
               "pgp_passphrase_command is another way)"
        await until(lambda: said in status_text(app) + window_text(window), timeout=10,
                    message=lambda: status_text(app) + "\n" + window_text(window))

        bob_says(bob, alice.jid, his, "unread by alice", mine.fingerprint, his.fingerprint)
        await prompted(app, mine)
        await pilot.press("escape")
        await until(lambda: "could not decrypt: no passphrase given" in window_text(window)
                    + status_text(app), timeout=10,
                    message=lambda: status_text(app) + "\n" + window_text(window))
        assert "unread by alice" not in window_text(window) + status_text(app)

        # sending encrypts to public keys: no passphrase, no prompt, nothing in clear
        await type_line(app, pilot, "/pgp start")
        await until(lambda: "is encrypted with OpenPGP" in window_text(window), timeout=10)
        await type_line(app, pilot, "still for bob only")
        await until(lambda: bob.messages, timeout=10)
        assert [m.body for m in bob.messages] == ["This message is encrypted (OpenPGP, XEP-0027)"]
        assert his.decrypt(payload(bob.messages[0].stanza)) == "still for bob only"
        assert not isinstance(app.screen, SecretPrompt)


async def test_a_passphrase_asked_before_the_face_is_up_is_asked_once_it_is(alice, make_peer, keys):
    """The accounts start while the face loads (tui/launch.py): our first
    presence, signed with a protected key chosen in an earlier session,
    asks the passphrase before there is a face to ask it.  The question
    waits, the prompt comes up with the face, and the presence goes out
    signed once it is answered."""
    import dataclasses

    from screens.app import ParlonsApp
    from tui import paths
    from tui.config import Config
    from tui.crypto.pgp.chosen_keys import ChosenKeys, state_path
    from tui.launch import start_early

    mine, _his = keys
    ChosenKeys(state_path(paths.data_dir(), alice.jid)).set_own(mine.fingerprint)  # an earlier /pgp setkey
    config = Config([dataclasses.replace(alice.config.accounts[0], gnupg_home=mine.home)])
    me_elsewhere = await make_peer(alice.jid, alice.password)  # our own other resource hears our presence
    signed: list[tuple[str, str]] = []

    def heard(presence) -> None:
        element = presence.xml.find("{jabber:x:signed}x")
        if presence["from"].resource == "parlons" and element is not None:
            signed.append((presence["status"], element.text or ""))

    me_elsewhere.xmpp.add_event_handler("presence_available", heard)
    early = start_early(config)
    try:
        account = await until(lambda: early.client.accounts.get(alice.jid), timeout=5)
        await until(lambda: account.session.announced, timeout=10)
        await me_elsewhere.xmpp.plugin["xep_0199"].ping(alice.jid + "/parlons", timeout=10)
        assert signed == []  # waiting for the passphrase, which waits for the face
        app = ParlonsApp(config, early=early)
        async with app.run_test(size=(120, 40)) as pilot:
            await prompted(app, mine)
            await pilot.press(*PASSPHRASE)
            await pilot.press("enter")
            await until(lambda: signed, timeout=10)
            status, signature = signed[0]
            assert mine.verify(status, signature).valid
    finally:
        await early.client.accounts.disconnect_all()


async def test_other_conversations_go_on_while_the_passphrase_is_asked(alice, make_peer, keys):
    """bob's OpenPGP message waits for the passphrase (the prompt stays open
    as long as alice takes); carol's message, in clear, is stored and shown
    meanwhile (it used to wait behind bob's in the account's queue). bob's
    own next line, in clear, waits behind his encrypted one: his window
    keeps the order he wrote in. The archive's anchor is held on disk while
    bob's waits, and let go once it is stored."""
    from tui.xmpp.chat.archive import OURS

    mine, his = keys
    bob, carol = await make_peer(), await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await setup_chat(app, pilot, alice, bob, keys)
        await prompted(app, mine)
        await pilot.press("escape")  # no presence signature: gpg-agent does not learn the passphrase
        await until(lambda: not isinstance(app.screen, SecretPrompt), timeout=5)
        account = app.client.accounts.get(alice.jid)
        chat, db = account.chat, account.chat.history.db
        before = len(window.lines)

        bob_says(bob, alice.jid, his, "for alice only", mine.fingerprint, his.fingerprint)
        await prompted(app, mine)
        assert await db.held(OURS) is not None  # on disk before anything after it is stored
        bob.send(alice.jid, "and this in clear")
        await until(lambda: chat.lanes.waiting(bob.jid) == 2, timeout=10)  # behind his first, in its lane
        await carol_meanwhile(app, account, carol, window, before)
        await answer(pilot, window, "and this in clear")
        bodies = [line.body for line in window.lines[before:]]
        assert bodies == ["for alice only", "and this in clear"]
        assert chat.lanes.waiting(bob.jid) == 0
        await until(lambda: account.serial.idle(), timeout=5)
        assert await db.held(OURS) is None
        stored = [r.body for r in await db.latest(bob.jid, 10)]
        assert stored[-2:] == ["for alice only", "and this in clear"]


async def test_a_room_message_waits_alone_for_the_passphrase(alice, make_peer, keys, prosody):
    """bob's OpenPGP message in a room (encrypted to alice's key, as a
    XEP-0027 client in a room of known keys does) waits for the passphrase
    beside the account's queue, and bob's next line in the room behind it;
    carol's message in another conversation is shown meanwhile (it used to
    wait behind bob's in the queue, as long as alice took to answer). The
    room's window and store keep bob's order."""
    mine, his = keys
    bob, carol = await make_peer(), await make_peer()
    room = room_name(prosody)
    await open_room(bob, room, "bob")
    async with running_app(alice.config) as (app, pilot):
        await setup_chat(app, pilot, alice, bob, keys)
        await prompted(app, mine)
        await pilot.press("escape")  # gpg-agent does not learn the passphrase
        await until(lambda: not isinstance(app.screen, SecretPrompt), timeout=5)
        account = app.client.accounts.get(alice.jid)
        muc = account.muc
        await type_line(app, pilot, f"/join {room}")
        window = await until(lambda: (w := muc.find_window(room)) and app.client.room_of(w).joined and w, timeout=10)
        await until(lambda: not muc.messages.reading, timeout=10)  # (its catch-up)
        before = len(window.lines)

        bob_says_in(bob, room, his, "for the room's keys", mine.fingerprint, his.fingerprint)
        await prompted(app, mine)
        say(bob, room, "and this in clear")
        await until(lambda: len(muc.messages._readings.parked(room)) == 1, timeout=10)  # behind his first
        await carol_meanwhile(app, account, carol, window, before)
        await answer(pilot, window, "and this in clear")
        bodies = [line.body for line in window.lines[before:] if line.nick == "bob"]
        assert bodies == ["for the room's keys", "and this in clear"]
        await until(lambda: not muc.messages.reading and account.serial.idle(), timeout=5)
        stored = [r.body for r in await account.chat.history.db.latest(room, 10)]
        assert stored[-2:] == ["for the room's keys", "and this in clear"]


def bob_says_in(bob, room: str, home, text: str, *fingerprints: str) -> None:
    home.send(bob.xmpp, room, text, *fingerprints, mtype="groupchat")
