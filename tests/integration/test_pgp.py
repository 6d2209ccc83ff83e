"""OpenPGP, XEP-0027, through the real Prosody (issue 11): bob is a raw
slixmpp client doing his OpenPGP with python-gnupg himself (tests/harness/
pgp_keys.py, not Parlons' modules); alice is Parlons with her own
throwaway GNUPGHOME. Messages go both ways and decrypt exactly, nothing
leaves or is archived in clear, presences are signed and checked (a
tampered one is reported), a missing key is one line and nothing is sent,
and gpg never runs on the event loop."""

from __future__ import annotations

import asyncio
import threading

import gnupg
import pytest
from slixmpp import JID

from tests.harness.client import headless_client, run, status_text, window_text
from tests.harness.cut_links import quiet
from tests.harness.pgp_keys import GpgHome, alice_and_bob
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind
from tui.xmpp.chat import archive as chat_archive

ENCRYPTED = "jabber:x:encrypted"
SIGNED = "jabber:x:signed"
FALLBACK = "This message is encrypted (OpenPGP, XEP-0027)"


@pytest.fixture
def keys():
    """alice's and bob's keyrings, each holding the other's public key."""
    with alice_and_bob() as pair:
        yield pair


@pytest.fixture
def gpg_threads(monkeypatch, keys):
    """The threads Parlons' gpg subprocesses are started from (not the test's own gpg's)."""
    seen: list[threading.Thread] = []
    real = gnupg.GPG._open_subprocess
    tests_own = {id(home.gpg) for home in keys}

    def recording(self, *args, **kwargs):
        if id(self) not in tests_own:
            seen.append(threading.current_thread())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(gnupg.GPG, "_open_subprocess", recording)
    return seen


def use_keyring(alice, home: GpgHome) -> None:
    alice.account.encryption.host.settings["pgp"] = {"gnupg_home": home.home}


def payload(stanza) -> str | None:
    element = stanza.xml.find(f"{{{ENCRYPTED}}}x")
    return None if element is None else element.text


def bob_says(bob, to: str, home: GpgHome, text: str, *fingerprints: str) -> None:
    """bob sends as a XEP-0027 client does (``GpgHome.send``)."""
    home.send(bob.xmpp, to, text, *fingerprints)


def signed_presence(bob, to: str, status: str, signature: str) -> None:
    presence = bob.xmpp.make_presence(pto=to, pstatus=status)
    element = presence.xml.makeelement(f"{{{SIGNED}}}x", {})
    element.text = signature
    presence.xml.append(element)
    presence.send()


async def query(alice, jid: str):
    await run(alice, f"/query {jid}")
    return await until(lambda: alice.account.chat.find_window(jid))


def bodies(window) -> list[str]:
    return [l.body for l in window.lines if l.kind in (LineKind.INCOMING, LineKind.OUTGOING)]


async def test_messages_both_ways_nothing_in_clear(alice, make_peer, keys, gpg_threads):
    mine, his = keys
    use_keyring(alice, mine)
    bob = await make_peer()
    await run(alice, f"/pgp setkey {mine.keyid}")
    assert f"Your OpenPGP key: {' '.join(mine.fingerprint[i:i + 4] for i in range(0, 40, 4))}" \
        in status_text(alice)
    await run(alice, f"/pgp contactkey {bob.jid} 0x{his.keyid.lower()}")
    assert f"OpenPGP key for {bob.jid}:" in status_text(alice)
    await run(alice, "/pgp keys")
    listing = status_text(alice)
    assert "OpenPGP keys in the keyring (2):" in listing
    assert "<alice@localhost>) [yours]" in listing and f"<bob@localhost>) [for {bob.jid}]" in listing
    await run(alice, "/pgp start")
    assert "/pgp start and /pgp end work in a conversation window (/query JID)" in status_text(alice)
    window = await query(alice, bob.jid)
    await run(alice, "/pgp end", window)
    assert f"What you send to {bob.jid} is not encrypted with OpenPGP" in window_text(window)
    conversation = alice.conversation_for(window)
    assert conversation.encryption_state is None
    await run(alice, "/pgp start", window)
    assert f"What you send to {bob.jid} is encrypted with OpenPGP (XEP-0027)" in window_text(window)
    assert conversation.encryption_state == "PGP"

    secrets = ["meet me at noon", "naïve ünïcode ✓ — ½ <b>&amp;</b>"]
    for text in secrets:
        await run(alice, text, window)
    await until(lambda: len(bob.messages) == 2, message=lambda: str(bob.bodies()))
    for received, text in zip(bob.messages, secrets):
        assert received.body == FALLBACK
        assert his.decrypt(payload(received.stanza)) == text  # decrypted exactly, by gpg itself
        assert text not in str(received.stanza) and "noon" not in str(received.stanza)
        eme = received.stanza.xml.find("{urn:xmpp:eme:0}encryption")
        assert eme is not None and eme.get("namespace") == ENCRYPTED
    # encrypted to alice too: her other devices (and the archive) can read it
    assert mine.decrypt(payload(bob.messages[0].stanza)) == secrets[0]
    lines = [l for l in window.lines if l.kind is LineKind.OUTGOING]
    assert [l.body for l in lines] == secrets and all(l.encryption == "pgp" for l in lines)

    bob_says(bob, alice.jid, his, "see you there ☕", mine.fingerprint, his.fingerprint)
    await until(lambda: "see you there ☕" in bodies(window), message=lambda: window_text(window))
    assert FALLBACK not in window_text(window) and "[encrypted]" not in window_text(window)
    stored = [r.text for r in await alice.account.store.db.latest(bob.jid, 10)]
    assert stored == [*secrets, "see you there ☕"]

    # the archive (a MAM query as alice) holds ciphertext only
    archived = [m async for m in alice.account.session.xmpp.plugin["xep_0313"].iterate(with_jid=JID(bob.jid))]
    archived_text = "\n".join(str(m) for m in archived)
    assert archived_text.count(f'<x xmlns="{ENCRYPTED}">') == 3, archived_text
    assert not any(text in archived_text for text in [*secrets, "see you there", "noon"])

    await run(alice, "/pgp end", window)
    assert conversation.encryption_state is None
    await run(alice, "in clear again", window)
    await until(lambda: bob.bodies()[-1:] == ["in clear again"])
    assert payload(bob.messages[-1].stanza) is None

    # every gpg call of Parlons ran in a worker thread, never on the event loop's
    assert len(gpg_threads) >= 6 and threading.current_thread() not in gpg_threads


async def test_a_missing_key_is_one_line_and_nothing_is_sent(alice, make_peer, keys):
    mine, his = keys
    use_keyring(alice, mine)
    bob = await make_peer()
    window = await query(alice, bob.jid)
    await run(alice, "/pgp start", window)
    assert "set your OpenPGP key first: /pgp setkey KEYID" in window_text(window)
    await run(alice, f"/pgp setkey {mine.fingerprint}")
    await run(alice, "/pgp start", window)
    assert f"no OpenPGP key for {bob.jid}: /pgp contactkey {bob.jid} KEYID" in window_text(window)
    assert alice.conversation_for(window).encryption is None

    await run(alice, "/pgp contactkey bob 0xDEADBEEF", window)
    assert "No contact called bob: not a roster name nor a JID" in window_text(window)
    await run(alice, f"/pgp contactkey {bob.jid} DEADBEEFDEADBEEF", window)
    assert "no public key DEADBEEFDEADBEEF in the keyring (import it first: gpg --import)" \
        in window_text(window)

    # chosen anyway (/encrypt pgp): what cannot be encrypted is not sent at all
    await run(alice, "/encrypt pgp", window)
    await run(alice, "the secret plan", window)
    line = next(l for l in window.lines if l.body == "the secret plan")
    await until(lambda: line.delivery is Delivery.FAILED, message=lambda: window_text(window))
    said = [l.body for l in window.lines if "not sent to" in l.body]
    assert said == [f"not sent to {bob.jid}: not encrypted: no OpenPGP key for {bob.jid}: "
                    f"/pgp contactkey {bob.jid} KEYID — /retry sends it again"]
    await run(alice, "/encrypt off", window)
    await run(alice, "clear marker", window)
    await until(lambda: bob.bodies() == ["clear marker"], message=lambda: str(bob.bodies()))


async def test_signed_presence_both_ways_and_a_tampered_one(alice, make_peer, keys):
    mine, his = keys
    use_keyring(alice, mine)
    bob = await make_peer()
    window = await query(alice, bob.jid)

    # bob's signed presence teaches alice his key
    signed_presence(bob, alice.jid, "at lunch", his.sign("at lunch"))
    await until(lambda: "key learned for" in window_text(window), message=lambda: window_text(window))
    fpr = " ".join(his.fingerprint[i:i + 4] for i in range(0, 40, 4))
    assert f"presence of {bob.full_jid} signed by {fpr}: key learned for {bob.jid}" in window_text(window)
    await run(alice, "/pgp fpr", window)
    assert f"{bob.jid}: {fpr} (learned from a signed presence)" in window_text(window)

    # a signature that does not match its status: reported loudly, the key kept
    signed_presence(bob, alice.jid, "at work", his.sign("at lunch"))
    await until(lambda: "BAD OpenPGP signature" in window_text(window), message=lambda: window_text(window))
    warning = next(l for l in window.lines if "BAD OpenPGP signature" in l.body)
    assert warning.kind is LineKind.ERROR
    assert f"WARNING: the presence of {bob.full_jid} carries a BAD OpenPGP signature" in warning.body

    # alice's presence is signed once her key is set: bob (a subscriber) checks it with gpg
    got: list = []
    bob.xmpp.add_event_handler("presence", lambda p: got.append(p) if p["from"].bare == alice.jid else None)
    await bob.xmpp.get_roster()
    bob.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
    await until(lambda: f"{bob.jid} asks to see your presence" in status_text(alice), timeout=5)
    await run(alice, f"/authorize {bob.jid}")
    await until(lambda: got, timeout=5)
    assert all(p.xml.find(f"{{{SIGNED}}}x") is None for p in got)  # no key yet: unsigned
    await run(alice, f"/pgp setkey {mine.keyid}")
    await run(alice, "/status away on the phone")

    def signed() -> list:
        return [p for p in got if p["status"] == "on the phone" and p.xml.find(f"{{{SIGNED}}}x") is not None]

    await until(signed, timeout=5, message=lambda: "\n".join(map(str, got)))
    checked = his.verify("on the phone", signed()[0].xml.find(f"{{{SIGNED}}}x").text)
    assert checked.valid and checked.pubkey_fingerprint == mine.fingerprint


async def said_while_away(make_account, make_peer, mine: GpgHome, his: GpgHome, count: int):
    """bob writes ``count`` encrypted messages to alice while her phone is
    online and Parlons is not: only her archive has them. (jid, password, bob, said)."""
    jid, password = make_account("alice")
    bob = await make_peer()
    phone = await make_peer(jid, password)
    said = [f"secret {n}" for n in range(count)]
    for text in said:
        bob_says(bob, jid, his, text, mine.fingerprint, his.fingerprint)
    await until(lambda: len(phone.messages) == len(said), message=lambda: str(phone.bodies()))
    await phone.stop()
    return jid, password, bob, said


async def test_what_the_archive_brings_is_decrypted_caught_up_or_scrolled_back_to(
        prosody, make_account, make_peer, keys, tmp_path, monkeypatch):
    """bob wrote while alice was away. Her first start reads the newest from
    the archive; scrolling back reads the page before them. Both are
    decrypted, shown and stored as plaintext, never as the fallback body."""
    mine, his = keys
    monkeypatch.setattr(chat_archive, "FIRST_RUN_MESSAGES", 3)
    jid, password, bob, said = await said_while_away(make_account, make_peer, mine, his, 8)

    async with headless_client(prosody, jid, password, tmp_path,
                               encryption={"pgp": {"gnupg_home": mine.home}}) as alice:
        chat = alice.account.chat
        await until(lambda: chat.find_window(bob.jid) and bodies(chat.find_window(bob.jid)) == said[-3:],
                    message=lambda: status_text(alice))
        await quiet(alice)
        window = chat.find_window(bob.jid)
        assert await chat.load_older(window) == len(said) - 3
        assert bodies(window) == said
        assert all(line.encryption == "pgp" for line in window.lines if line.kind is LineKind.INCOMING)
        assert [r.text for r in await alice.account.store.db.latest(bob.jid, 20)] == said


async def test_a_passphrase_asked_for_the_archive_keeps_no_one_waiting(
        prosody, make_account, make_peer, tmp_path):
    """alice's key is protected and gpg-agent does not have its passphrase:
    the first encrypted message her catch-up reads asks for it. Until she
    answers, a line she types to carol is shown and sent (the reading is
    decrypted beside the account's queue, not in it); then bob's messages
    come, decrypted, before it."""
    passphrase = "Tr0ub4dor3xq9"
    with alice_and_bob(alice_passphrase=passphrase) as (mine, his):
        jid, password, bob, said = await said_while_away(make_account, make_peer, mine, his, 3)
        carol = await make_peer()
        asked: list[str] = []
        answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        async def ask_secret(prompt: str) -> str | None:
            asked.append(prompt)
            return await answer

        async with headless_client(prosody, jid, password, tmp_path, wait_online=False,
                                   encryption={"pgp": {"gnupg_home": mine.home}}) as alice:
            alice.account.encryption.host.ask_secret = ask_secret  # (before the session's first stanza)
            chat = alice.account.chat
            await until(lambda: asked, timeout=10, message=lambda: status_text(alice))
            await asyncio.wait_for(chat.send(carol.jid, "hi carol"), timeout=5)
            await until(lambda: carol.bodies() == ["hi carol"], message=lambda: str(carol.bodies()))
            assert chat.find_window(bob.jid) is None  # nothing of bob's shown yet

            answer.set_result(passphrase)
            await until(lambda: chat.find_window(bob.jid) and bodies(chat.find_window(bob.jid)) == said,
                        message=lambda: status_text(alice))
            await quiet(alice)
            assert [r.text for r in await alice.account.store.db.latest(bob.jid, 20)] == said
            assert len(asked) == 1  # the agent has it now
