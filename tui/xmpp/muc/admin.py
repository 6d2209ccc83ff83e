"""Room moderation and configuration (XEP-0045 §8–§10): kick, ban, roles,
affiliations (``muc#admin`` items) and the owner's configuration form.

Stateless: a thin layer over slixmpp's xep_0045 that turns every refusal
into one line (``MucError``) and every form into the plain
``tui.core.forms`` model the form screen edits.
"""

from __future__ import annotations

from typing import Mapping

from slixmpp.exceptions import IqError, IqTimeout

from ...core.forms import DataForm
from ...core.jids import bare_jid, looks_like_jid
from ...core.room import AFFILIATIONS, ROLES, Room
from ...text import sanitize_line, xml_safe
from ..account.session import AccountSession
from ..forms import form_from_stanza, submission_stanza
from .errors import MucError

ADMIN_TIMEOUT = 10
# error conditions of an admin/owner request -> what they mean for the user
_REFUSED = ("forbidden", "not-allowed", "not-authorized")
_ADMIN_ERRORS = {
    "item-not-found": "no such occupant or room",
    "conflict": "that would leave the room without an owner",
    "bad-request": "the server rejected the request",
    "jid-malformed": "that is not a valid JID",
    "service-unavailable": "the room does not support this",
    "feature-not-implemented": "the room does not support this",
}


def _failure(action: str, exc: Exception) -> MucError:
    """One line for a refused or unanswered admin request."""
    if isinstance(exc, IqTimeout):
        return MucError(f"Cannot {action}: the room did not answer within {ADMIN_TIMEOUT} s")
    if isinstance(exc, IqError):
        condition = exc.iq["error"]["condition"] or "error"
        text = sanitize_line(exc.iq["error"]["text"] or "")
        detail = f": {text}" if text else ""
        if condition in _REFUSED:
            return MucError(f"You are not allowed to {action} in this room ({condition}{detail})")
        why = _ADMIN_ERRORS.get(condition, condition)
        return MucError(f"Cannot {action}: {why}" + (f" ({condition}{detail})" if why != condition else detail))
    if isinstance(exc, ValueError):  # slixmpp's own argument checks
        return MucError(f"Cannot {action}: {exc}")
    raise exc


class MucAdmin:
    """``rooms``: the room service's rooms by JID, read to resolve nicks."""

    def __init__(self, session: AccountSession, rooms: Mapping[str, Room]) -> None:
        self.session = session
        self.rooms = rooms

    def _plugin(self):
        return self.session.online_client(MucError).plugin["xep_0045"]

    def real_jid(self, room_jid: str, target: str) -> str:
        """``nick`` → the occupant's real bare JID (when the room shows it);
        a JID is taken as it is. Raises MucError when a nick cannot be resolved."""
        room = self.rooms.get(room_jid)
        occupant = room.get(target) if room is not None else None
        if occupant is not None:
            if not occupant.jid:
                raise MucError(f"Cannot resolve {target} to a JID: the room hides real JIDs "
                               f"(use their JID instead)")
            return bare_jid(occupant.jid)
        if looks_like_jid(target):
            return bare_jid(target)
        raise MucError(f"No one called {target} in {room_jid} (give a JID)")

    async def _request(self, action: str, coroutine):
        try:
            return await coroutine
        except (IqError, IqTimeout, ValueError) as exc:
            raise _failure(action, exc) from None

    async def set_role(self, room_jid: str, nick: str, role: str, reason: str = "",
                       *, action: str | None = None) -> None:
        if role not in ROLES:
            raise MucError(f"Not a role: {role} ({', '.join(ROLES)})")
        room = self.rooms.get(room_jid)
        if room is not None and room.get(nick) is None:
            raise MucError(f"No one called {nick} in {room_jid}")
        await self._request(action or "change roles", self._plugin().set_role(
            room_jid, nick, role, reason=xml_safe(reason), timeout=ADMIN_TIMEOUT))

    async def kick(self, room_jid: str, nick: str, reason: str = "") -> None:
        await self.set_role(room_jid, nick, "none", reason, action="kick")

    async def set_affiliation(self, room_jid: str, target: str, affiliation: str, reason: str = "",
                              *, action: str | None = None) -> str:
        """Returns the JID whose affiliation changed."""
        if affiliation not in AFFILIATIONS:
            raise MucError(f"Not an affiliation: {affiliation} ({', '.join(AFFILIATIONS)})")
        jid = self.real_jid(room_jid, target)
        await self._request(action or "change affiliations", self._plugin().set_affiliation(
            room_jid, affiliation, jid=jid, reason=xml_safe(reason), timeout=ADMIN_TIMEOUT))
        return jid

    async def ban(self, room_jid: str, target: str, reason: str = "") -> str:
        return await self.set_affiliation(room_jid, target, "outcast", reason, action="ban")

    async def affiliation_list(self, room_jid: str, affiliation: str) -> list[str]:
        found = await self._request("list affiliations", self._plugin().get_affiliation_list(
            room_jid, affiliation, timeout=ADMIN_TIMEOUT))
        return sorted(sanitize_line(str(jid)) for jid in found)

    # -- configuration (owner) ---------------------------------------------------------
    async def config_form(self, room_jid: str) -> DataForm:
        form = await self._request("configure the room", self._plugin().get_room_config(
            room_jid, timeout=ADMIN_TIMEOUT))
        return form_from_stanza(form)

    async def submit_config(self, room_jid: str, filled: DataForm) -> None:
        await self._request("configure the room", self._plugin().set_room_config(
            room_jid, submission_stanza(filled), timeout=ADMIN_TIMEOUT))

    async def cancel_config(self, room_jid: str) -> None:
        """Tell the room we are not configuring after all (XEP-0045 §10.1.2)."""
        try:
            await self._plugin().cancel_config(room_jid, timeout=ADMIN_TIMEOUT)
        except (IqError, IqTimeout):
            pass  # nothing depends on it: the form was only read
