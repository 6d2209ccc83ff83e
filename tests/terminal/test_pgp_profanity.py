"""XEP-0027 against another client: Debian's Profanity (gpgme) under tmux
as bob, Parlons (headless) as alice, each with a throwaway keyring holding
the other's public key. Messages go both ways and are read in clear on the
other side, and Profanity's signed presence verifies in Parlons."""

from __future__ import annotations

from pathlib import Path

from tests.harness.client import headless_client, run, window_text
from tests.harness.pgp_keys import GpgHome
from tests.harness.terminal import screen_shows
from tests.harness.wait import until
from tui.core.model import LineKind


def profanity_account(xdg: Path, server, jid: str, password: str, keyid: str) -> None:
    (xdg / "data" / "profanity").mkdir(parents=True)
    (xdg / "config" / "profanity").mkdir(parents=True)
    # tls.policy=trust: Profanity cannot be given the harness CA; Parlons' side is verified
    (xdg / "data" / "profanity" / "accounts").write_text(f"""[{jid}]
enabled=true
jid={jid}
server={server.host}
port={server.c2s_port}
resource=profanity
password={password}
tls.policy=trust
pgp.keyid={keyid}
""")
    (xdg / "config" / "profanity" / "profrc").write_text("[ui]\nsplash=false\n")


async def test_xep0027_with_profanity_both_ways(prosody, make_account, tmux, tmp_path):
    alice_jid, alice_password = make_account("alice")
    bob_jid, bob_password = make_account("bob")
    mine, his = GpgHome(alice_jid), GpgHome(bob_jid)
    try:
        mine.learn(his)
        his.learn(mine)
        xdg = tmp_path / "xdg"
        profanity_account(xdg, prosody, bob_jid, bob_password, his.keyid)
        tmux.start(["profanity", "-a", bob_jid], env={
            "XDG_DATA_HOME": str(xdg / "data"), "XDG_CONFIG_HOME": str(xdg / "config"),
            "GNUPGHOME": his.home, "HOME": str(tmp_path)})
        await screen_shows(tmux, "logged in successfully")

        async with headless_client(prosody, alice_jid, alice_password, tmp_path / "alice") as alice:
            alice.account.encryption.host.settings["pgp"] = {"gnupg_home": mine.home}
            await run(alice, f"/pgp setkey {mine.fingerprint}")
            await run(alice, f"/pgp contactkey {bob_jid} {his.keyid}")
            await run(alice, f"/query {bob_jid}")  # open (a window opened by a message shows it from the store)
            window = await until(lambda: alice.account.chat.find_window(bob_jid))

            # Profanity → Parlons
            for line in (f"/pgp setkey {alice_jid} {mine.keyid}", f"/msg {alice_jid}", "/pgp start",
                         "hello from profanity ✓"):
                tmux.send_text(line)
                tmux.send_keys("Enter")
                if line == "/pgp start":
                    await screen_shows(tmux, "PGP encryption enabled")
            await until(lambda: any(l.body == "hello from profanity ✓" for l in window.lines), timeout=10,
                        message=lambda: window_text(window))
            line = next(l for l in window.lines if l.body == "hello from profanity ✓")
            assert line.kind is LineKind.INCOMING and line.encryption == "pgp"

            # Parlons → Profanity
            await run(alice, "/pgp start", window)
            await run(alice, "hello from parlons ½", window)
            await screen_shows(tmux, "hello from parlons ½")
            assert "This message is encrypted" not in tmux.capture()

            # Profanity signs its presence (pgp.keyid): alice subscribes and checks it
            await run(alice, f"/roster add {bob_jid}")
            await screen_shows(tmux, "Authorization request")
            tmux.send_text(f"/sub allow {alice_jid}")
            tmux.send_keys("Enter")
            fpr = " ".join(his.fingerprint[i:i + 4] for i in range(0, 40, 4))
            await until(lambda: f"presence of {bob_jid}/profanity signed by {fpr}" in window_text(window),
                        timeout=10, message=lambda: window_text(window))
    finally:
        mine.close()
        his.close()
