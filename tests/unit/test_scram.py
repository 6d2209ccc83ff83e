"""SCRAM's salted password (tui/xmpp/account/scram.py): hashlib's PBKDF2 in
place of slixmpp's loop, the same bytes."""

from __future__ import annotations

import hashlib

import pytest
from slixmpp.util.sasl.mechanisms import SCRAM

from tui.xmpp.account import scram, session  # noqa: F401  (the session installs it)


def Mech(hash_) -> SCRAM:
    """A SCRAM mechanism over ``hash_`` (what its setup() would pick)."""
    mech = SCRAM.__new__(SCRAM)
    mech.hash = hash_
    return mech


# RFC 6070's PBKDF2-HMAC-SHA1 vectors (dkLen 20: SCRAM's Hi is one block)
RFC_6070 = [
    (b"password", b"salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
    (b"password", b"salt", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
    (b"password", b"salt", 4096, "4b007901b765489abead49d926f721d065a429c1"),
]


def test_the_session_puts_it_in_place_of_slixmpps() -> None:
    assert SCRAM.Hi is scram.salted_password


@pytest.mark.parametrize(("password", "salt", "iterations", "expected"), RFC_6070)
def test_rfc_6070_vectors(password: bytes, salt: bytes, iterations: int, expected: str) -> None:
    assert scram.salted_password(Mech(hashlib.sha1), password, salt, iterations).hex() == expected


@pytest.mark.parametrize("hash_", [hashlib.sha1, hashlib.sha256, hashlib.sha512])
def test_the_same_bytes_as_slixmpps_own_loop(hash_) -> None:
    password = "pässwörd ☕"  # slixmpp encodes str as UTF-8: so do we
    for salt, iterations in ((b"\x00salt\xff", 1), (b"NaCl", 4096), (b"x" * 40, 10_000)):
        assert scram.salted_password(Mech(hash_), password, salt, iterations) == \
            scram._slixmpp_hi(Mech(hash_), password, salt, iterations)


def test_a_digest_pbkdf2_does_not_know_keeps_slixmpps(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def theirs(*args) -> bytes:
        calls.append(args)
        return b"theirs"

    monkeypatch.setattr(scram, "_slixmpp_hi", theirs)

    class Odd:  # a hash object whose name OpenSSL's PBKDF2 refuses
        name = "no-such-digest"

    assert scram.salted_password(Mech(Odd), b"pw", b"salt", 2) == b"theirs" and len(calls) == 1
