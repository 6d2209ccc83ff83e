"""Stamps from the network become times in [1970, now] (tui/xmpp/stamps.py),
in every reader: <delay> of chats and rooms, archive results, Atom dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
from slixmpp import Message

from tui.xmpp.chat.fields import message_facts, message_time
from tui.xmpp.muc.fields import room_message
from tui.xmpp.stamps import EARLIEST, MAX_STAMP_LENGTH, clamp_time, delay_stamp, parse_stamp
from tui.xmpp.blog.xep_0277 import parse_time

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
ALICE = "alice@example.org"


@pytest.mark.parametrize("text, expected", [
    ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02T05:04:05.123456789+02:00", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)),
    ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),  # no zone: UTC
    (" 2024-01-02T03:04:05Z ", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("0001-01-01T00:00:00+23:59", EARLIEST),  # UTC would be year 0
    ("0001-01-01T00:00:00Z", EARLIEST),
    ("1969-12-31T23:59:59.999999Z", EARLIEST),
    ("1970-01-01T00:00:00Z", EARLIEST),
    ("9999-12-31T23:59:59-23:59", NOW),  # UTC would be year 10000
    ("9999-12-31T23:59:59Z", NOW),
    ("2026-12-04T12:00:01Z", NOW),
    ("2024-02-30T10:00:00Z", None),
    ("2024-01-02T03:04:05+24:00", None),
    ("yesterday", None),
    ("", None),
    (None, None),
    ("9" * 5000, None),
    ("2024-01-02T03:04:05Z" + " " * MAX_STAMP_LENGTH + "x", None),
])
def test_a_stamp_becomes_a_time_in_range_or_nothing(text, expected):
    when = parse_stamp(text, NOW)
    assert when == expected
    if when is not None:
        assert when.tzinfo is timezone.utc
        when.astimezone(timezone(timedelta(hours=-23, minutes=-59)))  # showable anywhere
        when.astimezone(timezone(timedelta(hours=23, minutes=59)))


def test_clamping_never_converts_an_unrepresentable_time():
    low = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))
    high = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-23, minutes=-59)))
    assert clamp_time(low, NOW) == EARLIEST and clamp_time(high, NOW) == NOW
    assert clamp_time(datetime(2020, 5, 5), NOW) == datetime(2020, 5, 5, tzinfo=timezone.utc)


def delayed(*stamps: str) -> Message:
    msg = Message()
    msg["from"], msg["to"], msg["type"], msg["body"] = "bob@example.org/x", ALICE, "chat", "hi"
    for stamp in stamps:
        msg.xml.append(ET.Element("{urn:xmpp:delay}delay", {"stamp": stamp}))
    return msg


def test_the_first_readable_delay_counts():
    assert delay_stamp(delayed().xml, NOW) is None
    assert delay_stamp(delayed("junk", "2024-01-02T03:04:05Z").xml, NOW) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert delay_stamp(delayed("0001-01-01T00:00:00Z", "2024-01-02T03:04:05Z").xml, NOW) == EARLIEST


def test_messages_and_room_messages_get_clamped_times():
    facts = message_facts(delayed("0001-01-01T00:00:00+23:59"), ALICE)
    assert facts.delayed and facts.time == EARLIEST
    facts = message_facts(delayed("junk"), ALICE)
    assert not facts.delayed and abs(facts.time - datetime.now(timezone.utc)) < timedelta(seconds=5)
    room = delayed("9999-12-31T23:59:59-23:59")
    room["from"], room["type"] = "room@muc.example.org/bob", "groupchat"
    message = room_message(room)
    assert message.delayed and abs(message.time - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_an_archive_stamp_is_clamped_too():
    absurd = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))
    assert message_time(delayed(), absurd) == (EARLIEST, True)
    facts = message_facts(delayed(), ALICE, archived_time=absurd)
    assert facts.time == EARLIEST


def test_atom_dates_are_stamps():
    assert parse_time("0001-01-01T00:00:00Z") == EARLIEST
    assert parse_time("9999-12-31T23:59:59-23:59") <= datetime.now(timezone.utc)
    assert parse_time("2024-05-04T08:00:00+02:00") == datetime(2024, 5, 4, 6, tzinfo=timezone.utc)
