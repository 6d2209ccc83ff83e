"""An encryption scheme plugs into the one message pipeline without the chat
or room code knowing it (issue 10): the test-only rot13 scheme
(tests/harness/rot13) is registered from here, chosen with /encrypt, and
round-trips through the real Prosody in a conversation and in a room —
what leaves is encrypted (nothing in clear), what arrives encrypted is shown
and stored as plaintext, the scheme's own messages are consumed, and a
message the scheme cannot encrypt is not sent at all."""

from __future__ import annotations

import pytest

from tests.harness import rot13
from tests.harness.client import run, status_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.rooms import joined, open_room, room_name
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind
from tui.xmpp.conversation.encryption import registered

PEER_PLUGINS = DEFAULT_PLUGINS + ("xep_0308", "xep_0359")


@pytest.fixture(autouse=True)
def rot13_registered():
    rot13.register()
    yield
    rot13.unregister()


def wire(received) -> tuple[str, str | None]:
    """(the body on the wire, the rot13 payload decoded) of what a peer received."""
    element = rot13.payload(received.stanza)
    return received.body, rot13.rot13(element.text or "") if element is not None else None


def bodies(window) -> list[str]:
    return [l.body for l in window.lines if l.kind in (LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION)]


async def test_a_conversation_encrypted_by_a_registered_scheme(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    await run(alice, f"/msg {bob.jid} in clear first")
    await until(lambda: bob.bodies() == ["in clear first"])
    window = alice.account.chat.find_window(bob.jid)

    await run(alice, "/encrypt", window)
    assert f"Not encrypted (available: {', '.join(registered())})" in window_text(window)  # rot13 and ours
    await run(alice, "/encrypt rot13", window)
    assert f"What you send to {bob.jid} is encrypted with rot13" in window_text(window)

    await run(alice, "/me nods", window)
    await run(alice, "meet me at noon", window)
    await until(lambda: len(bob.messages) == 3, message=lambda: str(bob.bodies()))
    assert [wire(m) for m in bob.messages[1:]] == [(rot13.FALLBACK, "/me nods"), (rot13.FALLBACK, "meet me at noon")]
    assert not any("noon" in str(m.stanza) or "nods" in str(m.stanza) for m in bob.messages[1:])  # nothing in clear
    mine = next(l for l in window.lines if l.body == "meet me at noon")
    assert mine.kind is LineKind.OUTGOING
    assert any(l.kind is LineKind.ACTION and l.body == "nods" for l in window.lines)

    # a correction goes through the same stage
    await run(alice, "/correct meet me at one", window)
    await until(lambda: len(bob.messages) == 4)
    fixed = bob.messages[3]
    assert wire(fixed) == (rot13.FALLBACK, "meet me at one") and fixed.stanza["replace"]["id"]
    assert mine.body == "meet me at one" and "noon" not in str(fixed.stanza)

    # bob answers encrypted; his scheme's own message is consumed; a plain one still shows
    rot13.encrypted_message(bob, alice.jid, "", kind="hello").send()
    rot13.encrypted_message(bob, alice.jid, "see you there").send()
    rot13.encrypted_message(bob, alice.jid, "lost", kind="garbled").send()
    rot13.encrypted_message(bob, alice.jid, "tripped", kind="buggy").send()
    bob.send(alice.jid, "and in clear")
    await until(lambda: "and in clear" in bodies(window), message=lambda: window_text(window))
    unreadable = "[could not decrypt this message: this rot13 message is garbled]"
    # a scheme's bug costs its message's text, said in its place, never the messages around it
    tripped = "[could not decrypt this message: rot13 tripped over its own feet]"
    assert bodies(window)[-4:] == ["see you there", unreadable, tripped, "and in clear"]
    assert rot13.FALLBACK not in window_text(window)
    assert alice.account.encryption.instance("rot13").consumed == [bob.jid]
    await run(alice, "/encryption", window)
    assert f"{bob.jid} offers: rot13" in window_text(window)
    stored = [(r.text, r.encryption) for r in await alice.account.store.db.latest(bob.jid, 10)]
    assert stored == [("in clear first", ""), ("nods", "rot13"), ("meet me at one", "rot13"),
                      ("see you there", "rot13"), (unreadable, ""), (tripped, ""), ("and in clear", "")]

    # what the scheme cannot encrypt is not sent in clear: failed, said, retriable
    await run(alice, f"this has {rot13.REFUSED}", window)
    refused = next(l for l in window.lines if l.body == f"this has {rot13.REFUSED}")
    await until(lambda: refused.delivery is Delivery.FAILED, message=lambda: window_text(window))
    assert f"not sent to {bob.jid}: not encrypted: {bob.jid} has no rot13 key — /retry sends it again" \
        in window_text(window)
    await run(alice, "/encrypt off", window)
    await run(alice, "clear again", window)
    await until(lambda: bob.bodies()[-1] == "clear again")
    assert not any(rot13.REFUSED in str(m.stanza) for m in bob.messages)


async def test_a_room_encrypted_by_a_registered_scheme(alice, prosody, make_peer):
    room = room_name(prosody)
    bob = await make_peer(plugins=PEER_PLUGINS)
    await open_room(bob, room, "bob")
    window, model = await joined(alice, room)
    await run(alice, "/encrypt rot13", window)

    await run(alice, "the room secret", window)
    await until(lambda: any(m.stanza["type"] == "groupchat" and rot13.payload(m.stanza) is not None
                            for m in bob.messages), message=lambda: str(bob.bodies()))
    said = next(m for m in bob.messages if rot13.payload(m.stanza) is not None)
    assert wire(said) == (rot13.FALLBACK, "the room secret") and "secret" not in str(said.stanza)
    mine = next(l for l in window.lines if l.body == "the room secret")
    # the room's echo comes back encrypted: decrypted, recognised, shown once
    await until(lambda: mine.delivery is Delivery.DELIVERED, message=lambda: window_text(window))
    assert bodies(window).count("the room secret") == 1

    await run(alice, "/me whispers", window)
    await until(lambda: any(wire(m) == (rot13.FALLBACK, "/me whispers") for m in bob.messages))

    rot13.encrypted_message(bob, room, "bob's room secret", mtype="groupchat").send()
    bob.send(room, "bob in clear", mtype="groupchat")
    await until(lambda: "bob in clear" in bodies(window), message=lambda: window_text(window))
    assert "bob's room secret" in bodies(window) and rot13.FALLBACK not in window_text(window)
    stored = [(r.body, r.encryption) for r in await alice.account.store.db.latest(room, 10)]
    assert stored == [("the room secret", "rot13"), ("whispers", "rot13"), ("bob's room secret", "rot13"),
                      ("bob in clear", "")]

    await run(alice, f"room {rot13.REFUSED}", window)
    refused = next(l for l in window.lines if l.body == f"room {rot13.REFUSED}")
    assert refused.delivery is Delivery.FAILED
    assert f"not sent to {room}: not encrypted" in window_text(window)


async def test_an_unknown_scheme_is_refused_in_one_line(alice, make_peer):
    bob = await make_peer()
    await run(alice, f"/msg {bob.jid} hi")
    window = alice.account.chat.find_window(bob.jid)
    await run(alice, "/encrypt nope", window)
    assert f"No encryption scheme 'nope' (available: {', '.join(registered())})" in window_text(window)
    assert "No encryption scheme 'nope'" in status_text(alice)
    await run(alice, "still clear", window)
    await until(lambda: bob.bodies()[-1:] == ["still clear"])
