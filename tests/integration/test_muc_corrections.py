"""Message corrections (XEP-0308) in rooms, against the real Prosody with real
slixmpp occupants: live ones in place and only by their writer, ours out once,
and the ones the room's archive replays on join."""

from __future__ import annotations

from tests.harness.client import run, window_text
from tests.harness.rooms import CORRECTING, enter, joined, nicks_seen_by, open_room, room_name, say
from tests.harness.wait import until
from tui.core.model import LineKind


def lines_of(window, nick: str) -> list:
    return [l for l in window.lines if l.nick == nick and l.kind in (LineKind.INCOMING, LineKind.ACTION)]


async def correcting_room(prosody, make_peer):
    room = room_name(prosody)
    bob, carol = await make_peer(plugins=CORRECTING), await make_peer(plugins=CORRECTING)
    await open_room(bob, room, "bob")
    await enter(carol, room, "carol")
    return room, bob, carol


async def test_a_live_correction_changes_its_writers_line_only(alice, prosody, make_peer):
    room, bob, carol = await correcting_room(prosody, make_peer)
    window, _model = await joined(alice, room)
    original = say(bob, room, "teh answer is 41")
    await until(lambda: "teh answer is 41" in window_text(window), message=lambda: window_text(window))
    first_fix = say(bob, room, "the answer is 41", replace=original)
    await until(lambda: "the answer is 41" in window_text(window), message=lambda: window_text(window))
    [line] = lines_of(window, "bob")
    assert line.corrected and "teh answer" not in window_text(window)

    # carol claims bob's id: a message of her own, bob's line untouched
    say(carol, room, "bob is wrong", replace=original)
    await until(lambda: lines_of(window, "carol"), message=lambda: window_text(window))
    [forged] = lines_of(window, "carol")
    assert forged.body == "bob is wrong" and not forged.corrected
    assert [l.body for l in lines_of(window, "bob")] == ["the answer is 41"]

    # a correction of the correction (named by its id), and then by the original's id again
    say(bob, room, "the answer is 42", replace=first_fix)
    await until(lambda: line.body == "the answer is 42", message=lambda: window_text(window))
    say(bob, room, "the answer is 42, alice", replace=original)
    await until(lambda: line.body == "the answer is 42, alice", message=lambda: window_text(window))
    assert line.highlight  # a live correction that names us is a highlight like any line
    assert len(lines_of(window, "bob")) == 1

    # the store has the corrected text in the original's place, carol's line apart
    records = await alice.account.store.db.latest(room, 10)
    assert [(r.nick, r.text) for r in records] == [("bob", "the answer is 42, alice"), ("carol", "bob is wrong")]
    assert records[0].body == "teh answer is 41"


async def test_our_correction_goes_out_once_and_its_echo_adds_nothing(alice, prosody, make_peer):
    room, bob, carol = await correcting_room(prosody, make_peer)
    window, _model = await joined(alice, room)
    await run(alice, "/correct too early", window)
    assert "Nothing of yours to correct in this window" in window_text(window)
    assert alice.last_own_message(window) is None

    await run(alice, "see you at 5", window)
    received = await until(lambda: next((m for m in bob.messages if m.body == "see you at 5"), None))
    assert alice.last_own_message(window) == "see you at 5"  # what Up brings back
    await run(alice, "/correct see you at 6", window)
    fix = await until(lambda: next((m for m in bob.messages if m.body == "see you at 6"), None))
    assert fix.stanza["type"] == "groupchat" and fix.sender == f"{room}/alice"
    assert fix.stanza["replace"]["id"] == received.stanza["id"]
    # bob says something after the correction reached him: alice has its echo by then
    say(bob, room, "barrier")
    await until(lambda: "barrier" in window_text(window), message=lambda: window_text(window))
    mine = [l for l in window.lines if l.kind is LineKind.OUTGOING]
    assert [(l.body, l.corrected) for l in mine] == [("see you at 6", True)]
    assert alice.last_own_message(window) == "see you at 6"

    # an action is corrected as an action (Up on an empty line does the same)
    await run(alice, "/me wavs", window)
    await until(lambda: any(m.body == "/me wavs" for m in bob.messages))
    await alice.handle_input("waves", window, correction=True)
    fixed = await until(lambda: next((m for m in bob.messages if m.body == "/me waves"), None))
    assert fixed.stanza["replace"]["id"]
    action = next(l for l in window.lines if l.kind is LineKind.ACTION)
    assert (action.body, action.corrected) == ("waves", True)

    records = await alice.account.store.db.latest(room, 10)
    assert [r.text for r in records if r.direction == "out"] == ["see you at 6", "waves"]


async def test_corrections_in_the_archive_apply_to_what_they_correct(alice, prosody, make_peer):
    room, bob, carol = await correcting_room(prosody, make_peer)
    original = say(bob, room, "teh plan")
    # carol claims it once the room has it (two streams: the room could get hers first)
    await until(lambda: "teh plan" in carol.bodies())
    say(carol, room, "my plan", replace=original)  # not hers to correct
    await until(lambda: "my plan" in bob.bodies())  # the archive's order is the test's
    say(bob, room, "lost and found", replace="an-id-nobody-has")
    # last: a correction, which is not a message of its own; the archive gives it again next time
    first_fix = say(bob, room, "the plan, alice", replace=original)
    await until(lambda: "the plan, alice" in carol.bodies())
    window, model = await joined(alice, room)  # the first join reads the room's archive
    await until(lambda: "the plan, alice" in window_text(window), message=lambda: window_text(window))
    assert [(l.body, l.corrected) for l in lines_of(window, "bob")] == [
        ("the plan, alice", True), ("lost and found", True)]
    assert [(l.body, l.corrected) for l in lines_of(window, "carol")] == [("my plan", False)]
    assert not any(l.highlight for l in window.lines)  # replayed history rings nothing

    # away: the archive has a correction of the correction, and a correction
    # of the line that stood in for an original we never had
    session = alice.account.session
    await session.disconnect()
    await until(lambda: "alice" not in nicks_seen_by(bob, room))
    say(bob, room, "the final plan", replace=first_fix)
    say(bob, room, "lost, found, kept", replace="an-id-nobody-has")
    await until(lambda: "lost, found, kept" in carol.bodies())
    session.connect()
    await until(lambda: model.joined and "lost, found, kept" in window_text(window), timeout=10,
                message=lambda: window_text(window))
    await until(lambda: "the final plan" in window_text(window), message=lambda: window_text(window))
    assert [l.body for l in lines_of(window, "bob")] == ["the final plan", "lost, found, kept"]
    assert [l.body for l in lines_of(window, "carol")] == ["my plan"]

    # what a restart shows: the store's text, once, marked
    alice.windows.close(window.number)
    reopened = await alice.account.muc.open_window(room)
    assert [(l.nick, l.body, l.corrected) for l in reopened.lines if l.kind is LineKind.INCOMING] == [
        ("bob", "the final plan", True), ("carol", "my plan", False), ("bob", "lost, found, kept", True)]
