"""tui.core.corrections: which line a XEP-0308 correction replaces, and who may."""

from __future__ import annotations

from tui.core.corrections import (
    Corrections,
    chat_may_correct,
    last_own_chat_line,
    last_own_room_line,
    room_may_correct,
)
from tui.core.model import Delivery, Line, LineKind

ROOM = "bench@conference.localhost"


def said(nick: str, body: str, msg_id: str | None, kind=LineKind.INCOMING, **fields) -> Line:
    return Line(body, kind, nick=nick, msg_id=msg_id, **fields)


def by(nick: str, *, own: bool = False, our_nick: str = "alice"):
    return lambda line: room_may_correct(line, nick, own, our_nick)


def test_a_room_line_is_corrected_only_by_the_nick_that_wrote_it() -> None:
    bob = said("bob", "teh", "b1")
    lines = [bob, said("carol", "hi", "c1")]
    corrections = Corrections()
    assert corrections.find(ROOM, lines, "b1", by("bob")) is bob
    assert corrections.find(ROOM, lines, "b1", by("carol")) is None
    assert corrections.names_a_line(ROOM, lines, "b1")  # carol names bob's line: a forgery
    assert not corrections.names_a_line(ROOM, lines, "nope")


def test_the_newest_line_with_the_id_that_the_corrector_may_change() -> None:
    # ids are chosen by senders: carol may reuse bob's, bob's line is still found
    bob, carol = said("bob", "old", "x"), said("carol", "mine", "x")
    assert Corrections().find(ROOM, [bob, carol], "x", by("bob")) is bob


def test_our_lines_only_by_us_even_under_a_nick_we_left() -> None:
    ours = said("alice", "helo", "a1", LineKind.OUTGOING, delivery=Delivery.DELIVERED)
    # we became "alicia"; someone took "alice"
    assert not room_may_correct(ours, "alice", False, "alicia")
    assert room_may_correct(ours, "alice", True, "alice")
    # our /me sent from here is ours, another's /me is not
    our_action = said("alice", "waves", "a2", LineKind.ACTION, delivery=Delivery.SENT)
    assert not room_may_correct(our_action, "alice", False, "alicia")
    their_action = said("bob", "waves", "b2", LineKind.ACTION)
    assert room_may_correct(their_action, "bob", False, "alice")
    assert not room_may_correct(their_action, "bob", True, "alice")
    # an incoming line under our nick (someone had it before us) is not ours to correct
    assert not room_may_correct(said("alice", "not me", "z"), "alice", True, "alice")
    assert not room_may_correct(Line("joined", LineKind.EVENT, nick="bob", msg_id="e"), "bob", False, "alice")


def test_a_chain_of_corrections_ends_at_the_same_line_per_conversation() -> None:
    bob = said("bob", "teh", "b1")
    lines = [bob]
    corrections = Corrections()
    corrections.apply(ROOM, bob, "the", ("c1", None))
    assert (bob.body, bob.corrected) == ("the", True)
    # the next correction names the first correction's id
    assert corrections.find(ROOM, lines, "c1", by("bob")) is bob
    assert corrections.find(ROOM, lines, "c1", by("carol")) is None
    assert corrections.find("elsewhere@conference.localhost", lines, "c1", by("bob")) is None


def test_the_stored_message_the_store_matched_is_found_by_rowid() -> None:
    # the line keeps the origin-id; the correction named the stanza's id: the store knows both
    bob = said("bob", "teh", "origin-1", rowid=42)
    assert Corrections().find(ROOM, [bob], "stanza-id-1", by("bob"), rowid=42) is bob
    assert Corrections().find(ROOM, [bob], "stanza-id-1", by("bob")) is None


def test_the_body_is_sanitised_and_old_chains_are_forgotten() -> None:
    line = said("bob", "x", "b1")
    corrections = Corrections(limit=2)
    corrections.apply(ROOM, line, "new\x1b[31m text\u202e", ("c1", "c2", "c3"))
    assert "\x1b" not in line.body and "\u202e" not in line.body and line.body.startswith("new")
    assert corrections.find(ROOM, [line], "c1", by("bob")) is None  # forgotten
    assert corrections.find(ROOM, [line], "c3", by("bob")) is line


def test_chat_sides_correct_their_own_lines() -> None:
    theirs, ours = said("bob", "a", "1"), said("me", "b", "2", LineKind.OUTGOING)
    assert chat_may_correct(theirs, own=False) and not chat_may_correct(theirs, own=True)
    assert chat_may_correct(ours, own=True) and not chat_may_correct(ours, own=False)


def test_last_own_lines() -> None:
    ours = said("alice", "first", "a1", LineKind.OUTGOING, delivery=Delivery.DELIVERED)
    phone = said("alice", "from the phone", "a2", LineKind.OUTGOING, elsewhere=True)
    assert last_own_chat_line([ours, phone, said("bob", "x", "b")]) is ours
    assert last_own_chat_line([said("bob", "x", "b")]) is None
    assert last_own_room_line([ours, said("bob", "x", "b")], "alice") is ours
    # written under a nick we no longer have: others would not accept the correction
    assert last_own_room_line([ours, said("bob", "x", "b")], "alicia") is None
    assert last_own_room_line([said("alice", "no id", None, LineKind.OUTGOING)], "alice") is None
