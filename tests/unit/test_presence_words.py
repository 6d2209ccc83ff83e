"""Presence in words (tui/core/presence.py): a chat title's presence and the
``-!-`` line a contact's change makes."""

from __future__ import annotations

from tui.core.presence import OFFLINE, Seen, change_line, describe, joins_hidden


def test_describe_names_the_show_and_the_status_text():
    assert describe("away", "gone fishing") == "away: gone fishing"
    assert describe("available") == "online"
    assert describe("xa") == "extended away"
    assert describe("offline") == "offline"


def test_a_change_says_what_a_reader_would_notice_and_a_repeat_says_nothing():
    away = Seen("away", "gone fishing")
    assert change_line("Bob", Seen("available"), away) == "Bob is now away (gone fishing)"
    assert change_line("Bob", away, Seen("available")) == "Bob is back"
    assert change_line("Bob", Seen("dnd"), Seen("chat", "talk to me")) == "Bob is back, free for chat (talk to me)"
    assert change_line("Bob", OFFLINE, Seen("available", "hi")) == "Bob is online (hi)"
    assert change_line("Bob", OFFLINE, Seen("xa")) == "Bob is now extended away"
    assert change_line("Bob", Seen("available"), Seen("offline", "bye")) == "Bob is offline (bye)"
    assert change_line("Bob", away, Seen("away", "still fishing")) == "Bob is now away (still fishing)"
    assert change_line("Bob", away, Seen("away", "gone fishing")) is None
    assert change_line("Bob", OFFLINE, Seen("offline", "bye")) is None


def test_hide_joins_above_counts_a_chats_contact_as_one():
    assert not joins_hidden(1, 50)
    assert joins_hidden(1, 0)
    assert joins_hidden(51, 50) and not joins_hidden(50, 50)
