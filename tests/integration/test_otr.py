"""OTR v2 in a 1:1 conversation (issue 11) through the real Prosody, against
a peer speaking OTR with python-potr over raw slixmpp (tests/harness/otr_peer):
the handshake started from either side, messages both ways decrypted exactly,
fingerprints as the peer sees them, SMP right and wrong, /otr end back to
clear, a peer ending the session, policy "always" holding what is typed
before the session is up (neither bob nor alice's archive sees it in clear),
hostile plaintext shown inert, our key made off the event loop."""

from __future__ import annotations

import os
import stat
import threading

from slixmpp import JID

from tests.harness.client import headless_client, run, status_text, window_text
from tests.harness.otr_peer import OtrPeer
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind
from tui.crypto.otr import compat
from tui.crypto.otr.scheme import pretty_fingerprint
from tui.logging_setup import redact


def bodies(window, kind: LineKind) -> list[str]:
    return [line.body for line in window.lines if line.kind is kind]


def otr_of(alice):
    return alice.account.encryption.instance("otr")


def state(alice, jid: str) -> str | None:
    return alice.account.encryption.state(jid)


def wire(bob) -> str:
    """Everything bob received, as XML."""
    return "\n".join(str(m.stanza) for m in bob.peer.messages)


async def open_chat(alice, bob):
    await run(alice, f"/query {bob.jid}")
    await until(lambda: alice.account.chat.find_window(bob.jid) is not None)
    return alice.account.chat.find_window(bob.jid)


async def test_otr_started_by_alice_both_ways_fingerprints_smp_and_end(alice, make_peer, tmp_path):
    bob = OtrPeer(await make_peer(), fragment_size=200)
    window = await open_chat(alice, bob)
    await run(alice, "/otr start", window)
    assert alice.encryption_in(window) == "OTR starting"
    await until(lambda: state(alice, bob.jid) == "OTR unverified", message=lambda: window_text(window))
    await until(lambda: bob.encrypted(alice.jid))
    assert alice.encryption_in(window) == "OTR unverified"  # what the window and status bars show
    assert "OTR session started (unverified: /otr fpr, /otr smp)" in window_text(window)
    scheme = otr_of(alice)
    assert scheme.key_thread is not None and scheme.key_thread != threading.get_ident()  # made off the loop
    key_file = tmp_path / "otr" / f"{alice.jid.lower()}.key"
    assert key_file.is_file() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600

    # both ways, exactly; long lines go in fragments both ways and reassemble
    long_line = "a long line " + "x" * 600
    await run(alice, "hello bob, in private", window)
    await run(alice, long_line, window)
    await until(lambda: len(bob.plain) == 2, message=lambda: str(bob.plain + bob.errors))
    assert bob.plain == ["hello bob, in private", long_line] and bob.errors == []
    assert "in private" not in wire(bob) and "xxxxxxxxxx" not in wire(bob)
    # what alice typed went marked (Prosody strips <private/> once it has honoured it)
    data = [m.stanza for m in bob.peer.messages if m.stanza.xml.find("{urn:xmpp:eme:0}encryption") is not None]
    assert len(data) == 2 and all(m["body"].startswith("?OTR") for m in data)
    for element in ("{urn:xmpp:hints}no-permanent-store", "{urn:xmpp:hints}no-copy"):
        assert data[0].xml.find(element) is not None, element
    assert data[0].xml.find("{urn:xmpp:eme:0}encryption").get("namespace") == "urn:xmpp:otr:0"
    mine = next(line for line in window.lines if line.body == "hello bob, in private")
    assert mine.encryption == "otr"

    bob.say(alice.jid, "hi alice, secretly")
    bob.say(alice.jid, "and " + "y" * 500)
    await until(lambda: len(bodies(window, LineKind.INCOMING)) == 2, message=lambda: window_text(window))
    assert bodies(window, LineKind.INCOMING) == ["hi alice, secretly", "and " + "y" * 500]
    assert "?OTR" not in window_text(window)

    # fingerprints shown are the ones the peer has
    await run(alice, "/otr fpr", window)
    text = window_text(window)
    assert f"Your OTR fingerprint: {pretty_fingerprint(bob.their_fingerprint(alice.jid))}" in text
    assert f"{bob.jid}'s OTR fingerprint: {pretty_fingerprint(bob.fingerprint)} (NOT verified)" in text

    # SMP: a wrong secret does not verify, the right one does
    await run(alice, "/otr smp wrong-guess", window)
    await until(lambda: bob.ctx(alice.jid).crypto.smp is not None and bob.ctx(alice.jid).crypto.smp.state == 0)
    bob.smp_answer(alice.jid, "the real secret")
    await until(lambda: "failed" in window_text(window) or "aborted" in window_text(window),
                message=lambda: window_text(window))
    assert state(alice, bob.jid) == "OTR unverified"
    await run(alice, '/otr smp "where did we meet?" "the real secret"', window)
    await until(lambda: bob.smp_questions == ["where did we meet?"])
    bob.smp_answer(alice.jid, "the real secret")
    await until(lambda: f"SMP with {bob.jid} succeeded: their key is verified" in window_text(window),
                message=lambda: window_text(window))
    assert state(alice, bob.jid) == "OTR verified" and bob.smp_succeeded(alice.jid)
    for secret in ("wrong-guess", "the real secret"):  # SMP secrets never reach a log
        assert secret not in redact(f"typed: /otr smp {secret}")
    assert "where did we meet?" in redact("where did we meet?")  # the question is no secret
    assert scheme.last_thread is not None and scheme.last_thread != threading.get_ident()  # SMP math too
    # bob asks, alice answers
    bob.smp(alice.jid, "blue", question="favourite colour?")
    await until(lambda: "favourite colour?" in window_text(window), message=lambda: window_text(window))
    await run(alice, "/otr smp answer blue", window)
    await until(lambda: bob.smp_succeeded(alice.jid) and bob.ctx(alice.jid).getCurrentTrust() == "smp")
    # the trust persists (a file, 0600)
    trust_file = tmp_path / "otr" / f"{alice.jid.lower()}.trust.json"
    assert bob.fingerprint in trust_file.read_text() and stat.S_IMODE(os.stat(trust_file).st_mode) == 0o600
    await run(alice, "/otr untrust", window)
    assert state(alice, bob.jid) == "OTR unverified"
    await run(alice, "/otr trust", window)
    assert state(alice, bob.jid) == "OTR verified"

    # /otr end: bob is told, and what follows goes visibly in clear
    await run(alice, "/otr end", window)
    await until(lambda: bob.finished(alice.jid))
    assert f"OTR session ended: what you send to {bob.jid} now goes in clear" in window_text(window)
    assert state(alice, bob.jid) is None
    await run(alice, "now in clear", window)
    await until(lambda: bob.clear == ["now in clear"], message=lambda: str(bob.clear))
    assert bob.errors == []


async def test_bob_starts_the_session_then_ends_it(alice, make_peer):
    bob = OtrPeer(await make_peer())
    window = await open_chat(alice, bob)
    await run(alice, "hello in clear", window)
    await until(lambda: bob.clear == ["hello in clear"])

    # manual (the default): bob's query is said, not answered
    bob.query(alice.jid)
    await until(lambda: f"{bob.jid} asks for an OTR session: /otr start to begin one" in window_text(window),
                message=lambda: window_text(window))
    assert not bob.encrypted(alice.jid) and state(alice, bob.jid) is None

    # opportunistic: bob's query starts it, and the conversation goes encrypted
    alice.account.encryption.host.settings["otr"] = {"policy": "opportunistic"}
    bob.query(alice.jid)
    await until(lambda: state(alice, bob.jid) == "OTR unverified", message=lambda: window_text(window))
    await until(lambda: bob.encrypted(alice.jid))
    await run(alice, "answering in private", window)
    await until(lambda: bob.plain == ["answering in private"], message=lambda: str(bob.plain + bob.clear))
    bob.say(alice.jid, "good")
    await until(lambda: bodies(window, LineKind.INCOMING) == ["good"], message=lambda: window_text(window))

    # bob ends it: said, shown, and nothing more goes — not in clear either
    bob.end(alice.jid)
    await until(lambda: state(alice, bob.jid) == "OTR finished by peer", message=lambda: window_text(window))
    assert f"{bob.jid} ended the OTR session" in window_text(window)
    received = len(bob.peer.messages)
    await run(alice, "must not leak", window)
    line = next(line for line in window.lines if line.body == "must not leak")
    await until(lambda: line.delivery is Delivery.FAILED, message=lambda: window_text(window))
    assert f"{bob.jid} ended the OTR session: /otr end or /otr start" in window_text(window)
    assert "must not leak" not in wire(bob) and len(bob.peer.messages) == received

    # a new session from /otr start
    await run(alice, "/otr start", window)
    await until(lambda: bob.encrypted(alice.jid) and state(alice, bob.jid) == "OTR unverified")
    await run(alice, "/retry", window)
    await until(lambda: bob.plain[-1:] == ["must not leak"], message=lambda: str(bob.plain))
    assert "must not leak" not in wire(bob)


async def test_policy_always_holds_what_is_typed_before_the_session(alice, make_peer):
    alice.account.encryption.host.settings["otr"] = {"policy": "always"}
    alice.account.encryption.default = "otr"
    bob = OtrPeer(await make_peer())
    bob.send_raw(alice.jid, "bob in clear, archived")  # shows the archive query below finds what is there
    await run(alice, f"/msg {bob.jid} typed before the session")
    window = alice.account.chat.find_window(bob.jid)
    await until(lambda: bob.plain == ["typed before the session"], message=lambda: window_text(window))
    assert "waiting: starting an OTR session with" in window_text(window)
    assert "typed before the session" not in wire(bob)
    assert any(m.body.startswith("?OTRv2?") for m in bob.peer.messages)
    mine = next(line for line in window.lines if line.body == "typed before the session")
    assert mine.encryption == "otr"
    # alice's archive has no plaintext of it (OTR messages carry no-permanent-store)
    mam = alice.account.session.xmpp.plugin["xep_0313"]
    archived = [str(msg) async for msg in mam.iterate(with_jid=JID(bob.jid))]
    assert any("bob in clear, archived" in xml for xml in archived), archived
    assert not any("typed before" in xml for xml in archived)
    assert bob.errors == []


async def test_hostile_plaintext_is_shown_inert(alice, make_peer):
    alice.account.encryption.host.settings["otr"] = {"policy": "opportunistic"}
    bob = OtrPeer(await make_peer())
    window = await open_chat(alice, bob)
    bob.query(alice.jid)
    await until(lambda: bob.encrypted(alice.jid) and state(alice, bob.jid) == "OTR unverified")
    bob.say(alice.jid, "title \x1b]0;pwned\x07 and \u202eevil\u202c done")
    await until(lambda: bodies(window, LineKind.INCOMING), message=lambda: window_text(window))
    [body] = bodies(window, LineKind.INCOMING)
    assert "pwned" in body and "evil" in body
    assert not any(c in body for c in "\x1b\x07\u202e\u202c")


async def test_help_explains_each_subcommand(alice, make_peer):
    bob = await make_peer()
    await run(alice, f"/query {bob.jid}")
    await until(lambda: alice.account.chat.find_window(bob.jid) is not None)
    window = alice.account.chat.find_window(bob.jid)
    await run(alice, "/help otr", window)
    text = window_text(window) + "\n" + status_text(alice)
    for said in ("start:", "end:", "refresh:", "fpr:", "trust / untrust:", "smp QUESTION SECRET:",
                 "smp SECRET:", "smp answer SECRET:", "smp abort:"):
        assert said in text, said
    await run(alice, "/otr start")  # not a chat window
    assert "/otr works only in chat windows" in status_text(alice)
    assert otr_of(alice) is None or not otr_of(alice).encrypted(bob.jid)


async def test_without_python_potr_choosing_otr_says_how_to_install_it(alice, make_peer, monkeypatch):
    def missing():
        raise compat.OtrUnavailable(compat.INSTALL_HINT)

    monkeypatch.setattr(compat, "load", missing)
    bob = await make_peer()
    await run(alice, f"/msg {bob.jid} hi")
    await until(lambda: bob.bodies() == ["hi"])
    window = alice.account.chat.find_window(bob.jid)
    await run(alice, "/otr start", window)
    assert compat.INSTALL_HINT in window_text(window) + status_text(alice)
    await run(alice, "/encrypt otr", window)
    await run(alice, "not in clear", window)
    line = next(line for line in window.lines if line.body == "not in clear")
    await until(lambda: line.delivery is Delivery.FAILED, message=lambda: window_text(window))
    assert f"not encrypted: {compat.INSTALL_HINT}" in window_text(window)
    assert bob.bodies() == ["hi"]


async def test_ending_a_session_that_never_came_up_sends_nothing_in_clear(alice, make_peer):
    bob = await make_peer()  # no OTR at all: the query is never answered
    await run(alice, f"/query {bob.jid}")
    await until(lambda: alice.account.chat.find_window(bob.jid) is not None)
    window = alice.account.chat.find_window(bob.jid)
    await run(alice, "/otr start", window)
    await run(alice, "held for OTR", window)
    await until(lambda: "waiting: starting an OTR session with" in window_text(window),
                message=lambda: window_text(window))
    assert state(alice, bob.jid) == "OTR starting"
    await run(alice, "/otr end", window)
    assert state(alice, bob.jid) is None
    line = next(line for line in window.lines if line.body == "held for OTR")
    assert line.delivery is Delivery.FAILED
    assert "the OTR session was given up before it was sent — /retry sends it again" in window_text(window)
    await run(alice, "clear after", window)
    await until(lambda: bob.bodies()[-1:] == ["clear after"], message=lambda: str(bob.bodies()))
    assert "held for OTR" not in "\n".join(bob.bodies())
    assert bob.bodies()[0].startswith("?OTRv2?")


async def test_a_changed_key_is_a_loud_error(alice, make_peer):
    bob = OtrPeer(await make_peer())
    window = await open_chat(alice, bob)
    await run(alice, "/otr start", window)
    await until(lambda: bob.encrypted(alice.jid) and state(alice, bob.jid) == "OTR unverified")
    old = bob.fingerprint
    await run(alice, "/otr trust", window)
    await run(alice, "/otr end", window)
    await until(lambda: bob.finished(alice.jid))
    bob.account = type(bob.account)(bob, bob.jid, 0)  # bob (or someone) with another key
    await run(alice, "/otr start", window)
    await until(lambda: bob.encrypted(alice.jid) and state(alice, bob.jid) == "OTR unverified",
                message=lambda: window_text(window))
    warning = next(line for line in window.lines if "OTR key changed" in line.body)
    assert warning.kind is LineKind.ERROR
    assert pretty_fingerprint(bob.fingerprint) in warning.body and pretty_fingerprint(old) in warning.body


async def test_a_whitespace_tag_starts_the_session_where_the_policy_answers(alice, make_peer):
    bob = OtrPeer(await make_peer())
    window = await open_chat(alice, bob)
    tag = " \t  \t\t\t\t \t \t \t    \t\t  \t "  # potr's base tag + version 2
    bob.send_raw(alice.jid, "manual ignores it" + tag)
    await until(lambda: len(bodies(window, LineKind.INCOMING)) == 1, message=lambda: window_text(window))
    alice.account.encryption.host.settings["otr"] = {"policy": "opportunistic"}
    bob.send_raw(alice.jid, "hello, I speak OTR" + tag)
    await until(lambda: bob.encrypted(alice.jid) and state(alice, bob.jid) == "OTR unverified",
                message=lambda: window_text(window))
    shown = [line for line in window.lines if line.kind is LineKind.INCOMING]
    assert [line.body.strip() for line in shown] == ["manual ignores it", "hello, I speak OTR"]
    assert [line.encryption for line in shown] == ["", ""]  # they came in clear: marked so
    assert [m.body.startswith("?OTRv2?") for m in bob.peer.messages].count(True) == 1


async def test_a_query_read_back_from_the_archive_is_not_answered(prosody, make_account, make_peer, tmp_path):
    """A catch-up reads what came while we were away from the archive: an
    OTR query (or key exchange) there belongs to a session long gone, and
    answering it, even under opportunistic, would start a stale handshake."""
    jid, password = make_account("alice")
    opportunistic = {"otr": {"policy": "opportunistic"}}
    async with headless_client(prosody, jid, password, tmp_path, encryption=opportunistic) as alice:
        await until(lambda: alice.account.chat.archive.caught_up, timeout=10)
    bob = OtrPeer(await make_peer())
    # (what bob sends next must find her gone: a session closed a moment ago
    # may still be routed to, and would answer the query live — rightly)
    await bob.peer.until_gone(f"{jid}/parlons")
    bob.query(jid)  # alice is offline: the archive keeps it
    bob.peer.send(jid, "sent in clear after the query")
    async with headless_client(prosody, jid, password, tmp_path, encryption=opportunistic) as alice:
        window = await until(lambda: alice.account.chat.find_window(bob.jid), timeout=10)
        await until(lambda: "sent in clear after the query" in window_text(window), message=lambda: window_text(window))
        await until(lambda: alice.account.chat.archive.caught_up, timeout=10)
        assert state(alice, bob.jid) is None and not bob.encrypted(jid)
        # nothing answered it (a bounce of bob's own query, type "error", is the server's, not alice's)
        answers = [(m.sender, m.stanza["type"], m.body[:40]) for m in bob.peer.messages
                   if m.body.startswith("?OTR") and m.stanza["type"] != "error"]
        assert not answers, [(m.sender, m.stanza["type"], m.body[:40]) for m in bob.peer.messages]
        assert "asks for an OTR session" not in window_text(window)


async def test_otr_in_a_room_occupants_private_window(alice, make_peer, prosody):
    """A private conversation with a room occupant (room@service/nick): the
    session is with that occupant, both ways, and ends back to clear."""
    from tests.harness.rooms import joined, open_room, room_name

    room = room_name(prosody, "otr")
    bob = OtrPeer(await make_peer())
    await open_room(bob.peer, room, "bob")
    room_window, _ = await joined(alice, room)
    occupant = f"{room}/bob"
    await run(alice, f"/query {occupant}")  # typed in full, from the status window (Poezio's way)
    window = await until(lambda: alice.account.chat.find_window(occupant),
                         message=lambda: status_text(alice) + str([w.name for w in alice.windows]))
    await run(alice, "/query bob", room_window)  # Irssi's way, from the room: the same window
    assert alice.account.chat.find_window(occupant) is window and len(alice.windows) == 3
    await run(alice, "/otr start", window)
    await until(lambda: state(alice, occupant) == "OTR unverified", message=lambda: window_text(window))
    await until(lambda: bob.encrypted(room))
    await run(alice, "whispered in private ✓", window)
    await until(lambda: bob.plain == ["whispered in private ✓"], message=lambda: str(bob.plain) + wire(bob))
    assert "whispered" not in wire(bob)
    bob.say(f"{room}/alice", "whispered back")
    await until(lambda: "whispered back" in bodies(window, LineKind.INCOMING), message=lambda: window_text(window))
    line = next(l for l in window.lines if l.body == "whispered back")
    assert line.encryption == "otr"
    assert "whispered" not in window_text(room_window)  # nothing leaked into the room itself
    await run(alice, "/otr end", window)
    await until(lambda: state(alice, occupant) is None, message=lambda: window_text(window))
    await until(lambda: bob.finished(room))
