"""XEP-0027 against another client: Debian's Profanity (gpgme) under tmux
as bob (tests/harness/profanity.py), Parlons (headless) as alice, each with
a throwaway keyring holding the other's public key. Messages go both ways
and are read in clear on the other side, and Profanity's signed presence
verifies in Parlons."""

from __future__ import annotations

from tests.harness.client import run, window_text
from tests.harness.pgp_keys import GpgHome
from tests.harness.profanity import Profanity
from tests.harness.wait import until
from tests.harness.fixtures import alice  # noqa: F401  (the headless Parlons)
from tui.core.model import LineKind


def spaced(fingerprint: str) -> str:
    return " ".join(fingerprint[i:i + 4] for i in range(0, 40, 4))


async def test_xep0027_with_profanity_both_ways(alice, prosody, make_account):  # noqa: F811
    bob_jid, bob_password = make_account("bob")
    profanity = Profanity(prosody, bob_jid, bob_password)
    his = GpgHome(bob_jid, home=profanity.home / ".gnupg")  # gpgme reads $HOME/.gnupg
    mine = GpgHome(alice.jid)
    try:
        mine.learn(his)
        his.learn(mine)
        await profanity.start()
        await profanity.command(f"/account set {bob_jid} pgpkeyid {his.keyid}")
        alice.account.encryption.host.settings["pgp"] = {"gnupg_home": mine.home}
        await run(alice, f"/pgp setkey {mine.fingerprint}")
        await run(alice, f"/pgp contactkey {bob_jid} {his.keyid}")
        await run(alice, f"/query {bob_jid}")
        window = await until(lambda: alice.account.chat.find_window(bob_jid))

        # Profanity → Parlons
        await profanity.command(f"/pgp setkey {alice.jid} {mine.keyid}")
        await profanity.command(f"/msg {alice.jid}")
        await profanity.command("/pgp start")
        await profanity.wait_for("PGP encryption enabled")
        await profanity.command("hello from profanity ✓")
        await until(lambda: any(l.body == "hello from profanity ✓" for l in window.lines), timeout=10,
                    message=lambda: window_text(window))
        line = next(l for l in window.lines if l.body == "hello from profanity ✓")
        assert line.kind is LineKind.INCOMING and line.encryption == "pgp"

        # Parlons → Profanity
        await run(alice, "/pgp start", window)
        await run(alice, "hello from parlons ½", window)
        await profanity.wait_for("hello from parlons ½")
        assert "This message is encrypted" not in profanity.screen()

        # Profanity signs its presence: alice subscribes and checks it
        presences: list[str] = []  # what alice received, for a failure message
        alice.account.session.xmpp.add_event_handler("presence", lambda p: presences.append(str(p)))
        await run(alice, f"/roster add {bob_jid}")
        await profanity.wait_for("Authorization request")
        await profanity.command(f"/sub allow {alice.jid}")
        await profanity.command('/status set away "signed by gpgme"')
        await until(lambda: f"presence of {bob_jid}/" in window_text(window) and
                    f"signed by {spaced(his.fingerprint)}" in window_text(window),
                    timeout=10, message=lambda: "\n--- ".join(
                        [window_text(window), "profanity:", profanity.screen()[-3000:], *presences]))
    finally:
        his.close()  # its agent killed before Profanity's home (holding the keyring) goes
        mine.close()
        profanity.stop()
