"""OX, OpenPGP for XMPP (XEP-0373/0374), through the real Prosody (issue 11):
bob is raw slixmpp + python-gnupg (tests/harness/ox_peer.py, not Parlons'
modules) publishing his key in PEP and writing his own <signcrypt/>; alice
is Parlons with a throwaway keyring whose key carries ``xmpp:alice@…``.
Keys are published and discovered over PEP, messages go both ways and are
read exactly, nothing leaves or is archived in clear, and a peer that lies
(another recipient, an unannounced key, an old time, no signature) is
refused or flagged — never shown as a good encrypted message."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from slixmpp import JID

from tests.harness.client import run, status_text, window_text
from tests.harness.ox_peer import NS, OxPeer, signcrypt
from tests.harness.pgp_keys import GpgHome
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind

FALLBACK = "This message is encrypted (OpenPGP for XMPP, XEP-0373)"


def spaced(fingerprint: str) -> str:
    return " ".join(fingerprint[i:i + 4] for i in range(0, 40, 4))


@pytest.fixture
def homes():
    made: list[GpgHome] = []

    def make(jid: str) -> GpgHome:
        made.append(GpgHome("unused", uid=f"xmpp:{jid}"))
        return made[-1]

    yield make
    for home in made:
        home.close()


async def setup(alice, make_peer, homes):
    """alice (keyring with her OX key, announced) and bob (an OxPeer, announced, holding alice's key)."""
    mine = homes(alice.jid)
    alice.account.encryption.host.settings["pgp"] = {"gnupg_home": mine.home}
    peer = await make_peer()
    bob = OxPeer(peer, homes(peer.jid))
    await run(alice, "/ox announce")
    assert f"Your OX key is announced: {spaced(mine.fingerprint)} (xmpp:{alice.jid})" in status_text(alice)
    # bob reads alice's key from her PEP nodes as any OX client would, and imports it
    announced = await bob.announced_by(alice.jid)
    assert [f for f, _ in announced] == [mine.fingerprint]
    assert bob.home.gpg.import_keys(announced[0][1]).fingerprints == [mine.fingerprint]
    await bob.announce()
    return mine, bob


async def query(alice, jid: str):
    await run(alice, f"/query {jid}")
    return await until(lambda: alice.account.chat.find_window(jid))


def bodies(window, kind=LineKind.INCOMING) -> list[str]:
    return [l.body for l in window.lines if l.kind is kind]


async def test_keys_over_pep_and_messages_both_ways(alice, make_peer, homes):
    mine, bob = await setup(alice, make_peer, homes)
    window = await query(alice, bob.jid)
    await run(alice, f"/ox discover {bob.jid}", window)
    assert f"OX keys of {bob.jid}: {spaced(bob.home.fingerprint)}" in window_text(window)
    await run(alice, "/encryption", window)
    assert f"{bob.jid} offers: OX (keys known)" in window_text(window)
    await run(alice, "/ox start", window)
    assert f"What you send to {bob.jid} is signed and encrypted with OX to {spaced(bob.home.fingerprint)}" \
        in window_text(window)
    conversation = alice.conversation_for(window)
    assert conversation.encryption_state == "OX"

    secrets = ["meet me at noon", "naïve ünïcode ✓ — ½ <b>&amp;</b>"]
    for text in secrets:
        await run(alice, text, window)
    await until(lambda: len(bob.peer.messages) == 2, message=lambda: str(bob.peer.bodies()))
    for received, text in zip(bob.peer.messages, secrets):
        assert received.body == FALLBACK
        assert text not in str(received.stanza) and "noon" not in str(received.stanza)
        signer, body, content = bob.read(received.stanza)
        assert (signer, body) == (mine.fingerprint, text)  # signed by alice's key, read exactly
        assert [to.get("jid") for to in content.iter(f"{{{NS}}}to")] == [bob.jid]
        assert content.find(f"{{{NS}}}rpad") is not None and content.find(f"{{{NS}}}time") is not None
        eme = received.stanza.xml.find("{urn:xmpp:eme:0}encryption")
        assert eme is not None and eme.get("namespace") == NS
    pads = {len(bob.read(r.stanza)[2].find(f"{{{NS}}}rpad").text) for r in bob.peer.messages}
    lines = [l for l in window.lines if l.kind is LineKind.OUTGOING]
    assert [l.body for l in lines] == secrets and all(l.encryption == "ox" for l in lines)
    assert pads  # (random lengths: not asserted distinct, two draws may match)

    bob.send(alice.jid, signcrypt("see you there ☕", alice.jid))
    await until(lambda: "see you there ☕" in bodies(window), message=lambda: window_text(window))
    line = next(l for l in window.lines if l.body == "see you there ☕")
    assert line.encryption == "ox" and FALLBACK not in window_text(window)

    # the archive (a MAM query as alice) holds ciphertext only
    archived = [m async for m in alice.account.session.xmpp.plugin["xep_0313"].iterate(with_jid=JID(bob.jid))]
    archived_text = "\n".join(str(m) for m in archived)
    assert archived_text.count(f'<openpgp xmlns="{NS}">') == 3, archived_text
    assert not any(text in archived_text for text in [*secrets, "see you there", "noon"])

    await run(alice, "/ox end", window)
    assert conversation.encryption_state is None
    await run(alice, "in clear again", window)
    await until(lambda: bob.peer.bodies()[-1:] == ["in clear again"])


async def test_a_first_message_reads_the_senders_key_from_pep(alice, make_peer, homes):
    """No /ox discover: bob's first message makes alice read his announced key."""
    mine, bob = await setup(alice, make_peer, homes)
    bob.send(alice.jid, signcrypt("first contact", alice.jid))
    window = await until(lambda: alice.account.chat.find_window(bob.jid))
    await until(lambda: "first contact" in bodies(window), message=lambda: window_text(window))
    # said where alice is told of it (the window did not exist yet: the status window)
    assert f"OX keys of {bob.jid} read from their account: {spaced(bob.home.fingerprint)}" \
        in window_text(window) + status_text(alice)
    await run(alice, "/ox start", window)  # and she can answer at once
    await run(alice, "hello back", window)
    await until(lambda: len(bob.peer.messages) == 1)
    assert bob.read(bob.peer.messages[0].stanza)[1] == "hello back"


async def test_lies_are_refused_or_flagged(alice, make_peer, homes):
    mine, bob = await setup(alice, make_peer, homes)
    window = await query(alice, bob.jid)
    await run(alice, f"/ox discover {bob.jid}", window)

    # addressed to someone else (a message bob got, forwarded to alice): not shown
    bob.send(alice.jid, signcrypt("meant for carol", "carol@localhost"))
    # signed by a key bob's account does not announce: not shown
    stranger = homes(bob.jid)
    stranger.learn(mine)
    bob.send(alice.jid, signcrypt("from a stranger's key", alice.jid), signer=stranger,
             recipients=[mine.fingerprint])
    # not signed at all: not shown
    bob.send(alice.jid, signcrypt("unsigned", alice.jid), sign=False)
    # signed two days ago: shown, with a warning beside it
    old = datetime.now(timezone.utc) - timedelta(days=2)
    bob.send(alice.jid, signcrypt("an old one", alice.jid, when=old))
    bob.send(alice.jid, signcrypt("marker", alice.jid))
    await until(lambda: "marker" in bodies(window), message=lambda: window_text(window))
    shown = bodies(window)
    assert shown[-2:] == ["an old one", "marker"] and len(shown) == 5
    assert all(body.startswith("[could not decrypt this message: ") for body in shown[:3])
    text = window_text(window)
    assert f"signed for carol@localhost, not for {alice.jid}: not shown" in text
    assert f"signed by key {stranger.keyid}, which {bob.jid} does not announce" in text
    assert f"OX message from {bob.jid} without a signature: not shown" in text
    warning = next(l for l in window.lines if "may be an old message sent again" in l.body)
    assert warning.kind is LineKind.ERROR
    for secret in ("meant for carol", "from a stranger's key", "unsigned"):
        assert secret not in text


async def test_a_key_change_is_loud_and_needs_discover(alice, make_peer, homes):
    mine, bob = await setup(alice, make_peer, homes)
    window = await query(alice, bob.jid)
    await run(alice, f"/ox discover {bob.jid}", window)
    await run(alice, "/ox start", window)
    new = homes(bob.jid)
    new.learn(mine)
    await bob.announce(new)  # bob's account now announces another key
    bob.send(alice.jid, signcrypt("with my new key", alice.jid), signer=new, recipients=[mine.fingerprint])
    await until(lambda: "with my new key" in bodies(window), message=lambda: window_text(window))
    warning = next(l for l in window.lines if "signed with a NEW key" in l.body)
    assert warning.kind is LineKind.ERROR and spaced(new.fingerprint) in warning.body
    # what alice sends still goes to the key she knows until she accepts the new one
    await run(alice, "still to the old key", window)
    await until(lambda: len(bob.peer.messages) == 1)
    assert bob.read(bob.peer.messages[0].stanza)[1] == "still to the old key"
    await run(alice, f"/ox discover {bob.jid}", window)
    changed = next(l for l in window.lines if "OX keys CHANGED" in l.body)
    assert changed.kind is LineKind.ERROR
    assert f"now {spaced(new.fingerprint)}; before {spaced(bob.home.fingerprint)}" in changed.body
    await run(alice, "to the new key", window)
    await until(lambda: len(bob.peer.messages) == 2)
    assert new.decrypt_binary(bob.peer.messages[1].stanza) == "to the new key"


async def test_without_keys_nothing_is_sent(alice, make_peer, homes):
    mine = homes(alice.jid)
    alice.account.encryption.host.settings["pgp"] = {"gnupg_home": mine.home}
    peer = await make_peer()
    window = await query(alice, peer.jid)
    await run(alice, "/ox start", window)
    assert f"no OX key for {peer.jid}: they announce none that you may read" in window_text(window)
    assert alice.conversation_for(window).encryption is None
    await run(alice, "/encrypt ox", window)  # chosen anyway: what cannot be encrypted is not sent
    await run(alice, "the secret plan", window)
    line = next(l for l in window.lines if l.body == "the secret plan")
    await until(lambda: line.delivery is Delivery.FAILED, message=lambda: window_text(window))
    await run(alice, "/encrypt off", window)
    await run(alice, "clear marker", window)
    await until(lambda: peer.bodies() == ["clear marker"], message=lambda: str(peer.bodies()))


async def test_no_key_of_ours_is_one_line(alice, homes):
    other = homes("someone-else@localhost")
    alice.account.encryption.host.settings["pgp"] = {"gnupg_home": other.home}
    await run(alice, "/ox announce")
    assert f"no secret key with the user id xmpp:{alice.jid} in the keyring" in status_text(alice)
    await run(alice, f"/ox announce {other.fingerprint}")
    assert f"has no user id xmpp:{alice.jid}, which OX peers look for" in status_text(alice)
    assert base64  # (imported for the harness's sake elsewhere)
