"""The one door to the ``gpg`` program (python-gnupg), for one account.

Every call runs in a worker thread (gpg is a subprocess: seconds on a slow
key or a busy agent), never on the event loop. Trust is ours, not gpg's:
gpg runs with ``always_trust`` and we name keys by the primary key's
fingerprint we chose or learned. gpg's own passphrase prompt (pinentry)
would fight the terminal UI, so gpg always runs with loopback pinentry:
a protected key gets its passphrase from ``passphrase_command`` (run when
gpg-agent's cache does not have it, never kept, never logged), or else from
``ask`` (our own masked prompt, asked on the loop when gpg says it needs
one, handed to that one gpg call and dropped; gpg-agent caches it after),
or fails with one line saying so. Every failure is a :class:`PgpError`: one line, nothing
sent in clear instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

from ...config.errors import ConfigError
from ...config.password import run_secret_command
from ...logging_setup import add_secret
from ...xmpp.conversation.encryption import DECRYPTIONS_AT_ONCE, EncryptionError
from . import armour, spaced

log = logging.getLogger(__name__)
# python-gnupg logs gpg's status lines and data excerpts at debug level: not in our log
logging.getLogger("gnupg").setLevel(logging.WARNING)

T = TypeVar("T")

LOOPBACK = ["--pinentry-mode", "loopback"]  # never gpg-agent's own (curses) prompt


class PgpError(EncryptionError):
    """An OpenPGP operation failed; str() says why, in one line."""


_PROBLEMS = {"e": "expired", "r": "revoked", "d": "disabled", "i": "invalid"}


@dataclass(frozen=True, slots=True)
class Key:
    """A key of the keyring, as we show and name it."""
    fingerprint: str  # the primary key's: how we name a key
    keyid: str  # the long key id (the fingerprint's last 16 hex digits)
    uid: str  # the first user id ("Bob <bob@example.org>")
    validity: str  # gpg's validity letter: e expired, r revoked, d disabled, i invalid, …
    secret: bool = False

    @property
    def problem(self) -> str | None:
        """"expired", "revoked", "disabled", "invalid", or None when usable."""
        return _PROBLEMS.get(self.validity)

    def describe(self) -> str:
        return f"{spaced(self.fingerprint)} ({self.uid})" if self.uid else spaced(self.fingerprint)


def key_from_listing(entry: dict[str, Any], secret: bool = False) -> Key:
    uids = entry.get("uids") or [""]
    return Key(fingerprint=entry["fingerprint"].upper(), keyid=entry["keyid"].upper(),
               uid=uids[0], validity=entry.get("trust", ""), secret=secret)


def normalise_keyid(text: str) -> str:
    """What the user typed (``0x1234ABCD…``, a fingerprint with spaces) as gpg takes it."""
    cleaned = text.replace(" ", "").upper()
    return cleaned[2:] if cleaned.startswith("0X") else cleaned


@dataclass(frozen=True, slots=True)
class Verification:
    """What a detached signature says of a text."""
    valid: bool
    fingerprint: str | None  # the signer's primary key (when valid)
    keyid: str | None  # the key id the signature names (even when unknown or bad)
    status: str  # gpg's words: "signature valid", "signature bad", "no public key"

    @property
    def tampered(self) -> bool:
        return self.status == "signature bad"


@dataclass(frozen=True, slots=True)
class Opened:
    """A decrypted message and what its signature says."""
    data: bytes
    signer: str | None  # the primary key that made a valid signature; None: unsigned, unknown or bad
    keyid: str | None  # the key id the signature names (even when unknown); None: not signed
    status: str  # gpg's words


class Gpg:
    """python-gnupg for one account: ``home`` (None: the user's own
    GNUPGHOME), ``passphrase_command`` for a protected secret key, else
    ``ask`` (a prompt: the passphrase, or None when the user cancelled)."""

    def __init__(self, home: str | None = None, passphrase_command: str | None = None,
                 binary: str = "gpg", ask: Callable[[str], Awaitable[str | None]] | None = None) -> None:
        self.home = os.path.expanduser(home) if home else None
        self.passphrase_command = passphrase_command
        self.ask = ask
        self._asking = asyncio.Lock()  # prompts one at a time (several messages may need it at once)
        self._answered = 0  # passphrases handed to gpg so far (those waiting try the agent's cache)
        # the command's passphrase worked: gpg-agent caches it, so later calls
        # try without it first (a catch-up of many messages runs the command once)
        self._agent_has_it = False
        self.binary = binary
        self._gpg: Any = None
        # gpg processes at once per account: two decryptions at once take 5.2
        # ms a message instead of 9 on 2 cores (gpg-agent serves both)
        self._running = threading.BoundedSemaphore(DECRYPTIONS_AT_ONCE)  # gpg calls at once per account
        self._commanding = threading.Lock()

    # -- off the loop ---------------------------------------------------------------
    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        def in_thread() -> T:
            with self._running:
                return work(self._gnupg(), *args)
        return await asyncio.to_thread(in_thread)

    def _gnupg(self) -> Any:
        """The python-gnupg object, made on first use (it runs gpg --list-config)."""
        if self._gpg is None:
            try:
                import gnupg
            except ImportError:
                raise PgpError("python-gnupg is not installed: OpenPGP is unavailable") from None
            if self.home and not os.path.isdir(self.home):
                raise PgpError(f"gnupg_home {self.home} is not a directory")
            try:
                gpg = gnupg.GPG(gpgbinary=self.binary, gnupghome=self.home, options=LOOPBACK)
            except OSError:
                raise PgpError(f"gpg is not installed (cannot run {self.binary!r}): "
                               "OpenPGP needs the gpg program") from None
            except ValueError as exc:
                raise PgpError(f"gpg does not start: {exc}") from None
            gpg.encoding = "utf-8"
            self._gpg = gpg
        return self._gpg

    def _passphrase(self) -> str | None:
        if not self.passphrase_command:
            return None
        try:
            secret = run_secret_command(self.passphrase_command, "pgp_passphrase_command")
        except ConfigError as exc:
            raise PgpError(str(exc)) from None
        add_secret(secret)
        return secret

    # -- keys -----------------------------------------------------------------------
    async def keys(self, secret: bool = False, match: str | None = None) -> list[Key]:
        """The keyring's keys (secret ones: ours), or those ``match`` names."""
        def listing(gpg) -> list[Key]:
            found = gpg.list_keys(secret, keys=[match] if match else None)
            return [key_from_listing(entry, secret) for entry in found]
        return await self._run(listing)

    async def find_key(self, keyid: str, secret: bool = False) -> Key:
        """The one key ``keyid`` (a key id or fingerprint) names; PgpError if
        none, several, or it cannot be used (expired, revoked)."""
        wanted = normalise_keyid(keyid)
        kind = "secret key" if secret else "public key"
        if len(wanted) < 8 or any(c not in "0123456789ABCDEF" for c in wanted):
            raise PgpError(f"{keyid!r} is not a key id or fingerprint (hex digits, like 0x1234ABCD…)")
        found = [k for k in await self.keys(secret, wanted)
                 if k.fingerprint.endswith(wanted) or k.keyid.endswith(wanted)]
        if not found:
            hint = "" if secret else " (import it first: gpg --import)"
            raise PgpError(f"no {kind} {wanted} in the keyring{hint}")
        if len(found) > 1:
            raise PgpError(f"{wanted} names {len(found)} keys: give the full fingerprint")
        key = found[0]
        if key.problem:
            raise PgpError(f"the key {spaced(key.fingerprint)} is {key.problem}")
        return key

    # -- messages (XEP-0027: armour stripped on the wire) ----------------------------
    async def encrypt(self, text: str, fingerprints: list[str]) -> str:
        """``text`` encrypted to every key (the contact's and our own), armour stripped."""
        def encrypting(gpg) -> str:
            result = gpg.encrypt(text, fingerprints, always_trust=True, armor=True)
            if not result.ok:
                raise PgpError(f"gpg could not encrypt: {_why(result)}")
            return armour.remove(str(result))
        return await self._run(encrypting)

    async def _with_passphrase(self, work: Callable[[Any, str | None], Any], ok: Callable[[Any], bool],
                               fingerprint: str | None, verb: str) -> Any:
        """``work(gpg, passphrase)`` in the thread, passphrase from the command;
        without one, when gpg says it needs one and ``ask`` is there: asked
        (on the loop) and ``work`` run again with it, for that call only."""
        def first(gpg) -> tuple[Any, bool]:
            if self._agent_has_it:  # gpg-agent cached what the command gave: no need to run it again
                result = work(gpg, None)
                if ok(result):
                    return result, False
            if not self.passphrase_command:
                return work(gpg, None), False
            with self._commanding:  # (DECRYPTIONS_AT_ONCE calls: the command runs once while gpg-agent learns it)
                if self._agent_has_it:  # another call gave it to gpg-agent meanwhile
                    result = work(gpg, None)
                    if ok(result):
                        return result, False
                passphrase = self._passphrase()
                result = work(gpg, passphrase)
                self._agent_has_it = self._agent_has_it or bool(ok(result))
                return result, True
        result, had = await self._run(first)
        if ok(result):  # (the command's passphrase: gpg-agent has it now, first() noted it)
            return result
        if had or self.ask is None or "NEED_PASSPHRASE" not in (getattr(result, "stderr", "") or ""):
            raise PgpError(_decrypt_failure(result, had, verb))
        answered = self._answered
        async with self._asking:  # one prompt at a time
            if self._answered != answered:  # another call was given it meanwhile: gpg-agent has it
                result = await self._run(work, None)
                if ok(result):
                    return result
            named = spaced(fingerprint) if fingerprint else _needed_key(result.stderr)
            secret = await self.ask(f"Passphrase for your OpenPGP key {named}")
            if secret is None:
                raise PgpError(f"could not {verb}: no passphrase given (prompt cancelled; "
                               "pgp_passphrase_command is another way)")
            add_secret(secret)
            result = await self._run(work, secret)
            del secret
            self._answered += 1
        if not ok(result):
            raise PgpError(_decrypt_failure(result, True, verb, asked=True))
        return result

    async def decrypt(self, body: str, fingerprint: str | None = None) -> str:
        """The plaintext of a ``jabber:x:encrypted`` payload (``fingerprint``:
        our key, named if a passphrase is asked)."""
        def decrypting(gpg, passphrase: str | None) -> Any:
            return gpg.decrypt(armour.add(body, armour.MESSAGE), always_trust=True, passphrase=passphrase)
        result = await self._with_passphrase(decrypting, lambda r: bool(r.ok), fingerprint, "decrypt")
        return result.data.decode("utf-8", errors="replace")

    # -- OX (XEP-0373): binary, signed and encrypted in one ---------------------------
    async def signcrypt(self, data: bytes, fingerprints: list[str], signer: str) -> bytes:
        """``data`` signed with our key ``signer`` and encrypted to every key, unarmoured."""
        def working(gpg, passphrase: str | None) -> Any:
            return gpg.encrypt(data, fingerprints, sign=signer, always_trust=True, armor=False,
                               passphrase=passphrase)
        result = await self._with_passphrase(working, lambda r: bool(r.ok), signer, "sign and encrypt")
        return bytes(result.data)

    async def decrypt_verified(self, data: bytes, fingerprint: str | None = None) -> "Opened":
        """``data`` decrypted, with who signed it (``fingerprint``: our key, named if asked)."""
        def decrypting(gpg, passphrase: str | None) -> Any:
            return gpg.decrypt(data, always_trust=True, passphrase=passphrase)
        result = await self._with_passphrase(decrypting, lambda r: bool(r.ok), fingerprint, "decrypt")
        signer = getattr(result, "pubkey_fingerprint", None) if result.valid else None
        return Opened(bytes(result.data), signer.upper() if signer else None,
                      _signature_keyid(result.stderr or ""), result.status or "")

    async def export_public(self, fingerprint: str) -> bytes:
        """The public key, binary, minimal (no third-party signatures)."""
        def exporting(gpg) -> bytes:
            data = gpg.export_keys(fingerprint, armor=False, minimal=True)
            if not data:
                raise PgpError(f"gpg exported nothing for {spaced(fingerprint)}")
            return bytes(data)
        return await self._run(exporting)

    async def scan(self, data: bytes) -> list[tuple[str, list[str]]]:
        """What key material ``data`` holds, without importing it: (fingerprint, user ids) each."""
        def scanning(gpg) -> list[tuple[str, list[str]]]:
            with tempfile.TemporaryDirectory(prefix="parlons-key-") as scratch:
                path = os.path.join(scratch, "key.gpg")
                with open(path, "wb") as file:
                    file.write(data)
                found = gpg.scan_keys(path)
            return [(entry["fingerprint"].upper(), list(entry.get("uids") or [])) for entry in found]
        return await self._run(scanning)

    async def import_public(self, data: bytes) -> list[str]:
        """Import public key material; the fingerprints gpg took."""
        def importing(gpg) -> list[str]:
            result = gpg.import_keys(data)
            return sorted({f.upper() for f in (result.fingerprints or []) if f})
        return await self._run(importing)

    # -- presence (XEP-0027: a detached signature of the status text) ----------------
    async def sign(self, text: str, fingerprint: str) -> str:
        def signing(gpg, passphrase: str | None) -> Any:
            return gpg.sign(text, keyid=fingerprint, detach=True, passphrase=passphrase)
        result = await self._with_passphrase(signing, lambda r: bool(r.data), fingerprint, "sign")
        return armour.remove(str(result))

    async def verify(self, text: str, signature: str) -> Verification:
        def verifying(gpg) -> Verification:
            with tempfile.TemporaryDirectory(prefix="parlons-sig-") as scratch:
                path = os.path.join(scratch, "status.sig")
                with open(path, "w", encoding="ascii") as file:
                    file.write(armour.add(signature, armour.SIGNATURE))
                result = gpg.verify_data(path, text.encode("utf-8"))
            fingerprint = getattr(result, "pubkey_fingerprint", None) if result.valid else None
            return Verification(bool(result.valid), fingerprint.upper() if fingerprint else None,
                                result.key_id, result.status or "no signature")
        return await self._run(verifying)


def gpg_for(host: Any) -> Gpg:
    """An account's door to gpg from its OpenPGP settings (``[accounts]``
    gnupg_home, pgp_passphrase_command: ``host.settings["pgp"]``), asking a
    passphrase through ``host.ask_secret`` — for XEP-0027 and OX alike."""
    settings = host.settings.get("pgp") or {}
    return Gpg(settings.get("gnupg_home"), settings.get("passphrase_command"),
               settings.get("gpg_binary") or "gpg", ask=lambda prompt: host.ask_secret(prompt))


def _why(result: Any) -> str:
    stderr = getattr(result, "stderr", "") or ""
    if "KEYEXPIRED" in stderr or "EXPKEYSIG" in stderr:
        return "the key is expired"
    if "KEYREVOKED" in stderr or "REVKEYSIG" in stderr:
        return "the key is revoked"
    if "INV_RECP" in stderr:
        return "a recipient key is missing or unusable"
    return result.status or "failed"


def _signature_keyid(stderr: str) -> str | None:
    """The key id a message's signature names (good, bad or unknown key), or
    None when it carries no signature (gpg's status lines, not its result:
    python-gnupg's key_id is the encryption key's when nothing is signed)."""
    for line in stderr.splitlines():
        words = line.split()
        if words[:1] == ["[GNUPG:]"] and len(words) > 2 and words[1] in (
                "GOODSIG", "BADSIG", "ERRSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG"):
            return words[2].upper()
    return None


def _needed_key(stderr: str) -> str:
    """The key gpg's NEED_PASSPHRASE names (its primary key's long id)."""
    for line in stderr.splitlines():
        words = line.split()
        if words[:2] == ["[GNUPG:]", "NEED_PASSPHRASE"] and len(words) > 3:
            return words[3]
    return "(unknown)"


def _decrypt_failure(result: Any, had_passphrase: bool, verb: str = "decrypt", asked: bool = False) -> str:
    stderr = getattr(result, "stderr", "") or ""
    if "BAD_PASSPHRASE" in stderr or "Bad passphrase" in stderr:
        where = "" if asked else " (pgp_passphrase_command)"
        return f"wrong passphrase for your OpenPGP key{where}"
    if "NEED_PASSPHRASE" in stderr and not had_passphrase:
        return ("your OpenPGP key has a passphrase: set pgp_passphrase_command for this account "
                "(gpg's own prompt is not used)")
    if result.status == "no secret key" or "NO_SECKEY" in stderr:
        return "no secret key for it in the keyring (encrypted to another key)"
    return f"gpg could not {verb}: {_why(result)}"
