"""OTR against libotr: Profanity (Debian's, libotr 4.1.1) as bob under tmux,
Parlons (headless) as alice, through the test Prosody. The handshake with
either side sending the DH commit, messages both ways, the fingerprints each
side shows, SMP verifying, the peer ending the session — the proof that our
DSA signatures are the ones libotr computes (not FIPS-truncated)."""

from __future__ import annotations

import re

from tests.harness.client import headless_client, run, window_text
from tests.harness.wait import until
from tui.core.model import LineKind
from tui.crypto.otr.scheme import pretty_fingerprint

def profanity_account(home, jid: str, password: str, prosody) -> dict[str, str]:
    """XDG dirs for a Profanity that logs into ``jid`` on the test server (trusting its certificate)."""
    config, data = home / "config", home / "data"
    (config / "profanity").mkdir(parents=True)
    (data / "profanity").mkdir(parents=True)
    (config / "profanity" / "profrc").write_text(
        "[ui]\nsplash=false\n[notifications]\nmessage=false\n[otr]\npolicy=manual\n[connection]\n"
        "autoping=0\n")
    (data / "profanity" / "accounts").write_text(
        f"[{jid}]\nenabled=true\njid={jid}\nserver={prosody.host}\nport={prosody.c2s_port}\n"
        f"resource=profanity\npassword={password}\ntls.policy=trust\n")
    return {"XDG_CONFIG_HOME": str(config), "XDG_DATA_HOME": str(data), "HOME": str(home)}


async def test_otr_with_profanity(prosody, make_account, tmux, tmp_path):
    bob, bob_password = make_account("bob")
    jid, password = make_account("alice")
    tmux.start(["profanity", "-a", bob], env=profanity_account(tmp_path / "bob", bob, bob_password, prosody),
               width=200, height=50)
    await until(lambda: "Connection attempt" in tmux.capture() or "logged in" in tmux.capture().lower(),
                timeout=20, message=lambda: tmux.capture())
    await until(lambda: f"{bob}/profanity logged in successfully" in tmux.capture(), timeout=20,
                message=lambda: tmux.capture())
    tmux.type_line("/otr gen")
    await until(lambda: "Private key generation complete" in tmux.capture(), timeout=120,
                message=lambda: tmux.capture())
    async with headless_client(prosody, jid, password, tmp_path / "alice") as alice:
        await run(alice, f"/msg {bob} hello profanity")
        await until(lambda: alice.account.chat.find_window(bob) is not None)
        window = alice.account.chat.find_window(bob)
        tmux.type_line(f"/msg {jid} hello parlons")  # opens bob's window with alice
        await until(lambda: "hello parlons" in window_text(window), message=lambda: window_text(window))

        # alice starts; libotr answers
        await run(alice, "/otr start", window)
        await until(lambda: alice.account.encryption.state(bob) == "OTR unverified", timeout=20,
                    message=lambda: window_text(window) + "\n---\n" + tmux.capture())
        await run(alice, "secret to profanity", window)
        await until(lambda: "secret to profanity" in tmux.capture(), message=lambda: tmux.capture())
        tmux.type_line("secret to parlons")
        await until(lambda: "secret to parlons" in [l.body for l in window.lines if l.kind is LineKind.INCOMING],
                    message=lambda: window_text(window))

        # fingerprints: what Profanity shows is what Parlons has
        ours, theirs, _trust = await alice.account.encryption.instance("otr").fingerprints(bob)
        tmux.type_line("/otr theirfp")
        tmux.type_line("/otr myfp")
        await until(lambda: len(re.findall(r"[0-9A-F]{8} [0-9A-F]{8} [0-9A-F]{8} [0-9A-F]{8} [0-9A-F]{8}",
                                           tmux.capture())) >= 2, message=lambda: tmux.capture())
        screen = tmux.capture()
        assert pretty_fingerprint(ours) in screen and pretty_fingerprint(theirs) in screen

        # SMP with libotr: alice asks, Profanity answers right: verified
        await run(alice, '/otr smp "our server?" prosody', window)
        await until(lambda: "our server?" in tmux.capture(), message=lambda: tmux.capture())
        tmux.type_line("/otr answer prosody")
        await until(lambda: f"SMP with {bob} succeeded: their key is verified" in window_text(window),
                    timeout=20, message=lambda: window_text(window) + "\n---\n" + tmux.capture())
        assert alice.account.encryption.state(bob) == "OTR verified"

        # Profanity ends it: said, held; then Profanity asks for a new one and
        # potr answers it (this time Parlons sends the DH commit)
        tmux.type_line("/otr end")
        await until(lambda: alice.account.encryption.state(bob) == "OTR finished by peer",
                    message=lambda: window_text(window))
        await run(alice, "/otr end", window)
        alice.account.encryption.host.settings["otr"] = {"policy": "opportunistic"}
        tmux.type_line("/otr start")
        await until(lambda: alice.account.encryption.state(bob) == "OTR verified", timeout=20,
                    message=lambda: window_text(window) + "\n---\n" + tmux.capture())
        tmux.type_line("second session")
        await until(lambda: "second session" in [l.body for l in window.lines if l.kind is LineKind.INCOMING],
                    message=lambda: window_text(window))
        await run(alice, "second answer", window)
        await until(lambda: "second answer" in tmux.capture(), message=lambda: tmux.capture())
        tmux.type_line("/quit")
