"""A date-time from the network becomes a time here, and only here.

Stamps (XEP-0082 date-times in ``<delay/>``, archive results, Atom
``<published/>``/``<updated/>``) are written by whoever sent the stanza,
so any string may arrive. What comes out is an aware UTC datetime within
[EARLIEST, now]: every time zone can show it in local time (year 1 in
UTC is year 0 west of Greenwich, and datetime cannot hold that), the store
can key it, and it sorts with everything else. Before 1970 nothing was sent
over XMPP; after now, a clock is wrong or a sender lies, and a stamp "from
the future" would otherwise stay the newest line forever.
"""

from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from ..core.model import now as utc_now

EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
NS_DELAY = "urn:xmpp:delay"
# The longest XEP-0082 date-time is 35 characters (nanoseconds and an
# offset); anything much longer is not one, and is not worth parsing.
MAX_STAMP_LENGTH = 64


def clamp_time(when: datetime, now: datetime | None = None) -> datetime:
    """``when`` (aware; naive means UTC) into [EARLIEST, now], in UTC.

    Comparing aware datetimes never overflows; converting one near year 1
    or 9999 to UTC may, so the bounds are checked first."""
    if when.tzinfo is None or when.utcoffset() is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or utc_now()
    if when <= EARLIEST:
        return EARLIEST
    if when >= now:
        return now
    return when.astimezone(timezone.utc)


def parse_stamp(text: str | None, now: datetime | None = None) -> datetime | None:
    """An XEP-0082 date-time (``Z`` or an offset, any fraction; no zone
    means UTC) as an aware UTC datetime within [EARLIEST, now], or None
    when ``text`` is not a date-time."""
    when = read_stamp(text)
    return clamp_time(when, now) if when is not None else None


def read_stamp(text: str | None) -> datetime | None:
    """An XEP-0082 date-time as it was written (aware, in its own offset; no
    zone means UTC), not clamped: for checks of plausibility (OX's signed
    time) — compare it, do not convert it (near year 1 or 9999 that
    overflows); None when ``text`` is not a date-time."""
    text = (text or "").strip()
    if not text or len(text) > MAX_STAMP_LENGTH:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.utcoffset() is not None else when.replace(tzinfo=timezone.utc)


def delay_stamp(element: ET.Element, now: datetime | None = None) -> datetime | None:
    """The time of the first XEP-0203 ``<delay/>`` child of ``element`` (a
    message, or an archive result's ``<forwarded/>``) whose stamp is a
    date-time, clamped; None without one. (Offline storage and room history
    add the server's ``<delay/>`` after any the sender wrote: a garbled
    first one does not hide it.)"""
    for delay in element.iterfind(f"{{{NS_DELAY}}}delay"):
        when = parse_stamp(delay.get("stamp"), now)
        if when is not None:
            return when
    return None
