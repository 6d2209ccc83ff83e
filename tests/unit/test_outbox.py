"""The outbox's bookkeeping: order, what is in flight, what a new stream
leaves to us (tui/xmpp/outbox.py)."""

from __future__ import annotations

from tui.xmpp.chat.outbox import Outbox, Outgoing


def entries(*ids: str) -> list[Outgoing]:
    return [Outgoing("bob@example.org", f"text {i}", i) for i in ids]


def ids(items) -> list[str]:
    return [entry.msg_id for entry in items]


def test_an_earlier_runs_messages_go_first_and_nothing_twice():
    box = Outbox()
    for entry in entries("now1", "now2"):
        box.add(entry)
    box.load(entries("old1", "now1", "old2"))
    assert ids(box.to_send()) == ["old1", "old2", "now1", "now2"]
    box.add(Outgoing("bob@example.org", "again", "now1"))  # a second add changes nothing
    assert len(box) == 4 and box.to_send()[2].body == "text now1"


def test_in_flight_until_acknowledged_and_a_fresh_stream_gives_it_back():
    box = Outbox()
    for entry in entries("a", "b", "c"):
        box.add(entry)
    for entry in box.to_send()[:2]:
        entry.in_flight = True
    assert ids(box.to_send()) == ["c"]
    assert box.done("a").msg_id == "a" and "a" not in box and box.done("a") is None
    assert box.new_stream() == 0  # slixmpp dropped its copies: ours to send again
    assert ids(box.to_send()) == ["b", "c"]


def test_a_resumed_stream_keeps_in_flight_only_what_slixmpp_still_holds():
    box = Outbox()
    for entry in entries("a", "b", "c"):
        box.add(entry)
        entry.in_flight = entry.msg_id != "c"
    assert box.new_stream(still_queued=["b", "x"]) == 1  # "a" was lost on the way: ours again
    assert ids(box.to_send()) == ["a", "c"]
