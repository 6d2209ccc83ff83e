"""The OTR scheme's small parts: policies per account and contact, the key
and trust files (0600, or memory only), what it recognises, the hints it puts
on a message, and that the /otr wiring hands the policy to the account."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from slixmpp import Message

from tui.crypto.otr.files import OtrFiles
from tui.crypto.otr.policy import answers_peers, policy_for
from tui.crypto.otr.scheme import TAG_V2, OtrScheme, mark, pretty_fingerprint
from tui.xmpp.conversation.encryption import Encryption, EncryptionError, Peer, SchemeHost


def test_policy_per_account_and_contact():
    settings = {"policy": "opportunistic", "contacts": {"bob@example.org": "always"}}
    assert policy_for(settings, "bob@example.org/phone") == "always"
    assert policy_for(settings, "carol@example.org") == "opportunistic"
    assert policy_for({}, "carol@example.org") == "manual"
    assert policy_for({"policy": "nonsense"}, "x@y") == "manual"
    assert not answers_peers("manual") and answers_peers("opportunistic") and answers_peers("always")


def test_files_are_private_or_in_memory(tmp_path: Path):
    files = OtrFiles(tmp_path, "Alice@Example.org")
    assert files.load_key() is None and files.load_trusts() == {}
    files.save_key(b"secret key")
    files.save_trusts({"bob@example.org": {"ab" * 20: "smp"}})
    for path in (tmp_path / "otr" / "alice@example.org.key", tmp_path / "otr" / "alice@example.org.trust.json"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "otr").st_mode) == 0o700
    again = OtrFiles(tmp_path, "alice@example.org")
    assert again.load_key() == b"secret key" and again.load_trusts() == {"bob@example.org": {"ab" * 20: "smp"}}
    memory = OtrFiles(None, "alice@example.org")
    memory.save_key(b"k")
    memory.save_trusts({"b": {"f": ""}})
    assert memory.load_key() == b"k" and memory.load_trusts() == {"b": {"f": ""}}


def message(body: str, sender: str = "bob@example.org/phone") -> Message:
    msg = Message()
    msg["from"], msg["body"] = sender, body
    return msg


async def test_what_it_recognises():
    host = SchemeHost("alice@example.org", settings={"otr": {"policy": "manual"}})
    scheme = OtrScheme(host)
    assert scheme.recognises(message("?OTR:AAIDAAAAAAEAAAAB"))
    assert scheme.recognises(message("?OTRv2? I would like to start"))
    assert not scheme.recognises(message("hello ?OTR"))
    in_room = message("?OTR:AAIDAAAAAAEAAAAB", sender="room@muc.example.org/bob")
    in_room["type"] = "groupchat"
    assert not scheme.recognises(in_room)
    # a whitespace tag marks plaintext: never "ours" (it is shown as clear); manual ignores it
    assert not scheme.recognises(message("tagged" + TAG_V2))
    assert not scheme.handshaking
    assert scheme.state("bob@example.org") is None  # nothing loaded yet, no key made


def test_marks_and_fingerprints():
    msg = Message()
    msg["body"] = "?OTR:x"
    mark(msg)
    xml = str(msg)
    for expected in ('<no-permanent-store xmlns="urn:xmpp:hints"', '<no-copy xmlns="urn:xmpp:hints"',
                     '<private xmlns="urn:xmpp:carbons:2"',
                     '<encryption xmlns="urn:xmpp:eme:0" namespace="urn:xmpp:otr:0" name="OTR"'):
        assert expected in xml
    assert pretty_fingerprint("0123456789abcdef" * 2 + "01234567") == \
        "01234567 89ABCDEF 01234567 89ABCDEF 01234567"


def test_wiring_passes_the_policy():
    from tui.config.schema import AccountConfig, UiConfig
    from tui.wiring import configure_account

    class Muc:
        def configure(self, **_):
            pass

    encryption = Encryption("a@b.org")
    account = SimpleNamespace(muc=Muc(), roster=SimpleNamespace(), blog=SimpleNamespace(comments=SimpleNamespace()), encryption=encryption)
    config = AccountConfig(jid="a@b.org", otr_policy="always",
                           otr_policy_contacts={"bob@b.org": "manual", "carol@b.org": "always"})
    configure_account(account, config, UiConfig())
    assert encryption.host.settings["otr"] == {"policy": "always",
                                               "contacts": {"bob@b.org": "manual", "carol@b.org": "always"}}
    assert [encryption.used_for(jid) for jid in ("dave@b.org", "bob@b.org", "carol@b.org")] == ["otr", None, "otr"]
    assert encryption.used_for("room@muc.b.org", room=True) is None

    encryption = Encryption("a@b.org")
    account.encryption = encryption
    configure_account(account, AccountConfig(jid="a@b.org", otr_policy_contacts={"carol@b.org": "always"}),
                      UiConfig())
    assert [encryption.used_for(jid) for jid in ("dave@b.org", "carol@b.org")] == [None, "otr"]


async def test_copies_for_our_other_devices_are_left_alone():
    sent: list[tuple[str, str]] = []
    host = SchemeHost("alice@example.org", send=lambda to, body: sent.append((to, body)),
                      me=lambda: "alice@example.org/parlons")
    scheme = OtrScheme(host)
    carbon = message("?OTR:AAIDAAAAAAEAAAAB")
    carbon["to"] = "alice@example.org/phone"
    peer = Peer("alice@example.org", "bob@example.org")
    assert await scheme.decrypt(peer, carbon) is None
    ours = message("?OTR:AAIDAAAAAAEAAAAB", sender="alice@example.org/phone")
    assert await scheme.decrypt(peer, ours) is None
    assert sent == [] and scheme.state("bob@example.org") is None


async def test_a_damaged_key_file_is_said_not_sent_around(tmp_path: Path):
    (tmp_path / "otr").mkdir()
    (tmp_path / "otr" / "alice@example.org.key").write_bytes(b"\0\0garbage")
    scheme = OtrScheme(SchemeHost("alice@example.org", data_dir=tmp_path))
    with pytest.raises(EncryptionError, match="cannot load or make your OTR key"):
        await scheme.start("bob@example.org")
