"""OpenPGP pieces without a server: the wire form (armour), where chosen
keys are kept (0600), and each gpg failure as one clear line — on the real
gpg binary with throwaway keyrings."""

from __future__ import annotations

import asyncio
import stat
import subprocess
from pathlib import Path

import pytest
from slixmpp import Message

from tests.harness.pgp_keys import GpgHome
from tui.crypto.pgp import armour
from tui.crypto.pgp.chosen_keys import LEARNED, ChosenKeys, state_path
from tui.crypto.pgp.gpg import Gpg, PgpError
from tui.crypto.pgp.scheme import FALLBACK, PgpScheme
from tui.logging_setup import restore_secrets, secrets_snapshot
from tui.xmpp.conversation.encryption import Peer, SchemeHost

ARMOURED = """-----BEGIN PGP MESSAGE-----
Version: GnuPG v2
Comment: a header

hQEMA1234abcd
efgh5678==
=AbCd
-----END PGP MESSAGE-----
"""


def test_armour_is_stripped_to_the_base64_body_and_added_back() -> None:
    body = armour.remove(ARMOURED)
    assert body == "hQEMA1234abcd\nefgh5678=="  # headers and the CRC line gone, padding kept
    assert armour.add(body, armour.MESSAGE) == (
        "-----BEGIN PGP MESSAGE-----\n\nhQEMA1234abcd\nefgh5678==\n-----END PGP MESSAGE-----\n")
    assert armour.remove(armour.add(" \n" + body + "\n\n", armour.SIGNATURE)) == body
    with pytest.raises(ValueError):
        armour.remove("not armour")


def test_chosen_keys_persist_in_a_private_file(tmp_path: Path) -> None:
    path = state_path(tmp_path, "Alice@Example.org")
    assert path == tmp_path / "pgp" / "alice@example.org.json"
    keys = ChosenKeys(path)
    keys.set_own("A" * 40)
    keys.set_contact("Bob@Example.org", "B" * 40, LEARNED)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = ChosenKeys(path)
    assert again.own == "A" * 40
    assert again.contact("bob@example.org").fingerprint == "B" * 40
    assert again.contact("bob@example.org").source == LEARNED
    assert ChosenKeys(None).own is None  # no data dir: in memory


@pytest.fixture
def homes():
    made: list[GpgHome] = []

    def make(email: str, **kwargs) -> GpgHome:
        made.append(GpgHome(email, **kwargs))
        return made[-1]

    yield make
    for home in made:
        home.close()


async def test_chosen_keys_are_written_off_the_event_loop_in_order(tmp_path: Path, monkeypatch) -> None:
    import threading

    from tests.harness.wait import until
    from tui.crypto.pgp import chosen_keys

    threads: list[threading.Thread] = []
    real = chosen_keys.write_private

    def recording(path, data):
        real(path, data)
        threads.append(threading.current_thread())  # after: the file is there

    monkeypatch.setattr(chosen_keys, "write_private", recording)
    path = tmp_path / "pgp" / "alice.json"
    keys = ChosenKeys(path)
    for n in range(5):
        keys.set_contact("bob@x", f"FPR{n}")
    await until(lambda: len(threads) == 5)
    assert threading.current_thread() not in threads
    assert ChosenKeys(path).contact("bob@x").fingerprint == "FPR4"  # the last one landed last


async def test_gpg_missing_or_misconfigured_is_one_line() -> None:
    with pytest.raises(PgpError, match=r"^gpg is not installed \(cannot run '/nowhere/gpg'\): "
                                       r"OpenPGP needs the gpg program$"):
        await Gpg(None, binary="/nowhere/gpg").keys()
    with pytest.raises(PgpError, match="^gnupg_home /nowhere/gnupg is not a directory$"):
        await Gpg("/nowhere/gnupg").keys()


async def test_without_a_command_the_passphrase_is_asked_once_per_need(homes) -> None:
    other = homes("bob@x")
    protected = homes("alice@x", passphrase="correct horse")
    other.learn(protected)
    ciphertext = other.encrypt("for alice", protected.fingerprint)
    asked: list[str] = []
    answers = ["wrong", None, "correct horse"]

    async def ask(prompt: str) -> str | None:
        asked.append(prompt)
        return answers.pop(0)

    gpg = Gpg(protected.home, ask=ask)
    before = secrets_snapshot()
    try:
        with pytest.raises(PgpError, match="^wrong passphrase for your OpenPGP key$"):
            await gpg.decrypt(ciphertext, protected.fingerprint)
        with pytest.raises(PgpError, match=r"^could not decrypt: no passphrase given \(prompt cancelled"):
            await gpg.decrypt(ciphertext, protected.fingerprint)
        assert await gpg.decrypt(ciphertext, protected.fingerprint) == "for alice"
        assert "correct horse" in secrets_snapshot()
        named = " ".join(protected.fingerprint[i:i + 4] for i in range(0, 40, 4))
        assert asked == [f"Passphrase for your OpenPGP key {named}"] * 3
        # gpg-agent keeps it now: not asked again
        assert await gpg.decrypt(ciphertext, protected.fingerprint) == "for alice"
        assert len(asked) == 3
    finally:
        restore_secrets(before)


async def test_messages_needing_the_passphrase_at_once_ask_once(homes) -> None:
    other = homes("bob@x")
    protected = homes("alice@x", passphrase="correct horse")
    other.learn(protected)
    texts = [f"message {n}" for n in range(3)]
    ciphertexts = [other.encrypt(text, protected.fingerprint) for text in texts]
    asked: list[str] = []

    async def ask(prompt: str) -> str | None:
        asked.append(prompt)
        return "correct horse"

    gpg = Gpg(protected.home, ask=ask)
    before = secrets_snapshot()
    try:
        assert await asyncio.gather(*(gpg.decrypt(c) for c in ciphertexts)) == texts
        assert len(asked) == 1  # the others waited, then found it in gpg-agent's cache
    finally:
        restore_secrets(before)


async def test_a_protected_key_needs_the_passphrase_command(homes) -> None:
    other = homes("bob@x")
    protected = homes("alice@x", passphrase="correct horse")
    other.learn(protected)
    ciphertext = other.encrypt("for alice", protected.fingerprint)
    subprocess.run(["gpgconf", "--homedir", protected.home, "--reload", "gpg-agent"], check=True)

    with pytest.raises(PgpError, match="^your OpenPGP key has a passphrase: set pgp_passphrase_command"):
        await Gpg(protected.home).decrypt(ciphertext)  # never gpg's own (curses) prompt
    with pytest.raises(PgpError, match=r"^wrong passphrase for your OpenPGP key \(pgp_passphrase_command\)$"):
        await Gpg(protected.home, "echo wrong").decrypt(ciphertext)
    with pytest.raises(PgpError, match="^pgp_passphrase_command: failed with exit status 3$"):
        await Gpg(protected.home, "exit 3").decrypt(ciphertext)
    before = secrets_snapshot()
    try:
        assert await Gpg(protected.home, "echo 'correct horse'").decrypt(ciphertext) == "for alice"
        assert "correct horse" in secrets_snapshot()  # redacted from the log from now on
    finally:
        restore_secrets(before)


async def test_the_passphrase_command_runs_once_for_many_messages(homes, tmp_path) -> None:
    """A catch-up of many messages: gpg-agent caches what the command gave."""
    other = homes("bob@x")
    protected = homes("alice@x", passphrase="correct horse")
    other.learn(protected)
    ciphertexts = [other.encrypt(f"message {n}", protected.fingerprint) for n in range(5)]
    subprocess.run(["gpgconf", "--homedir", protected.home, "--reload", "gpg-agent"], check=True)
    runs = tmp_path / "runs"
    gpg = Gpg(protected.home, f"echo run >> {runs}; echo 'correct horse'")
    before = secrets_snapshot()
    try:
        assert [await gpg.decrypt(c) for c in ciphertexts] == [f"message {n}" for n in range(5)]
        assert runs.read_text().splitlines() == ["run"]
        subprocess.run(["gpgconf", "--homedir", protected.home, "--reload", "gpg-agent"], check=True)
        # decrypted at once (a reading's two at a time: DECRYPTIONS_AT_ONCE): the command still runs once
        assert await asyncio.gather(*(gpg.decrypt(c) for c in ciphertexts)) == [f"message {n}" for n in range(5)]
        assert runs.read_text().splitlines() == ["run", "run"]
        runs.write_text("")
        subprocess.run(["gpgconf", "--homedir", protected.home, "--reload", "gpg-agent"], check=True)
        assert await gpg.decrypt(ciphertexts[0]) == "message 0"  # the cache is gone: the command again
        assert runs.read_text().splitlines() == ["run"]
    finally:
        restore_secrets(before)


def _expired_key(home: str) -> str:
    """A key made (in gpg's faked past) to expire a day later: expired now."""
    subprocess.run(["gpg", "--homedir", home, "--batch", "--passphrase", "", "--faked-system-time",
                    "20200101T000000!", "--quick-gen-key", "old <old@x>", "ed25519", "cert,sign", "1d"],
                   check=True, capture_output=True)
    listing = subprocess.run(["gpg", "--homedir", home, "--with-colons", "--list-keys", "old@x"],
                             check=True, capture_output=True, text=True).stdout
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))


def _revoke(home: GpgHome) -> None:
    certificate = Path(home.home, "openpgp-revocs.d", f"{home.fingerprint}.rev").read_text()
    home.gpg.import_keys(certificate.replace(":-----BEGIN", "-----BEGIN"))


async def test_missing_expired_and_revoked_keys_are_refused_and_nothing_is_encrypted(homes) -> None:
    mine, bob, carol = homes("alice@x"), homes("bob@x"), homes("carol@x")
    mine.learn(bob)
    mine.learn(carol)
    _revoke(carol)
    mine.learn(carol)
    expired = _expired_key(mine.home)
    gpg = Gpg(mine.home)
    with pytest.raises(PgpError, match=f"^the key {' '.join(expired[i:i + 4] for i in range(0, 40, 4))} is expired$"):
        await gpg.find_key(expired)
    with pytest.raises(PgpError, match="is revoked$"):
        await gpg.find_key(carol.keyid)
    with pytest.raises(PgpError, match="not a key id or fingerprint"):
        await gpg.find_key("bob")

    host = SchemeHost("alice@x", settings={"pgp": {"gnupg_home": mine.home}})
    scheme = PgpScheme(host)
    await scheme.set_own_key(mine.keyid)
    scheme.keys.set_contact("carol@x", carol.fingerprint)
    stanza = Message()
    stanza["body"] = "the plan"
    with pytest.raises(PgpError, match="^carol@x's key: the key .* is revoked$"):
        await scheme.encrypt(Peer("alice@x", "carol@x"), stanza)
    assert stanza["body"] == "the plan" and "jabber:x:encrypted" not in str(stanza)

    await scheme.set_contact_key("bob@x", bob.fingerprint)
    await scheme.encrypt(Peer("alice@x", "bob@x"), stanza)
    assert stanza["body"] == FALLBACK and "the plan" not in str(stanza)

