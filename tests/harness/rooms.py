"""Rooms (XEP-0045) on the test server: slixmpp peers opening, entering and
talking in them, and a headless Parlons client (the ``alice`` fixture of
tests/integration/conftest.py) joining one."""

from __future__ import annotations

import uuid

from slixmpp import JID

from tests.harness.client import HeadlessClient, run, status_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.wait import until
from tui.core.windows import WindowKind

CORRECTING = DEFAULT_PLUGINS + ("xep_0308", "xep_0359")


def say(peer, room: str, body: str, *, replace: str | None = None) -> str:
    """``peer`` says ``body`` in ``room`` (as a correction of ``replace``); the message's id."""
    msg = peer.xmpp.make_message(mto=room, mbody=body, mtype="groupchat")
    msg["id"] = peer.xmpp.new_id()
    if replace is not None:
        msg["replace"]["id"] = replace
    msg.send()
    return msg["id"]


def room_name(prosody, prefix: str = "bench") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}@{prosody.muc_domain}"


async def open_room(peer, room: str, nick: str, *, topic: str | None = None, password: str | None = None):
    """``peer`` joins (creating the room: it is then its owner) and unlocks it."""
    muc = peer.plugin["xep_0045"]
    presence, *_ = await muc.join_muc_wait(JID(room), nick, maxstanzas=0, timeout=10)
    if 201 in presence["muc"]["status_codes"]:
        form = await muc.get_room_config(room)
        form["type"] = "submit"
        # occupants may set the topic; the room is listed (/list)
        form.set_values({"muc#roomconfig_changesubject": "1", "muc#roomconfig_publicroom": "1"})
        if password is not None:
            form.set_values({"muc#roomconfig_passwordprotectedroom": "1",
                             "muc#roomconfig_roomsecret": password})
        await muc.set_room_config(room, form)
    if topic is not None:
        muc.set_subject(room, topic)


async def enter(peer, room: str, nick: str, password: str | None = None) -> None:
    await peer.plugin["xep_0045"].join_muc_wait(JID(room), nick, password=password, maxstanzas=0, timeout=10)


def nicks_seen_by(peer, room: str) -> set[str]:
    return set(peer.plugin["xep_0045"].rooms[None].get(JID(room), {}).keys())


async def joined(alice: HeadlessClient, room: str):
    await run(alice, f"/join {room}")
    window = alice.account.muc.find_window(room)
    assert window is not None and window.kind is WindowKind.ROOM
    model = alice.room_of(window)
    assert model is not None
    await until(lambda: model.joined, message=lambda: window_text(window) + status_text(alice))
    return window, model
