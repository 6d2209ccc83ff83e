"""What we typed that the server has not acknowledged yet (XEP-0198).

A 1:1 message is "pending" from the moment it is typed (here and in the
store) until the server acknowledges the stanza that carried it; only then
is it "sent" (a receipt later makes it "delivered"). Whatever is pending
when a stream is ready (a fresh session, a resumed one, Parlons started
again on the same history) leaves once, in the order typed, with the same
id and origin-id, so a copy that did arrive after all is recognised: by
the peer, and by our store when the archive hands it back.

slixmpp keeps its own copies of the stanzas the server has not
acknowledged and resends them when a stream resumes; it drops them when
resumption fails (sm_failed, session_end) and when a fresh stream enables
stream management. Hence "in flight": an entry handed to a stream. A
resumed stream keeps in flight only what slixmpp still holds; everything
else is ours to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(eq=False, slots=True)
class Outgoing:
    peer: str
    body: str
    msg_id: str  # the stanza id and origin-id, the same every time it is sent
    action: bool = False
    in_flight: bool = False
    # handed to a stream before (or by an earlier run): the server may have
    # it, and our archive says so
    handed: bool = False


class Outbox:
    def __init__(self) -> None:
        self._entries: dict[str, Outgoing] = {}  # by msg_id, in the order typed

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, msg_id: object) -> bool:
        return msg_id in self._entries

    def add(self, entry: Outgoing) -> None:
        self._entries.setdefault(entry.msg_id, entry)

    def load(self, older: Iterable[Outgoing]) -> None:
        """Entries from an earlier run (the store's), typed before ours: first."""
        entries = {entry.msg_id: entry for entry in older if entry.msg_id not in self._entries}
        entries.update(self._entries)
        self._entries = entries

    def done(self, msg_id: str | None) -> Outgoing | None:
        """The server has it (acknowledged, archived, answered): no longer ours to send."""
        return self._entries.pop(msg_id, None) if msg_id else None

    def to_send(self) -> list[Outgoing]:
        return [entry for entry in self._entries.values() if not entry.in_flight]

    def may_be_on_server(self) -> bool:
        """Some of what waits to be sent was handed to a stream before: a
        reading of the archive may show the server has it."""
        return any(entry.handed for entry in self.to_send())

    def new_stream(self, still_queued: Iterable[str] = ()) -> int:
        """A stream is ready: only what slixmpp still holds (and resent, if
        it resumed) stays in flight; how many that is."""
        queued = set(still_queued)
        kept = 0
        for entry in self._entries.values():
            entry.in_flight = entry.in_flight and entry.msg_id in queued
            kept += entry.in_flight
        return kept
