"""Who a typed contact is: a roster name, a local part, or a JID.

One place for every command that takes a contact (/msg, /query, /whois,
/roster, /authorize, /deny, /invite, /blog read, /pgp) and for their Tab
completion, so what Tab offers is exactly what the command understands:

- text with ``@`` or ``/`` is a JID, checked with slixmpp's parser
  (RFC 7622) — ``a@b@c`` is refused before anything opens, is stored or
  is sent;
- otherwise, on the account the command runs for: a contact's JID written
  in full (a server or a component, ``example.org``), else a roster name
  (what the user chose, case-insensitive), else the local part of one
  JID among the account's contacts, requests and conversations;
- two contacts answering to the same word are named in the one-line error.

A contact's *handle* is the shortest of name, local part and JID that
comes back to it: that is what Tab inserts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from .. import xmpp as _xmpp  # noqa: F401  # slixmpp, imported the lean way (tui/xmpp/__init__.py)
from slixmpp.jid import JID, InvalidJID

from ..core.jids import local_part
from ..text import sanitize_line
from .registry import CommandError

if TYPE_CHECKING:
    from ..client import Client
    from ..core.windows import Window
    from .context import Context

AMBIGUOUS_SHOWN = 6  # candidates named in an ambiguity error; more are counted
SUGGESTED = 3  # "did you mean": contacts whose handle starts with what was typed


def parse_jid(text: str) -> str:
    """A JID the user typed, bare and normalised (RFC 7622, as slixmpp
    parses it); a CommandError naming what is wrong when it is not one."""
    typed = text.strip()
    try:
        jid = JID(typed)
    except InvalidJID as exc:
        raise CommandError(f"Invalid JID {sanitize_line(typed)}: {exc}") from None
    if not jid.bare:
        raise CommandError(f"Invalid JID {sanitize_line(typed)}: no domain")
    return jid.bare


def written_as_jid(text: str) -> bool:
    """``@`` or ``/``: the user meant a JID (never a name)."""
    return "@" in text or "/" in text


@dataclass(frozen=True)
class Known:
    jid: str  # bare, lower-case
    name: str = ""  # the roster's name, sanitised ("" when none)


class ContactBook:
    """One account's contacts as the user names them, indexed (a dict
    lookup per word, never a scan, whatever the roster's size)."""

    def __init__(self, known: Iterable[Known]) -> None:
        self._names: dict[str, str] = {}  # jid -> roster name ("" when none)
        for entry in known:
            jid = entry.jid.lower()
            if jid and "/" not in jid:  # a room occupant's conversation is reached by nick in its room
                self._names[jid] = self._names.get(jid) or entry.name
        self._by_jid = {jid.casefold(): jid for jid in self._names}
        self._by_name: dict[str, list[str]] = {}
        self._by_local: dict[str, list[str]] = {}
        for jid, name in self._names.items():
            if name:
                self._by_name.setdefault(name.casefold(), []).append(jid)
            if "@" in jid:
                self._by_local.setdefault(local_part(jid).casefold(), []).append(jid)

    def __len__(self) -> int:
        return len(self._names)

    def name_of(self, jid: str) -> str:
        return self._names.get(jid.lower(), "")

    def _matches(self, word: str) -> list[str]:
        """The JIDs ``word`` (not a JID) designates, most specific rule first."""
        folded = word.casefold()
        exact = self._by_jid.get(folded)
        if exact is not None:
            return [exact]
        return self._by_name.get(folded) or self._by_local.get(folded) or []

    def resolve(self, text: str) -> str:
        """The bare JID ``text`` designates; a one-line CommandError when it
        is no valid JID, nobody's name, or several contacts' name."""
        word = text.strip()
        if not word:
            raise CommandError("No contact given (a name from your roster, or a JID: name@server)")
        if written_as_jid(word):
            return parse_jid(word)
        found = self._matches(word)
        if len(found) == 1:
            return found[0]
        shown = sanitize_line(word)
        if found:
            listed = [self._described(jid) for jid in sorted(found)]
            more = len(listed) - AMBIGUOUS_SHOWN
            text = ", ".join(listed[:AMBIGUOUS_SHOWN]) + (f" and {more} more" if more > 0 else "")
            raise CommandError(f"{shown} is ambiguous: {text} — say which with its JID")
        nearby = self.words(word)[:SUGGESTED]
        hint = f"; did you mean {' or '.join(nearby)}?" if nearby else " (a JID is name@server)"
        raise CommandError(f"No contact called {shown}: not a roster name nor a JID{hint}")

    def _described(self, jid: str) -> str:
        name = self._names.get(jid, "")
        return f"{name} ({jid})" if name else jid

    def handle(self, jid: str) -> str:
        """What to type for ``jid``: its roster name when that designates it
        alone, else its local part when that does, else the JID itself."""
        jid = jid.lower()
        name = self._names.get(jid, "")
        for word in (name, local_part(jid) if "@" in jid else ""):
            if word and not written_as_jid(word) and self._matches(word) == [jid]:
                return word
        return jid

    def words(self, prefix: str) -> list[str]:
        """Tab's candidates for ``prefix``: each contact's handle when it
        starts so, else its JID when that does, else its handle when its
        roster name does (a name two contacts share: Tab offers each by
        what designates it alone)."""
        folded = prefix.strip().casefold()
        found = []
        for jid, name in self._names.items():
            word = self.handle(jid)
            if word.casefold().startswith(folded):
                found.append(word)
            elif jid.startswith(folded):
                found.append(jid)
            elif name.casefold().startswith(folded):
                found.append(word)
        return sorted(found, key=str.casefold)


def book_of(account, windows) -> ContactBook:
    """``account``'s contacts: its roster (names), the subscription requests
    from outside it, and the peers of its open conversations."""
    roster = account.roster.model
    known = [Known(contact.jid, contact.name) for contact in roster]
    known += [Known(contact.jid) for contact in roster.outside_requests()]
    known += [Known(window.peer_jid) for window in windows
              if window.peer_jid and window.account == account.jid]
    return ContactBook(known)


def contact_argument(ctx: "Context", text: str) -> str:
    """A contact typed as a command's argument, as a bare JID (see the module)."""
    if written_as_jid(text.strip()):
        return parse_jid(text)  # no account needed to check a JID
    account = ctx.client.accounts.for_window(ctx.window)
    if account is None:
        raise CommandError("No account configured")
    return book_of(account, ctx.client.windows).resolve(text)


def contact_words(client: "Client", prefix: str, window: "Window", *, nicks: bool = False) -> list[str]:
    """What Tab offers for a contact argument in ``window``: the handles of
    the contacts of the window's account (the same book the commands read);
    with ``nicks``, in a room window, the room's nicks too (see recipient).
    Matched here (see ContactBook.words): the provider is ``chosen``."""
    account = client.accounts.for_window(window)
    if account is None:
        return []
    words = book_of(account, client.windows).words(prefix)
    room = client.room_of(window) if nicks else None
    folded = prefix.strip().casefold()
    occupants = [n for n in room.completion_nicks() if n.casefold().startswith(folded)] if room is not None else []
    return occupants + words


def _occupant(ctx: "Context", word: str) -> str | None:
    """``room@service/nick`` typed in full, for a room we are in or have
    bookmarked: that occupant's private conversation (as Poezio takes it),
    not a conversation with the room's bare JID."""
    if "/" not in word or "@" not in word.partition("/")[0]:
        return None
    try:
        bare = parse_jid(word)
    except CommandError:  # not a JID (perhaps a nick holding "@" and "/"): the others decide
        return None
    nick = word.partition("/")[2]
    account = ctx.client.accounts.for_window(ctx.window)
    if account is None or not nick or not account.chat.is_room(bare):
        return None
    return f"{bare}/{nick}"


def recipient(ctx: "Context", text: str) -> str:
    """Whom /msg and /query mean: in a room window, a nick of the room
    first (its private conversation, ``room@service/nick``, as in Irssi),
    else a contact."""
    word = text.strip()
    occupant = _occupant(ctx, word)
    if occupant is not None:
        return occupant
    room_jid = ctx.window.room_jid
    if room_jid is None:
        return contact_argument(ctx, word)
    room = ctx.client.room_of(ctx.window)
    if room is not None and room.get(word) is not None:  # a nick may hold "@" or "/"
        return f"{room_jid}/{word}"
    if room is None and not written_as_jid(word):  # not in it: the nick cannot be checked
        return f"{room_jid}/{word}"
    try:
        return contact_argument(ctx, word)
    except CommandError as exc:
        raise CommandError(f"No one called {sanitize_line(word)} in {room_jid}; {exc}") from None
