"""A presence's type read from its XML at once says what slixmpp's own
``Presence.get_type`` says, for every shape a presence can take."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
import slixmpp
from slixmpp.stanza import Presence

from tui.xmpp.presence_dispatch import _slixmpp_get_type, presence_type, read_presence_type_at_once

LANG = "xml:lang='de'"
TYPES = ["", "type=''", "type='unavailable'", "type='error'", "type='subscribe'", "type='probe'", "type='bogus'"]
SHOWS = ["", "<show>away</show>", "<show>dnd</show>", "<show>chat</show>", "<show>xa</show>", "<show/>",
         "<show>online</show>", "<show> away</show>", f"<show {LANG}>away</show>",
         f"<show {LANG}>away</show><show>dnd</show>", "<show>xa</show><show>dnd</show>",
         "<show></show><show>dnd</show>", "<show xmlns='urn:other'>away</show>"]
STANZA_LANG = ["", LANG]


def presence(text: str) -> Presence:
    return Presence(xml=ET.fromstring(text))


@pytest.mark.parametrize("ptype,show,lang", list(itertools.product(TYPES, SHOWS, STANZA_LANG)))
def test_the_same_answer_as_slixmpp(ptype, show, lang):
    stanza = presence(f"<presence xmlns='jabber:client' from='bob@example.org/x' {ptype} {lang}>"
                      f"<status>hi</status>{show}<priority>3</priority></presence>")
    assert presence_type(stanza) == _slixmpp_get_type(stanza)


def test_built_and_changed_through_the_interface():
    stanza = Presence()
    answers = []
    for value in ("away", "unavailable", "available", "dnd", "subscribe", "xa"):
        stanza["type"] = value
        answers.append((presence_type(stanza), _slixmpp_get_type(stanza)))
    stanza["show"] = "chat"
    answers.append((presence_type(stanza), _slixmpp_get_type(stanza)))
    del stanza["type"]
    answers.append((presence_type(stanza), _slixmpp_get_type(stanza)))
    assert [ours for ours, _ in answers] == [theirs for _, theirs in answers]
    # (a type attribute, once set, outweighs any <show/> set after it)
    assert [ours for ours, _ in answers] == ["away", "unavailable", "available", "dnd", "subscribe", "subscribe",
                                             "subscribe", "available"]


def test_installed_it_is_what_presence_type_reads():
    read_presence_type_at_once()
    read_presence_type_at_once()  # idempotent
    stanza = presence("<presence xmlns='jabber:client'><show>dnd</show></presence>")
    assert Presence.get_type is presence_type
    assert stanza["type"] == "dnd"


# -- the dispatch --------------------------------------------------------------------------
ME = "alice@example.org/parlons"
ROOM = "lounge@rooms.example.org"
DISPATCHED = {
    "online": "<presence from='bob@example.org/x'/>",
    "away": "<presence from='bob@example.org/x'><show>away</show><status>out</status></presence>",
    "offline": "<presence type='unavailable' from='bob@example.org/x'/>",
    "error": "<presence type='error' from='bob@example.org'><error type='cancel'>"
             "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    "subscribe": "<presence type='subscribe' from='carol@example.org'/>",
    "subscribed": "<presence type='subscribed' from='carol@example.org'/>",
    "unsubscribe": "<presence type='unsubscribe' from='carol@example.org'/>",
    "unsubscribed": "<presence type='unsubscribed' from='carol@example.org'/>",
    "probe": "<presence type='probe' from='carol@example.org/y'/>",
    "bogus type": "<presence type='bogus' from='carol@example.org/y'/>",
    "occupant": f"<presence from='{ROOM}/bob'><x xmlns='http://jabber.org/protocol/muc#user'>"
                "<item affiliation='none' role='participant'/></x></presence>",
    "invalid sender": "<presence from='a@b@c/x'/>",
    "no sender": "<presence/>",
}


def presence_client(ours: bool):
    from tests.unit.test_stanza_router import client
    from tui.xmpp.presence_dispatch import dispatch_presences

    xmpp, fired = client(routed=True)
    if ours:
        assert dispatch_presences(xmpp) == ["Presence", "MUCPresence", "available", "unavailable"]
    return xmpp, fired


@pytest.mark.parametrize("name", sorted(DISPATCHED))
@pytest.mark.parametrize("room_ignored", [False, True])
def test_the_same_events_as_slixmpp_and_no_roster_nodes(name, room_ignored):
    from tests.unit.test_stanza_router import received

    text = DISPATCHED[name].replace("<presence", f"<presence xmlns='jabber:client' to='{ME}'", 1)
    runs = []
    for ours in (False, True):
        xmpp, fired = presence_client(ours)
        if room_ignored:  # as the MUC plugin marks a room it saw
            xmpp.roster[ROOM].ignore_updates = True
        nodes = set(xmpp.roster._rosters)
        received(xmpp, text)
        runs.append((fired, set(xmpp.roster._rosters) - nodes))
    (theirs, their_nodes), (ours_fired, our_nodes) = runs
    # (slixmpp's MUC plugin fires muc::<room>::… events from its own copy of
    # the occupants, which we do not keep: nothing of ours listens to them)
    assert ours_fired == [event for event in theirs if not event.startswith("muc::")]
    assert our_nodes == set()
    if name not in ("invalid sender", "occupant") or not room_ignored:
        assert theirs or name == "invalid sender", f"{name}: no event fired — the comparison would prove nothing"


@pytest.mark.parametrize("joined", [False, True])
def test_a_room_presence_without_slixmpps_copy_of_the_occupants(joined):
    """An occupant's presence: "groupchat_presence" for the MUC service; for
    a room we joined, the room's later presences no longer go through the
    generic dispatch (as slixmpp marks it); no occupant kept by the plugin."""
    from tests.unit.test_stanza_router import received

    xmpp, fired = presence_client(True)
    muc = xmpp.plugin["xep_0045"]
    if joined:  # what the MUC service does as it joins
        muc.rooms[None][slixmpp.JID(ROOM)] = {}
    text = DISPATCHED["occupant"].replace("<presence", f"<presence xmlns='jabber:client' to='{ME}'", 1)
    received(xmpp, text)
    received(xmpp, text.replace("/bob", "/carol"))
    second = fired[fired.index("groupchat_presence") + 1:]
    assert fired.count("groupchat_presence") == 2
    assert ("presence" in second) is not joined  # the generic events: not for a joined room's
    assert (ROOM in xmpp.roster._rosters) is joined
    assert muc.rooms[None].get(slixmpp.JID(ROOM), {}) == {}


# -- slixmpp's roster: a contact's resources --------------------------------------------------
SEQUENCES = {
    "online, away, offline": ["<presence from='bob@example.org/x'/>",
                              "<presence from='bob@example.org/x'><show>away</show><status>out</status></presence>",
                              "<presence type='unavailable' from='bob@example.org/x'/>"],
    "two resources": ["<presence from='bob@example.org/x'><priority>5</priority></presence>",
                      "<presence from='bob@example.org/y'><show>dnd</show><priority>-1</priority></presence>",
                      "<presence from='bob@example.org/x'><priority>5</priority></presence>",  # the same again
                      "<presence type='unavailable' from='bob@example.org/y'/>",
                      "<presence type='unavailable' from='bob@example.org/x'><status>bye</status></presence>"],
    "offline first": ["<presence type='unavailable' from='bob@example.org/x'/>",
                      "<presence from='bob@example.org'><show>chat</show></presence>"],
    "status only changes": ["<presence from='bob@example.org/x'><status>a</status></presence>",
                            "<presence from='bob@example.org/x'><status>b</status></presence>",
                            "<presence from='bob@example.org/x'><status>b</status><priority>9</priority></presence>"],
    "languages and odd values": [
        "<presence from='bob@example.org/x' xml:lang='fr'><status xml:lang='de'>weg</status>"
        "<status xml:lang='fr'>parti</status><priority>high</priority></presence>",
        "<presence from='bob@example.org/x'><show>xa</show><show>dnd</show><status/></presence>",
        "<presence type='unavailable' from='bob@example.org/z'/>"],
}


def resources_client(ours: bool):
    """A client whose events really run (the router's tests record them instead)."""
    from tui.xmpp.presence_dispatch import dispatch_presences

    xmpp = slixmpp.ClientXMPP(ME, "secret")
    xmpp.register_plugin("xep_0045")
    fired: list[str] = []
    real = xmpp.event

    def event(name, data=None, *args, **kwargs):
        fired.append(name)
        return real(name, data, *args, **kwargs)

    xmpp.event = event  # type: ignore[method-assign]
    if ours:
        assert dispatch_presences(xmpp) == ["Presence", "MUCPresence", "available", "unavailable"]
    return xmpp, fired


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_the_contact_s_resources_and_events_as_slixmpp_keeps_them(name):
    from tests.unit.test_stanza_router import received

    runs = []
    for ours in (False, True):
        xmpp, fired = resources_client(ours)
        states = []
        for text in SEQUENCES[name]:
            received(xmpp, text.replace("<presence", f"<presence xmlns='jabber:client' to='{ME}'", 1))
            item = xmpp.roster[ME]["bob@example.org"]
            states.append({resource: dict(data) for resource, data in item.resources.items()})
        runs.append((fired, states))
    (their_events, their_states), (our_events, our_states) = runs
    assert our_states == their_states and our_events == their_events
    assert any(their_states) and {"got_online", "changed_status"} <= set(their_events)


def test_our_handlers_keep_their_place_among_the_event_s():
    xmpp, _fired = resources_client(True)
    order = []
    xmpp.add_event_handler("presence_unavailable", lambda presence: order.append(
        dict(xmpp.roster[ME]["bob@example.org"].resources)))
    from tests.unit.test_stanza_router import received

    received(xmpp, f"<presence xmlns='jabber:client' to='{ME}' from='bob@example.org/x'/>")
    received(xmpp, f"<presence xmlns='jabber:client' to='{ME}' type='unavailable' from='bob@example.org/x'/>")
    assert order == [{}]  # the roster's resource was gone when a handler registered later ran
