"""Finding rooms: the server's MUC service, a service's rooms, and the
instant-room configuration a new room needs before others can enter."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

from ...text import sanitize_line
from .errors import MucError

log = logging.getLogger(__name__)

DISCO_TIMEOUT = 10
MAX_LISTED = 200  # /list asks this many rooms for their occupant count
PARALLEL_INFO = 16  # disco#info requests in flight at once
DATA_FORMS = "jabber:x:data"


@dataclass(slots=True)
class RoomListing:
    jid: str
    name: str
    occupants: int | None  # None: the room does not say


def _is_text_conference(info_iq) -> bool:
    return any(cat == "conference" and typ == "text"
               for cat, typ, *_ in info_iq["disco_info"]["identities"])


async def is_conference(xmpp: slixmpp.ClientXMPP, jid: str) -> bool:
    """Does ``jid`` say (disco#info) it is a text conference, i.e. a room?"""
    try:
        info = await xmpp.plugin["xep_0030"].get_info(jid=slixmpp.JID(jid), timeout=DISCO_TIMEOUT)
    except (IqError, IqTimeout) as exc:
        log.info("disco#info on %s failed: %s", jid, exc)
        return False
    return _is_text_conference(info)


async def discover_service(xmpp: slixmpp.ClientXMPP, domain: str) -> str | None:
    """The first item of ``domain`` whose identity is conference/text."""
    disco = xmpp.plugin["xep_0030"]
    try:
        items = await disco.get_items(jid=slixmpp.JID(domain), timeout=DISCO_TIMEOUT)
    except (IqError, IqTimeout) as exc:
        log.info("disco#items on %s failed: %s", domain, exc)
        return None
    for jid, _node, _name in items["disco_items"]["items"]:
        try:
            info = await disco.get_info(jid=slixmpp.JID(jid), timeout=DISCO_TIMEOUT)
        except (IqError, IqTimeout):
            continue
        if _is_text_conference(info):
            return str(jid).lower()
    return None


def _occupants(info_iq) -> int | None:
    """muc#roominfo_occupants from the extended disco#info form (XEP-0128)."""
    for form in info_iq.xml.iter(f"{{{DATA_FORMS}}}x"):
        for item in form.findall(f"{{{DATA_FORMS}}}field"):
            if item.get("var") == "muc#roominfo_occupants":
                value = item.find(f"{{{DATA_FORMS}}}value")
                if value is not None and (value.text or "").strip().isdigit():
                    return int(value.text.strip())
    return None


async def list_rooms(xmpp: slixmpp.ClientXMPP, service: str) -> list[RoomListing]:
    """The public rooms of ``service`` with their occupant counts when known.
    Raises MucError (one line) when the service itself refuses or does not
    answer (a room that does not answer just has no count)."""
    disco = xmpp.plugin["xep_0030"]
    try:
        items = await disco.get_items(jid=slixmpp.JID(service), timeout=DISCO_TIMEOUT)
    except IqTimeout:
        raise MucError(f"Cannot list rooms: {service} did not answer within {DISCO_TIMEOUT} s") from None
    except IqError as exc:
        condition = exc.iq["error"]["condition"] or "error"
        text = sanitize_line(exc.iq["error"]["text"] or "")
        raise MucError(f"Cannot list rooms: {service} refused ({condition})"
                       + (f": {text}" if text else "")) from None
    listed = [(str(jid).lower(), sanitize_line(name or "")) for jid, _node, name
              in items["disco_items"]["items"]][:MAX_LISTED]
    gate = asyncio.Semaphore(PARALLEL_INFO)

    async def count(jid: str) -> int | None:
        async with gate:
            try:
                return _occupants(await disco.get_info(jid=slixmpp.JID(jid), timeout=DISCO_TIMEOUT))
            except (IqError, IqTimeout):
                return None

    counts = await asyncio.gather(*(count(jid) for jid, _ in listed))
    return [RoomListing(jid, name, n) for (jid, name), n in zip(listed, counts)]


async def accept_default_configuration(xmpp: slixmpp.ClientXMPP, room: str) -> None:
    """A room we just created (status 201) stays locked until configured:
    an empty submitted form accepts the defaults (an "instant room")."""
    iq = xmpp.make_iq_set(ito=room)
    query = iq.xml.makeelement("{http://jabber.org/protocol/muc#owner}query", {})
    query.append(query.makeelement(f"{{{DATA_FORMS}}}x", {"type": "submit"}))
    iq.xml.append(query)
    await iq.send(timeout=DISCO_TIMEOUT)
