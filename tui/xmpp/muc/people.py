"""People around rooms: invitations (mediated and XEP-0249 direct) and /whois."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Mapping

import slixmpp

from ...core.jids import local_part
from ...core.model import Line, LineKind
from ...core.room import Room
from ...core.windows import Activity, WindowList
from ...text import sanitize_line
from ..account.session import AccountSession
from .disco import is_conference
from .errors import MucError
from .fields import Invitation, direct_invitation, mediated_invitation

log = logging.getLogger(__name__)


class RoomPeople:
    """``rooms``: the room service's rooms by JID (read here); ``join``:
    how an accepted invitation joins; ``is_room``: whether a bare JID is a
    room (the only sender a mediated invitation may come from)."""

    def __init__(self, session: AccountSession, rooms: Mapping[str, Room], windows: WindowList, *,
                 join: Callable[..., Awaitable[Room]], is_room: Callable[[str], bool]) -> None:
        self.session = session
        self.rooms = rooms
        self.windows = windows
        self._join = join
        self._is_room = is_room
        self.pending: list[Invitation] = []  # invitations not accepted yet, oldest first

    async def whois(self, room_jid: str, nick: str) -> list[str]:
        room = self.rooms.get(room_jid)
        occupant = room.get(nick) if room else None
        if occupant is None:
            raise MucError(f"No one called {nick} in {room_jid}")
        lines = [f"{occupant.nick}: {occupant.role}, affiliation {occupant.affiliation}"
                 + (f", {occupant.show}" if occupant.show != "available" else "")
                 + (f" ({occupant.status})" if occupant.status else ""),
                 f"  real JID: {occupant.jid or 'hidden by the room'}"]
        try:
            iq = await self.session.online_client(MucError).plugin["xep_0092"].get_version(
                slixmpp.JID(f"{room_jid}/{nick}"), timeout=5)
            version = iq["software_version"]
            client = " ".join(sanitize_line(v) for v in (version["name"], version["version"]) if v)
            os_name = sanitize_line(version["os"] or "")
            lines.append(f"  client: {client or 'unknown'}" + (f" on {os_name}" if os_name else ""))
        except Exception as exc:
            lines.append(f"  client: unknown ({type(exc).__name__})")
        return lines

    def on_mediated_invite(self, msg: slixmpp.Message) -> None:
        """A mediated invitation comes from the room itself: a bare JID that
        is a room we know, or that says so when asked (disco#info:
        conference/text). Anyone else's is a forgery and is dropped."""
        invitation = mediated_invitation(msg)
        if invitation is None:
            return
        if msg["from"].resource:
            log.info("ignored an invitation from %s: not a room", msg["from"])
        elif self._is_room(invitation.room):
            self._invited(invitation)
        else:
            asyncio.ensure_future(self._invited_if_room(invitation))

    async def _invited_if_room(self, invitation: Invitation) -> None:
        xmpp = self.session.xmpp
        if xmpp is not None and await is_conference(xmpp, invitation.room):
            self._invited(invitation)
        else:
            log.info("ignored an invitation from %s: not a room", invitation.room)

    def on_direct_invite(self, msg: slixmpp.Message) -> None:
        if mediated_invitation(msg) is not None:
            return  # a room's copy for old clients (Prosody adds one): the mediated one counts
        self._invited(direct_invitation(msg))

    def _invited(self, invitation: Invitation | None) -> None:
        if invitation is None:
            return
        self.pending.append(invitation)
        reason = f" ({invitation.reason})" if invitation.reason else ""
        self.windows.add_line(self.windows.status, Line(
            f"{invitation.inviter} invites you to {invitation.room}{reason}: /accept to join",
            LineKind.EVENT), Activity.MESSAGES)

    async def accept(self, room_jid: str | None = None) -> Room:
        chosen = [i for i in self.pending if room_jid in (None, i.room, local_part(i.room))]
        if not chosen:
            raise MucError("No invitation to accept" + (f" for {room_jid}" if room_jid else ""))
        invitation = chosen[-1]
        self.pending.remove(invitation)
        return await self._join(invitation.room, password=invitation.password, focus=True)
