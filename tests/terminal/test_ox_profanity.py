"""OX (XEP-0373/0374) against another client: Debian's Profanity (gpgme)
under tmux as bob, Parlons (headless) as alice, each with a throwaway
keyring holding only its own key (user id ``xmpp:JID``, as Profanity's
man page profanity-ox-setup says). Each announces its key in PEP with its
own /ox announce; each imports the other's from PEP (Profanity's /ox
request, Parlons' /ox discover); then messages go both ways, read in clear
on the other side, never the fallback."""

from __future__ import annotations

import subprocess

from tests.harness.client import run, status_text, window_text
from tests.harness.fixtures import alice  # noqa: F401  (the headless Parlons)
from tests.harness.pgp_keys import GpgHome
from tests.harness.profanity import Profanity
from tests.harness.wait import until
from tui.core.model import LineKind


def spaced(fingerprint: str) -> str:
    return " ".join(fingerprint[i:i + 4] for i in range(0, 40, 4))


async def test_ox_with_profanity_both_ways(alice, prosody, make_account):  # noqa: F811
    bob_jid, bob_password = make_account("bob")
    profanity = Profanity(prosody, bob_jid, bob_password)
    his = GpgHome("unused", uid=f"xmpp:{bob_jid}", home=profanity.home / ".gnupg")  # gpgme: $HOME/.gnupg
    mine = GpgHome("unused", uid=f"xmpp:{alice.jid}")
    try:
        key_file = profanity.home / "pep-key.gpg"  # what `gpg --export` gives, as its man page shows
        key_file.write_bytes(his.gpg.export_keys(his.fingerprint, armor=False, minimal=True))
        await profanity.start()
        await profanity.command(f"/ox announce {key_file}")
        alice.account.encryption.host.settings["pgp"] = {"gnupg_home": mine.home}
        await run(alice, "/ox announce")
        assert f"Your OX key is announced: {spaced(mine.fingerprint)}" in status_text(alice)

        # each reads the other's key from PEP
        await profanity.command(f"/ox request {alice.jid} {mine.fingerprint}")
        await profanity.wait_for("Public Key imported")
        # Profanity's man page: "sign the key with your key. Only once you signed the
        # key you can actually use OX" (gpgme refuses an unvalidated key)
        signed = subprocess.run(["gpg", "--homedir", his.home, "--batch", "--yes", "--default-key",
                                 his.fingerprint, "--quick-lsign-key", mine.fingerprint],
                                capture_output=True, text=True)
        assert signed.returncode == 0, signed.stderr
        await run(alice, f"/query {bob_jid}")
        window = await until(lambda: alice.account.chat.find_window(bob_jid))
        # Profanity publishes its key nodes open only when the server's own disco
        # lists publish-options (Prosody lists it on accounts): so they are
        # readable by bob's contacts — alice becomes one
        await run(alice, f"/roster add {bob_jid}")
        await profanity.wait_for("authorization request from")
        await profanity.command(f"/sub allow {alice.jid}")
        roster = alice.account.session.xmpp.client_roster
        await until(lambda: roster[bob_jid]["subscription"] in ("to", "both"))
        await run(alice, f"/ox discover {bob_jid}", window)
        assert f"OX keys of {bob_jid}: {spaced(his.fingerprint)}" in window_text(window), window_text(window)

        # Profanity → Parlons
        await profanity.command(f"/msg {alice.jid}")
        await profanity.command("/ox start")
        await profanity.wait_for("OX encryption enabled")
        await profanity.command("hello from profanity ✓")
        await until(lambda: any(l.body == "hello from profanity ✓" for l in window.lines), timeout=15,
                    message=lambda: "\n--- ".join([window_text(window), "profanity:", profanity.screen()[-2000:],
                                                    "its log:", profanity.log()]))
        line = next(l for l in window.lines if l.body == "hello from profanity ✓")
        assert line.kind is LineKind.INCOMING and line.encryption == "ox"

        # Parlons → Profanity
        await run(alice, "/ox start", window)
        assert alice.conversation_for(window).encryption_state == "OX"
        await run(alice, "hello from parlons ½", window)
        await profanity.wait_for("hello from parlons ½", timeout=15)
        assert "This message is encrypted" not in profanity.screen()
        assert not any(l.kind is LineKind.ERROR for l in window.lines), window_text(window)
    finally:
        his.close()  # its agent killed before Profanity's home (holding the keyring) goes
        mine.close()
        profanity.stop()
