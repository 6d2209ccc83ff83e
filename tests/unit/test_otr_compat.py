"""python-potr on pycryptodome through tui/crypto/otr/compat.py: textbook
DSA pinned by a known answer (the libotr way, no FIPS truncation), AES-CTR
with potr's counter layout, and a whole OTR v2 session between two potr
contexts in memory: AKE, messages both ways, SMP right and wrong."""

from __future__ import annotations

from typing import Any

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Util.number import bytes_to_long, long_to_bytes

from tui.crypto.otr import compat

potr: Any = compat.load()

# A small DSA group: q | p - 1, g of order q.
P, Q = 283, 47
G = pow(2, (P - 1) // Q, P)  # 64
X = 24
Y = pow(G, X, P)


def test_textbook_dsa_known_answer():
    assert G == 64 and Y == 275  # 64^24 mod 283
    m, k = 1000, 15  # m > q: textbook DSA uses m whole (mod q), no truncation to |q| bits
    # by hand: r = (64^15 mod 283) mod 47 = 230 mod 47 = 42; k⁻¹ mod 47 = 22 (15·22 = 330 = 7·47 + 1);
    # s = 22 · (1000 + 24·42) mod 47 = 22 · (2008 mod 47 = 34) mod 47 = 748 mod 47 = 43
    assert compat.dsa_sign(m, k, P, Q, G, X) == (42, 43)
    assert compat.dsa_verify(m, 42, 43, P, Q, G, Y)
    assert not compat.dsa_verify(m + 1, 42, 43, P, Q, G, Y)
    assert not compat.dsa_verify(m, 0, 43, P, Q, G, Y)
    # FIPS 186-3 would sign m's leftmost |q| = 6 bits (1000 >> 4 = 62): another signature
    assert compat.dsa_sign(1000 >> 4, k, P, Q, G, X) != (42, 43)


def test_the_key_signs_the_whole_mac_as_libotr_does():
    key = compat.key_class().generate()
    mac = SHA256.new(b"an AKE's MAC").digest()  # 256 bits > |q| = 160 bits
    sig = key.sign(mac)
    assert len(sig) == 40
    r, s = bytes_to_long(sig[:20]), bytes_to_long(sig[20:])
    assert compat.dsa_verify(bytes_to_long(mac), r, s, key.p, key.q, key.g, key.y)  # m whole
    # the FIPS way (m cut to its leftmost 160 bits) is a different m: DSS signatures would not be ours
    truncated = bytes_to_long(mac[:20])
    assert not compat.dsa_verify(truncated, r, s, key.p, key.q, key.g, key.y)
    public, rest = compat.key_class().parsePublicKey(key.serializePublicKey())
    assert rest == b"" and public.verify(mac, sig) and public == key
    assert not public.verify(mac[:-1] + b"\0", sig)
    private, _ = compat.key_class().parsePrivateKey(key.serializePrivateKey())
    assert public.verify(mac, private.sign(mac))


def test_aes_ctr_follows_potrs_counter_layout():
    key = bytes(range(16))
    data = bytes(40)  # three blocks
    counter = potr.compatcrypto.Counter(5)
    expected = b"".join(AES.new(key, AES.MODE_ECB).encrypt(long_to_bytes(5, 8) + long_to_bytes(block, 8))
                        for block in range(3))[:40]
    assert compat.aes_ctr(key, counter).encrypt(data) == expected
    assert potr.crypt.AESCTR(key, 5).encrypt(data) == expected  # a number is the prefix
    assert compat.aes_ctr(key).decrypt(compat.aes_ctr(key).encrypt(b"hello")) == b"hello"


class Account(compat.memory_account()):  # type: ignore[misc]  # a class made at run time
    def __init__(self, name):
        super().__init__(name)
        self.wire: list[tuple[str, bytes]] = []  # (to, message) injected


class Context(potr.context.Context):
    def getPolicy(self, key):
        return {"ALLOW_V2": True, "ALLOW_V1": False, "REQUIRE_ENCRYPTION": False}.get(key, False)

    def inject(self, msg, appdata=None):
        self.user.wire.append((self.peer, msg))


Account.contextclass = Context


def deliver(accounts: dict[str, Account]) -> list[bytes]:
    """Carry every injected message to its peer until both are quiet; the plaintexts received."""
    received = []
    while any(a.wire for a in accounts.values()):
        for name, account in accounts.items():
            while account.wire:
                to, msg = account.wire.pop(0)
                plain, _tlvs = accounts[to].getContext(name).receiveMessage(msg)
                if plain:
                    received.append(plain)
    return received


def test_a_session_between_two_potr_contexts():
    alice, bob = Account("alice"), Account("bob")
    accounts = {"alice": alice, "bob": bob}
    a, b = alice.getContext("bob"), bob.getContext("alice")
    query = a.sendMessage(potr.context.FRAGMENT_SEND_ALL_BUT_FIRST, b"?OTRv2?")
    assert query.startswith(b"?OTRv2?")
    b.receiveMessage(query)
    deliver(accounts)
    assert a.state == b.state == potr.context.STATE_ENCRYPTED
    assert a.getCurrentKey() == bob.getPrivkey() and b.getCurrentKey() == alice.getPrivkey()

    out = a.sendMessage(potr.context.FRAGMENT_SEND_ALL_BUT_FIRST, "héllo bob".encode())
    assert out.startswith(b"?OTR:") and b"llo" not in out
    assert b.receiveMessage(out)[0] == "héllo bob".encode()
    back = b.sendMessage(potr.context.FRAGMENT_SEND_ALL_BUT_FIRST, b"hi alice")
    assert a.receiveMessage(back)[0] == b"hi alice"
    assert deliver(accounts) == []  # heartbeats only

    # SMP with the right secret: both sides trust
    a.smpInit(b"our secret", question=b"what?")
    deliver(accounts)
    b.smpGotSecret(b"our secret")
    deliver(accounts)
    assert a.smpIsSuccess() and b.smpIsSuccess()
    assert a.getCurrentTrust() == "smp"

    # and with a wrong one: not
    a.setCurrentTrust("")
    a.smpInit(b"one secret")
    deliver(accounts)
    b.smpGotSecret(b"another")
    deliver(accounts)
    assert not a.smpIsSuccess() and not b.smpIsSuccess()
    assert not a.getCurrentTrust()

    a.disconnect()
    deliver(accounts)
    assert b.state == potr.context.STATE_FINISHED and a.state == potr.context.STATE_PLAINTEXT
