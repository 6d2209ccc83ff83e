"""Presence in words, and when presence noise is hidden. Pure: no I/O.

Shared by our own presence (the status bar), a contact's (a chat window's
header and its ``-!-`` lines) and rooms (whether join/part lines show).
"""

from __future__ import annotations

from dataclasses import dataclass

# The words for a <show/>; "available" is a presence without one.
SHOW_LABELS = {"available": "online", "online": "online", "chat": "free for chat", "away": "away",
               "xa": "extended away", "dnd": "do not disturb", "offline": "offline"}
_AWAY = frozenset({"away", "xa", "dnd"})


def describe(show: str, status: str = "") -> str:
    """"away: gone fishing", "online", "offline" (the status text sanitised by the caller)."""
    label = SHOW_LABELS.get(show, show)
    return f"{label}: {status}" if status else label


def joins_hidden(people: int, hide_joins_above: int) -> bool:
    """Are join/part-style lines hidden where ``people`` others are present
    (``hide_joins_above``, the [ui] setting: a room's occupants; a chat's
    one contact, so 0 hides a contact's presence lines too)."""
    return people > hide_joins_above


@dataclass(frozen=True, slots=True)
class Seen:
    """A contact's presence as last said: its best resource's show and status."""

    show: str  # "offline" or one of tui.core.roster.SHOWS
    status: str = ""


OFFLINE = Seen("offline")


def change_line(name: str, before: Seen, after: Seen) -> str | None:
    """The ``-!-`` line for a contact whose presence went from ``before`` to
    ``after`` ("Bob is now away (gone fishing)", "Bob is back"); None when
    nothing a reader would notice changed."""
    if before == after:
        return None
    why = f" ({after.status})" if after.status else ""
    if after.show == "offline":
        return None if before.show == "offline" else f"{name} is offline{why}"
    if after.show in ("available", "chat") and before.show in _AWAY:
        chat = f", {SHOW_LABELS['chat']}" if after.show == "chat" else ""
        return f"{name} is back{chat}{why}"
    if after.show == "available":
        return f"{name} is online{why}"
    return f"{name} is now {SHOW_LABELS.get(after.show, after.show)}{why}"
