"""The <signcrypt/> of OX (XEP-0373 §3): what we write, and what we accept
from the plaintext a peer encrypted to us (pure: tui/crypto/ox/signcrypt.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest

from tui.crypto.ox import signcrypt
from tui.crypto.ox.public_keys import names
from tui.crypto.ox.signcrypt import NS, SigncryptError, build, read

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)


def content(body: str = "hi", to: str = "alice@example.org", stamp: str = "2026-12-04T15:00:00Z",
            extra: str = "") -> bytes:
    return (f"<signcrypt xmlns='{NS}'><to jid='{to}'/><time stamp='{stamp}'/><rpad>abc</rpad>"
            f"<payload><body xmlns='jabber:client'>{body}</body></payload>{extra}</signcrypt>").encode()


def test_what_we_write_reads_back_unprefixed_with_padding():
    written = build("a <b> & \x1b[31m ✓", "bob@example.org", NOW, rpad_length=17)
    assert written.startswith(f'<signcrypt xmlns="{NS}"><to jid="bob@example.org"/>'.encode())
    assert b"ns0:" not in written  # plain names: not every client reads prefixed ones
    root = ET.fromstring(written)
    assert len(root.find(f"{{{NS}}}rpad").text) == 17
    assert root.find(f"{{{NS}}}time").get("stamp") == "2026-12-04T15:00:00Z"
    got = read(written, "bob@example.org/phone", NOW)
    assert got.body == "a <b> & [31m ✓"  # ESC is not XML: dropped before it is written
    assert got.recipients == ("bob@example.org",) and got.warning is None


def test_padding_lengths_vary():
    lengths = {len(ET.fromstring(build("x", "b@x", NOW)).find(f"{{{NS}}}rpad").text) for _ in range(30)}
    assert len(lengths) > 5 and max(lengths) <= signcrypt.RPAD_MAX


def test_profanity_stamps_are_read():
    """Profanity 0.13 writes the offset without a colon (strftime %z)."""
    got = read(content(stamp="2026-12-04T16:00:00+0100"), "alice@example.org", NOW)
    assert got.signed_at == NOW and got.warning is None


@pytest.mark.parametrize("stamp, words", [
    ("2026-12-02T15:00:00Z", "may be an old message sent again"),
    ("2026-12-04T18:00:00Z", "in the future"),
    ("0001-01-01T00:00:00+23:59", "may be an old message sent again"),
    ("9999-12-31T23:59:59-23:59", "in the future"),
])
def test_an_implausible_time_is_said(stamp, words):
    assert words in read(content(stamp=stamp), "alice@example.org", NOW).warning


def test_within_the_hour_is_plausible():
    stamp = (NOW - timedelta(minutes=59)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert read(content(stamp=stamp), "alice@example.org", NOW).warning is None


@pytest.mark.parametrize("plaintext, words", [
    (content(to="carol@example.org"), "signed for carol@example.org, not for alice@example.org"),
    (b"<signcrypt xmlns='urn:xmpp:openpgp:0'><time stamp='2026-12-04T15:00:00Z'/><payload/></signcrypt>",
     "names no recipient"),
    (content(extra="<time stamp='2026-12-04T15:00:00Z'/>"), "exactly one <time/>"),
    (content(extra="<payload/>"), "exactly one <time/> and one <payload/>"),
    (content(stamp="yesterday"), "no readable signed time"),
    (b"<crypt xmlns='urn:xmpp:openpgp:0'/>", "a <crypt/>, not a <signcrypt/>"),
    (b"hello", "not XML"),
    (b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><signcrypt/>", "DTD"),
    (b"<a>" * 10 + b"x" * signcrypt.MAX_PLAINTEXT, "more than"),
])
def test_what_is_not_for_us_or_not_a_signcrypt_is_refused(plaintext, words):
    with pytest.raises(SigncryptError) as raised:
        read(plaintext, "alice@example.org", NOW)
    assert words in str(raised.value)


def test_any_of_several_recipients_may_be_us():
    both = content(extra="<to xmlns='urn:xmpp:openpgp:0' jid='Alice@Example.org'/>", to="bob@example.org")
    assert read(both, "alice@example.org", NOW).recipients == ("bob@example.org", "alice@example.org")


@pytest.mark.parametrize("uid, named", [
    ("xmpp:alice@example.org", True),
    ("Alice <xmpp:alice@example.org>", True),
    ("xmpp:alice@example.org.evil", False),
    ("alice@example.org", False),
    ("xmpp:mallory@example.org <xmpp:alice@example.org.x>", False),
])
def test_a_key_names_a_jid_only_as_xmpp_uri(uid, named):
    assert names(uid, "alice@example.org") is named
