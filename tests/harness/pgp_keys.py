"""Throwaway OpenPGP keyrings for tests, on python-gnupg directly (not on
Parlons' own modules): a short GNUPGHOME (gpg-agent's socket path is
limited to ~107 bytes), an unprotected ed25519/cv25519 key (20–30 ms), and
the agent killed at the end (it outlives Python otherwise)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import gnupg


def armoured(body: str, kind: str) -> str:
    """XEP-0027's armour-stripped base64 as gpg reads it."""
    return f"-----BEGIN PGP {kind}-----\n\n{body.strip()}\n-----END PGP {kind}-----\n"


def stripped(text: str) -> str:
    """gpg's armoured output as XEP-0027 puts it on the wire: the base64 lines only."""
    lines = text.strip().splitlines()
    body = lines[lines.index("") + 1:-1]
    return "\n".join(line for line in body if not line.startswith("="))


class GpgHome:
    """One person's keyring with one key: ``home``, ``gpg``, ``fingerprint``, ``keyid``."""

    def __init__(self, email: str, *, passphrase: str | None = None, home: Path | None = None,
                 uid: str | None = None) -> None:
        """``home``: where the keyring goes (made 0700; e.g. a client's ~/.gnupg); default a new temp dir.
        ``uid``: the user id exactly (OX wants ``xmpp:jid``), instead of a name and ``email``."""
        if home is not None:
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.home = str(home) if home is not None else tempfile.mkdtemp(prefix="g", dir="/tmp")
        self.passphrase = passphrase
        self.gpg = gnupg.GPG(gnupghome=self.home)
        self.gpg.encoding = "utf-8"
        settings: dict[str, object] = dict(name_email=email, key_type="EDDSA", key_curve="ed25519",
                        subkey_type="ECDH", subkey_curve="cv25519")
        if passphrase is None:
            settings["no_protection"] = True
        else:
            settings["passphrase"] = passphrase
        request = self.gpg.gen_key_input(**settings)
        if uid is not None:  # gen_key_input always writes a Name-Email: the user id alone instead
            request = "\n".join(line for line in request.splitlines()
                                if not line.startswith(("Name-Real:", "Name-Email:")))
            request = request.replace("%commit", f"Name-Real: {uid}\n%commit") + "\n"
        made = self.gpg.gen_key(request)
        assert made.fingerprint, made.stderr
        self.fingerprint: str = made.fingerprint
        self.keyid = self.fingerprint[-16:]

    def public_key(self) -> str:
        return self.gpg.export_keys(self.fingerprint)

    def learn(self, other: "GpgHome") -> None:
        """Import ``other``'s public key."""
        result = self.gpg.import_keys(other.public_key())
        assert result.count == 1, result.stderr

    def encrypt(self, text: str, *fingerprints: str) -> str:
        result = self.gpg.encrypt(text, list(fingerprints), always_trust=True)
        assert result.ok, result.stderr
        return stripped(str(result))

    def send(self, xmpp, to: str, text: str, *fingerprints: str, mtype: str = "chat") -> None:
        """Send ``text`` from ``xmpp`` (a slixmpp client) to ``to`` as a
        XEP-0027 client does: a fallback body and the armour-stripped
        ciphertext for ``fingerprints`` (to a room: ``mtype="groupchat"``)."""
        msg = xmpp.make_message(mto=to, mbody="[encrypted]", mtype=mtype)
        element = msg.xml.makeelement("{jabber:x:encrypted}x", {})
        element.text = self.encrypt(text, *fingerprints)
        msg.xml.append(element)
        msg.send()

    def decrypt(self, body: str) -> str:
        result = self.gpg.decrypt(armoured(body, "MESSAGE"), always_trust=True)
        assert result.ok, result.stderr
        return result.data.decode("utf-8")

    def decrypt_binary(self, stanza) -> str:
        """The body of an OX message (XEP-0373) ``stanza`` for this keyring."""
        import base64
        from xml.etree import ElementTree as ET
        element = stanza.xml.find("{urn:xmpp:openpgp:0}openpgp")
        assert element is not None and element.text, f"not an OX message: {stanza}"
        result = self.gpg.decrypt(base64.b64decode("".join(element.text.split())), always_trust=True)
        assert result.ok, result.stderr
        body = ET.fromstring(result.data).find("{urn:xmpp:openpgp:0}payload/{jabber:client}body")
        assert body is not None, result.data
        return body.text or ""

    def sign(self, text: str) -> str:
        result = self.gpg.sign(text, keyid=self.fingerprint, detach=True, passphrase=self.passphrase)
        assert result.data, result.stderr
        return stripped(str(result))

    def verify(self, text: str, signature: str):
        path = f"{self.home}/check.sig"
        with open(path, "w", encoding="ascii") as file:
            file.write(armoured(signature, "SIGNATURE"))
        return self.gpg.verify_data(path, text.encode("utf-8"))

    def close(self) -> None:
        subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "all"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.home, ignore_errors=True)


@contextlib.contextmanager
def alice_and_bob(alice_passphrase: str | None = None):
    """alice's and bob's keyrings, each holding the other's public key; agents stopped after."""
    alice, bob = GpgHome("alice@localhost", passphrase=alice_passphrase), GpgHome("bob@localhost")
    try:
        alice.learn(bob)
        bob.learn(alice)
        yield alice, bob
    finally:
        alice.close()
        bob.close()
