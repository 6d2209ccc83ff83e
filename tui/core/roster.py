"""The roster model: contacts, their presences, subscription states.

Plain data, no slixmpp, no Textual.  Contacts are indexed by bare JID (one
dict lookup per stanza, never a scan); every text that came from the network
(names, groups, status texts) is sanitised here, on the way in.

Views do not get one notification per change: every change bumps
:attr:`Roster.version`, the service emits one ``RosterChanged`` per turn of
the event loop, and a view rebuilds its rows only when the version moved
(see :func:`visible_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..text import sanitize_line
from .jids import local_part

# Availability, most available first: a contact's best resource is the one
# with the highest priority, then the most available show.
SHOWS = ("chat", "available", "away", "xa", "dnd")
_SHOW_RANK = {show: rank for rank, show in enumerate(SHOWS)}
OFFLINE_RANK = len(SHOWS)

SUBSCRIPTIONS = ("none", "to", "from", "both")

NO_GROUP = "Contacts"  # heading of contacts that are in no group
REQUESTS_GROUP = "Subscription requests"  # incoming requests from JIDs not in the roster


@dataclass(slots=True)
class PresenceInfo:
    """One resource's presence."""

    show: str = "available"  # one of SHOWS
    status: str = ""
    priority: int = 0

    def __post_init__(self) -> None:
        if self.show not in _SHOW_RANK:
            self.show = "available"  # an unknown <show/> counts as plain online (RFC 6121 4.7.2.1)
        self.status = sanitize_line(self.status)

    @property
    def rank(self) -> int:
        return _SHOW_RANK[self.show]


@dataclass(eq=False, slots=True)
class Contact:
    jid: str  # bare, lower-case
    name: str = ""
    groups: tuple[str, ...] = ()
    subscription: str = "none"  # none | to | from | both
    pending_out: bool = False  # we asked to see their presence, no answer yet
    pending_in: bool = False  # they asked to see ours, we have not answered
    resources: dict[str, PresenceInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = sanitize_line(self.name).strip()
        self.groups = _clean_groups(self.groups)
        if self.subscription not in SUBSCRIPTIONS:
            self.subscription = "none"

    @property
    def display_name(self) -> str:
        return self.name or local_part(self.jid)

    @property
    def best(self) -> PresenceInfo | None:
        """The presence that speaks for the contact: highest priority, then
        most available; None when offline."""
        if not self.resources:
            return None
        return min(self.resources.values(), key=lambda p: (-p.priority, p.rank))

    @property
    def online(self) -> bool:
        return bool(self.resources)

    @property
    def show(self) -> str:
        """``offline`` or the best resource's show."""
        best = self.best
        return best.show if best is not None else "offline"

    @property
    def subscription_marker(self) -> str:
        """What the roster shows next to the name when the subscription is
        not mutual: ``[pending]`` (we asked), ``[to]``, ``[from]``, ``[none]``;
        ``[asks]`` when they asked us."""
        marks = []
        if self.pending_in:
            marks.append("[asks]")
        if self.pending_out and self.subscription in ("none", "from"):
            marks.append("[pending]")
        elif self.subscription != "both":
            marks.append(f"[{self.subscription}]")
        return " ".join(marks)


def _clean_groups(groups) -> tuple[str, ...]:
    cleaned = []
    for group in groups or ():
        name = sanitize_line(group).strip()
        if name and name not in cleaned:
            cleaned.append(name)
    return tuple(cleaned)


class Roster:
    """One account's contacts and pending incoming subscription requests."""

    def __init__(self, account: str) -> None:
        self.account = account
        self._contacts: dict[str, Contact] = {}
        # Requests from JIDs that are not (yet) in the roster: jid -> Contact
        # with pending_in set, so views can show them like contacts.
        self._requests: dict[str, Contact] = {}
        self.version = 0  # bumped on every change

    # -- queries -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._contacts)

    def __iter__(self) -> Iterator[Contact]:
        return iter(self._contacts.values())

    def __contains__(self, jid: object) -> bool:
        return isinstance(jid, str) and jid.lower() in self._contacts

    def get(self, jid: str) -> Contact | None:
        return self._contacts.get(jid.lower())

    def jids(self) -> list[str]:
        return list(self._contacts)

    @property
    def requests(self) -> list[Contact]:
        """Pending incoming requests, in and out of the roster, oldest first."""
        inside = [c for c in self._contacts.values() if c.pending_in]
        return list(self._requests.values()) + inside

    def outside_requests(self) -> list[Contact]:
        return list(self._requests.values())

    def groups(self) -> dict[str, list[Contact]]:
        """Group name -> contacts (a contact in several groups is in each);
        contacts in no group are under :data:`NO_GROUP`."""
        grouped: dict[str, list[Contact]] = {}
        for contact in self._contacts.values():
            for group in contact.groups or (NO_GROUP,):
                grouped.setdefault(group, []).append(contact)
        return grouped

    # -- roster items ----------------------------------------------------------
    def _touch(self) -> None:
        self.version += 1

    def set_item(self, jid: str, *, name: str = "", groups=(), subscription: str = "none",
                 pending_out: bool = False) -> Contact | None:
        """Add or update an item (a roster push or result); ``subscription
        == "remove"`` removes it.  Presences already known are kept."""
        jid = jid.lower()
        if subscription == "remove":
            self.remove(jid)
            return None
        contact = self._contacts.get(jid)
        fresh = Contact(jid, name, tuple(groups), subscription, pending_out)
        if contact is None:
            request = self._requests.pop(jid, None)
            fresh.pending_in = request is not None and fresh.subscription not in ("from", "both")
            if request is not None:
                fresh.resources = request.resources
            self._contacts[jid] = contact = fresh
        else:
            contact.name, contact.groups = fresh.name, fresh.groups
            contact.subscription, contact.pending_out = fresh.subscription, pending_out
            if contact.subscription in ("from", "both"):
                contact.pending_in = False  # we granted it (maybe from another client)
        self._touch()
        return contact

    def remove(self, jid: str) -> bool:
        jid = jid.lower()
        found = self._contacts.pop(jid, None) is not None
        found = self._requests.pop(jid, None) is not None or found
        if found:
            self._touch()
        return found

    def replace_all(self, items: dict[str, dict]) -> None:
        """A full roster (login without roster versioning): items missing from
        it are gone."""
        kept = {jid.lower() for jid in items}
        for jid in [j for j in self._contacts if j not in kept]:
            del self._contacts[jid]
        for jid, item in items.items():
            self.set_item(jid, **item)
        self._touch()

    # -- presence ----------------------------------------------------------------
    def set_presence(self, jid: str, resource: str, show: str = "available", status: str = "",
                     priority: int = 0) -> bool:
        """A resource is available.  Returns False (and stores nothing) when the
        JID is neither a contact nor asking to be one (MUC occupants, strangers)."""
        contact = self._contacts.get(jid.lower()) or self._requests.get(jid.lower())
        if contact is None:
            return False
        contact.resources[resource] = PresenceInfo(show, status or "", priority)
        self._touch()
        return True

    def set_unavailable(self, jid: str, resource: str | None = None) -> bool:
        """A resource (or, with None, every resource) went offline."""
        contact = self._contacts.get(jid.lower()) or self._requests.get(jid.lower())
        if contact is None or not contact.resources:
            return False
        if resource is None:
            contact.resources.clear()
        elif contact.resources.pop(resource, None) is None:
            return False
        self._touch()
        return True

    def clear_presences(self) -> None:
        """Everyone offline (a fresh session: the server sends presences again)."""
        for contact in self._contacts.values():
            contact.resources.clear()
        self._touch()

    # -- subscription requests ---------------------------------------------------
    def add_request(self, jid: str) -> Contact:
        """They ask to see our presence."""
        jid = jid.lower()
        contact = self._contacts.get(jid)
        if contact is None:
            contact = self._requests.setdefault(jid, Contact(jid))
        contact.pending_in = True
        self._touch()
        return contact

    def drop_request(self, jid: str) -> bool:
        """The request was answered (authorised or denied)."""
        jid = jid.lower()
        contact = self._contacts.get(jid)
        answered = self._requests.pop(jid, None) is not None
        if contact is not None and contact.pending_in:
            contact.pending_in = False
            answered = True
        if answered:
            self._touch()
        return answered


# -- rows for a view -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GroupRow:
    name: str
    online: int
    total: int
    collapsed: bool

    @property
    def key(self) -> str:
        return "g:" + self.name


@dataclass(frozen=True, slots=True)
class ContactRow:
    contact: Contact
    group: str

    @property
    def key(self) -> str:
        return f"c:{self.group}:{self.contact.jid}"


Row = GroupRow | ContactRow


def _contact_order(contact: Contact) -> tuple:
    best = contact.best
    rank = best.rank if best is not None else OFFLINE_RANK
    # online before offline; within each, by name (not by show: names stay put
    # when someone goes away, which is easier to scan)
    return (rank == OFFLINE_RANK, contact.display_name.casefold(), contact.jid)


def matches(contact: Contact, needle: str) -> bool:
    """Filter-as-you-type: a case-insensitive substring of the name or JID."""
    return needle in contact.display_name.casefold() or needle in contact.jid


def visible_rows(roster: Roster, collapsed: set[str] | frozenset[str] = frozenset(),
                 filter_text: str = "") -> list[Row]:
    """The flat list of rows a roster view shows: requests first, then groups
    alphabetically with :data:`NO_GROUP` last; online contacts before offline
    ones.  With a filter, only matching contacts show and collapsed groups
    open (what you typed for should be visible); empty groups are hidden."""
    needle = filter_text.casefold().strip()
    rows: list[Row] = []
    sections: list[tuple[str, list[Contact]]] = []
    if roster.outside_requests():
        sections.append((REQUESTS_GROUP, roster.outside_requests()))
    grouped = roster.groups()
    names = sorted((g for g in grouped if g != NO_GROUP), key=str.casefold)
    if NO_GROUP in grouped:
        names.append(NO_GROUP)
    sections += [(name, grouped[name]) for name in names]
    for name, contacts in sections:
        if needle:
            contacts = [c for c in contacts if matches(c, needle)]
            if not contacts:
                continue
        is_collapsed = name in collapsed and not needle
        online = sum(1 for c in contacts if c.resources)
        rows.append(GroupRow(name, online, len(contacts), is_collapsed))
        if not is_collapsed:
            rows.extend(ContactRow(c, name) for c in sorted(contacts, key=_contact_order))
    return rows
