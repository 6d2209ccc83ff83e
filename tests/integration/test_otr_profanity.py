"""OTR against libotr: Profanity (Debian's, libotr 4.1.1; tests/harness/profanity)
as bob, Parlons as alice, through the test Prosody. The handshake with either
side sending the DH commit, messages both ways, the fingerprints each side
shows, SMP verifying, the peer ending the session — the proof that our DSA
signatures are the ones libotr computes (not FIPS-truncated)."""

from __future__ import annotations

import re


from tests.harness.client import run, window_text
from tests.harness.wait import until
from tui.core.model import LineKind
from tui.crypto.otr.scheme import pretty_fingerprint

FINGERPRINT = re.compile(r"([0-9A-F]{8} ){4}[0-9A-F]{8}")



def incoming(window) -> list[str]:
    return [line.body for line in window.lines if line.kind is LineKind.INCOMING]


async def test_otr_with_profanity(alice, profanity):
    bob = profanity.jid
    state = lambda: alice.account.encryption.state(bob)  # noqa: E731
    await profanity.command("/otr gen")
    await profanity.wait_for("Private key generation complete", timeout=120)
    await run(alice, f"/msg {bob} hello profanity")
    window = await until(lambda: alice.account.chat.find_window(bob), timeout=20)
    await profanity.command(f"/msg {alice.jid} hello parlons")  # bob's window with alice
    await until(lambda: "hello parlons" in incoming(window), message=lambda: window_text(window))

    # alice starts; libotr answers the query (it sends the DH commit)
    await run(alice, "/otr start", window)
    await until(lambda: state() == "OTR unverified", timeout=20,
                message=lambda: window_text(window) + "\n---\n" + profanity.screen())
    await run(alice, "secret to profanity", window)
    await profanity.wait_for("secret to profanity")
    await profanity.command("secret to parlons")
    await until(lambda: "secret to parlons" in incoming(window), message=lambda: window_text(window))

    # fingerprints: what Profanity shows is what Parlons has
    ours, theirs, _trust = await alice.account.encryption.instance("otr").fingerprints(bob)
    await profanity.command("/otr theirfp")
    await profanity.command("/otr myfp")
    await until(lambda: len(FINGERPRINT.findall(profanity.screen())) >= 2, message=profanity.screen)
    screen = profanity.screen()
    assert f"OTR fingerprint: {pretty_fingerprint(ours)}" in screen  # bob's view of alice's key
    assert f"Your OTR fingerprint: {pretty_fingerprint(theirs)}" in screen

    # SMP with libotr: alice asks, Profanity answers right: verified
    await run(alice, '/otr smp "our server?" prosody', window)
    await profanity.wait_for("our server?")
    await profanity.command("/otr answer prosody")
    await until(lambda: f"SMP with {bob} succeeded: their key is verified" in window_text(window),
                timeout=20, message=lambda: window_text(window) + "\n---\n" + profanity.screen())
    assert state() == "OTR verified"

    # Profanity ends it: said, held; then asks for a new session, and potr
    # answers it (this time Parlons sends the DH commit)
    await profanity.command("/otr end")
    await until(lambda: state() == "OTR finished by peer", message=lambda: window_text(window))
    await run(alice, "/otr end", window)
    alice.account.encryption.host.settings["otr"] = {"policy": "opportunistic"}
    await profanity.command("/otr start")
    await until(lambda: state() == "OTR verified", timeout=20,
                message=lambda: window_text(window) + "\n---\n" + profanity.screen())
    await profanity.command("second session")
    await until(lambda: "second session" in incoming(window), message=lambda: window_text(window))
    await run(alice, "second answer", window)
    await profanity.wait_for("second answer")
