"""python-potr on pycryptodome: the two pieces potr takes from pycrypto that
pycryptodome changed, replaced the way libotr computes them.

- AES-CTR: potr hands a :class:`potr.compatcrypto.Counter` (an 8-byte
  prefix, then a 64-bit block counter from 0) or a number (the prefix);
  pycryptodome takes the same layout as ``nonce`` + ``initial_value``.
- DSA: textbook DSA over the *whole* 32-byte MAC as the integer m
  (r = (g^k mod p) mod q, s = k⁻¹(m + x·r) mod q). pycryptodome's
  ``Crypto.Signature.DSS`` truncates m to |q| bits (FIPS 186-3): such
  signatures verify against potr only, never against libotr.

:func:`load` imports potr (lazily: it is an optional dependency installed
with ``--no-deps``), installs both, and returns the potr module; when potr
is missing it raises :class:`OtrUnavailable` saying how to install it.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

from Crypto.Cipher import AES
from Crypto.Hash import SHA1 as _SHA1
from Crypto.PublicKey import DSA
from Crypto.Random import random as _random
from Crypto.Util.number import bytes_to_long, inverse, long_to_bytes

INSTALL_HINT = ("OTR needs python-potr: pip install --no-deps python-potr==1.0.2 "
                "(pipx: pipx inject --pip-args=--no-deps parlons python-potr==1.0.2)")


class OtrUnavailable(RuntimeError):
    """python-potr is not installed: str() says how to add it, in one line."""


def aes_ctr(key: bytes, counter: Any = 0):
    """AES in CTR mode with potr's counter layout: 8-byte prefix, 8-byte block number from ``val``."""
    if isinstance(counter, Number):
        prefix, first = int(counter), 0  # type: ignore[call-overload]
    elif hasattr(counter, "prefix") and hasattr(counter, "val"):
        prefix, first = counter.prefix, counter.val
    else:
        raise TypeError(f"not a potr counter: {counter!r}")
    return AES.new(key, AES.MODE_CTR, nonce=long_to_bytes(prefix, 8), initial_value=first)


def dsa_sign(m: int, k: int, p: int, q: int, g: int, x: int) -> tuple[int, int]:
    """Textbook DSA: (r, s) for the integer ``m`` (not truncated) with nonce ``k``."""
    r = pow(g, k, p) % q
    s = inverse(k, q) * (m + x * r) % q
    return r, s


def dsa_verify(m: int, r: int, s: int, p: int, q: int, g: int, y: int) -> bool:
    if not (0 < r < q and 0 < s < q):
        return False
    w = inverse(s, q)
    u1, u2 = m * w % q, r * w % q
    return pow(g, u1, p) * pow(y, u2, p) % p % q == r


def make_key_class(common) -> type:
    """The DSA key class for potr's ``compatcrypto.common`` (its PK base)."""

    class DSAKey(common.PK):
        keyType = 0x0000

        def __init__(self, key=None, private=False):
            if not isinstance(key, tuple):
                raise TypeError("4/5-tuple required for key")
            if private and len(key) == 5:
                self.y, self.g, self.p, self.q, self.x = key
            elif not private and len(key) == 4:
                self.y, self.g, self.p, self.q = key
                self.x = None
            else:
                raise TypeError(f"wrong number of values for private={private!r}: {len(key)}")
            self.priv = self if self.x is not None else None
            self.pub = self

        def getPublicPayload(self):
            return (self.p, self.q, self.g, self.y)

        def getPrivatePayload(self):
            return (self.p, self.q, self.g, self.y, self.x)

        def fingerprint(self):
            return _SHA1.new(self.getSerializedPublicPayload()).digest()

        def sign(self, data):
            if self.x is None:
                raise TypeError("a public key cannot sign")
            k = _random.randint(1, self.q - 1)
            r, s = dsa_sign(bytes_to_long(data), k, self.p, self.q, self.g, self.x)
            return long_to_bytes(r, 20) + long_to_bytes(s, 20)

        def verify(self, data, sig):
            if len(sig) != 40:
                return False
            r, s = bytes_to_long(sig[:20]), bytes_to_long(sig[20:])
            return dsa_verify(bytes_to_long(data), r, s, self.p, self.q, self.g, self.y)

        def __hash__(self):
            return bytes_to_long(self.fingerprint())

        def __eq__(self, other):
            return isinstance(other, type(self)) and self.fingerprint() == other.fingerprint()

        def __ne__(self, other):
            return not self == other

        @classmethod
        def generate(cls):
            key = DSA.generate(1024)
            return cls((int(key.y), int(key.g), int(key.p), int(key.q), int(key.x)), private=True)

        @classmethod
        def parsePayload(cls, data, private=False):
            from potr.utils import read_mpi

            p, data = read_mpi(data)
            q, data = read_mpi(data)
            g, data = read_mpi(data)
            y, data = read_mpi(data)
            if private:
                x, data = read_mpi(data)
                return cls((y, g, p, q, x), private=True), data
            return cls((y, g, p, q), private=False), data

    return DSAKey


_loaded: Any = None


def load():
    """potr, running on pycryptodome (patched once). Raises OtrUnavailable."""
    global _loaded
    if _loaded is not None:
        return _loaded
    try:
        import potr
        import potr.compatcrypto as compatcrypto
        import potr.compatcrypto.common as common
        import potr.context  # noqa: F401
        import potr.crypt as crypt
    except ImportError as exc:
        raise OtrUnavailable(INSTALL_HINT) from exc
    key_class = common.registerkeytype(make_key_class(common))
    compatcrypto.DSAKey = key_class
    compatcrypto.AESCTR = aes_ctr
    crypt.AESCTR = aes_ctr  # imported by name
    try:
        import potr.compatcrypto.pycrypto as pycrypto

        pycrypto.AESCTR = aes_ctr
        pycrypto.DSAKey = key_class
    except ImportError:  # pragma: no cover - a potr without that module
        pass
    potr.DSAKey = key_class
    _loaded = potr
    return potr


def key_class():
    """Our DSA key class as registered with potr (loads potr)."""
    potr = load()
    return potr.compatcrypto.common.pkTypes[0x0000]


def memory_account(context_class: type | None = None) -> type:
    """A potr Account class that keeps its key and trusts in memory (a fresh
    key per instance): what demo bots and test peers speak OTR with. Its
    constructor takes (name, fragment_size=0)."""
    potr: Any = load()

    class MemoryAccount(potr.context.Account):
        if context_class is not None:
            contextclass = context_class

        def __init__(self, name: str, fragment_size: int = 0) -> None:
            super().__init__(name, "xmpp", fragment_size, privkey=key_class().generate())

        def loadPrivkey(self):
            return None

        def savePrivkey(self):
            pass

        def saveTrusts(self):
            pass

    return MemoryAccount
