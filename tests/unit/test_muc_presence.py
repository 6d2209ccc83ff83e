"""MUC presences and messages (built by slixmpp itself) → facts → room model and event lines."""

from __future__ import annotations

from slixmpp import Message, Presence

from tui.core.room import Room
from tui.xmpp.muc.fields import OccupantPresence, direct_invitation, mediated_invitation, room_message
from tui.xmpp.muc.fields import occupant_presence as parse_occupant_presence
from tui.xmpp.muc.presence import apply_presence

ROOM = "bench@conference.localhost"
MUC_USER = "http://jabber.org/protocol/muc#user"


def presence(nick: str, *, ptype: str = "", role="participant", affiliation="none", jid="",
             codes=(), new_nick="", actor="", reason="", status="") -> Presence:
    item = f'<item role="{role}" affiliation="{affiliation}"' + (f' jid="{jid}"' if jid else "") + \
        (f' nick="{new_nick}"' if new_nick else "") + ">" + \
        (f'<actor nick="{actor}"/>' if actor else "") + (f"<reason>{reason}</reason>" if reason else "") + "</item>"
    statuses = "".join(f'<status code="{c}"/>' for c in codes)
    typ = f' type="{ptype}"' if ptype else ""
    text = f"<status>{status}</status>" if status else ""
    from slixmpp.xmlstream import ET
    xml = ET.fromstring(f'<presence xmlns="jabber:client" from="{ROOM}/{nick}" to="a@localhost/x"{typ}>{text}'
                        f'<x xmlns="{MUC_USER}">{item}{statuses}</x></presence>')
    return Presence(xml=xml)


def occupant_presence(stanza: Presence) -> OccupantPresence:
    """The facts of a presence built above: a MUC one, never None."""
    facts = parse_occupant_presence(stanza)
    assert facts is not None
    return facts


def joined_room() -> Room:
    room = Room(ROOM, nick="alice", joined=True)
    for nick in ("alice", "bob", "carol"):
        apply_presence(room, occupant_presence(presence(nick)), announce=False)
    return room


def test_initial_occupants_fill_the_list_silently() -> None:
    room = Room(ROOM)
    outcome = apply_presence(room, occupant_presence(presence("bob", role="moderator", jid="bob@localhost/x")),
                             announce=False)
    assert outcome.line is None and outcome.changed
    assert room.get("bob").role == "moderator" and room.get("bob").jid == "bob@localhost/x"


def test_join_part_nick_change_kick_ban_and_role_lines() -> None:
    room = joined_room()
    joined = apply_presence(room, occupant_presence(presence("dave", jid="dave@localhost/r")), announce=True)
    assert joined.line == "dave [dave@localhost/r] has joined" and joined.quiet
    left = apply_presence(room, occupant_presence(presence("dave", ptype="unavailable", status="bye")), announce=True)
    assert left.line == "dave has left (bye)" and left.quiet and "dave" not in room.occupants
    renamed = apply_presence(room, occupant_presence(
        presence("bob", ptype="unavailable", codes=(303,), new_nick="robert")), announce=True)
    assert renamed.line == "bob is now known as robert" and not renamed.quiet
    assert "robert" in room.occupants and "bob" not in room.occupants
    kicked = apply_presence(room, occupant_presence(
        presence("carol", ptype="unavailable", codes=(307,), actor="robert", reason="too loud")), announce=True)
    assert kicked.line == "carol was kicked by robert (too loud)" and not kicked.quiet
    promoted = apply_presence(room, occupant_presence(presence("robert", role="moderator", affiliation="admin")),
                              announce=True)
    assert promoted.line == "robert is now a moderator; robert is now an admin"


def test_our_own_nick_change_and_being_banned() -> None:
    room = joined_room()
    mine = apply_presence(room, occupant_presence(
        presence("alice", ptype="unavailable", codes=(303, 110), new_nick="alicia")), announce=True)
    assert mine.line == "You are now known as alicia" and room.nick == "alicia"
    banned = apply_presence(room, occupant_presence(
        presence("alicia", ptype="unavailable", codes=(301, 110), actor="bob")), announce=True)
    assert banned.we_left and banned.line == f"You were banned from {ROOM} by bob"


def test_room_message_facts() -> None:
    msg = Message()
    msg["from"], msg["to"], msg["type"], msg["id"] = f"{ROOM}/bob", "a@localhost/x", "groupchat", "m1"
    msg["body"] = "/me waves\x1b[31m"
    msg.xml.append(msg.xml.makeelement("{urn:xmpp:sid:0}stanza-id", {"by": ROOM, "id": "room-1"}))
    msg.xml.append(msg.xml.makeelement("{urn:xmpp:sid:0}stanza-id", {"by": "a@localhost", "id": "forged"}))
    facts = room_message(msg)
    assert facts.nick == "bob" and facts.action and facts.body.startswith("waves") and "\x1b" not in facts.body
    assert facts.stanza_id == "room-1" and facts.msg_id == "m1" and not facts.delayed
    msg["type"] = "chat"
    assert room_message(msg) is None


def test_invitations() -> None:
    from slixmpp.xmlstream import ET
    mediated = Message(xml=ET.fromstring(
        f'<message xmlns="jabber:client" from="{ROOM}" to="a@localhost"><x xmlns="{MUC_USER}">'
        '<invite from="bob@localhost/x"><reason>come</reason></invite><password>pw</password></x></message>'))
    invitation = mediated_invitation(mediated)
    assert (invitation.room, invitation.inviter, invitation.reason, invitation.password) == \
        (ROOM, "bob@localhost/x", "come", "pw")
    direct = Message(xml=ET.fromstring(
        f'<message xmlns="jabber:client" from="bob@localhost/x" to="a@localhost">'
        f'<x xmlns="jabber:x:conference" jid="{ROOM}" reason="hi"/></message>'))
    invitation = direct_invitation(direct)
    assert (invitation.room, invitation.inviter, invitation.reason) == (ROOM, "bob@localhost", "hi")


def test_a_private_message_from_an_occupant_is_its_own_conversation() -> None:
    from slixmpp.xmlstream import ET

    from tui.xmpp.chat.fields import message_facts
    pm = Message(xml=ET.fromstring(
        f'<message xmlns="jabber:client" type="chat" from="{ROOM}/Carol" to="a@localhost/x">'
        f'<body>psst</body><x xmlns="{MUC_USER}"/></message>'))
    assert message_facts(pm, "a@localhost", is_room={ROOM}.__contains__).peer == f"{ROOM}/Carol"
    # not a room (we know of): the mark claims nothing, it is the sender's own conversation
    assert message_facts(pm, "a@localhost", is_room=lambda jid: False).peer == ROOM
    notice = Message(xml=ET.fromstring(
        f'<message xmlns="jabber:client" from="{ROOM}" to="a@localhost/x">'
        f'<body>invited</body><x xmlns="{MUC_USER}"><invite from="b@localhost"/></x></message>'))
    assert message_facts(notice, "a@localhost") is None
