"""The message router runs exactly what slixmpp's own handler list would run,
in the same order, for every kind of stanza our plugins handle."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import partial

import pytest
import slixmpp
from slixmpp.stanza import Iq, Message, Presence
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath, StanzaPath

from tui.xmpp.chat.service import PLUGINS as CHAT_PLUGINS
from tui.xmpp.muc.service import PLUGINS as MUC_PLUGINS
from tui.xmpp.stanza_router import PLUGIN_SETS, StanzaRouter, handler_list, route_handlers

ME = "alice@example.org/parlons"
ROOM = "lounge@rooms.example.org"

STANZAS = {
    "chat": f"<message xmlns='jabber:client' type='chat' from='bob@example.org/x' to='{ME}' id='1'>"
            "<body>hi</body><request xmlns='urn:xmpp:receipts'/>"
            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "receipt": f"<message xmlns='jabber:client' from='bob@example.org/x' to='{ME}'>"
               "<received xmlns='urn:xmpp:receipts' id='1'/></message>",
    "typing": f"<message xmlns='jabber:client' type='chat' from='bob@example.org/x' to='{ME}'>"
              "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "correction": f"<message xmlns='jabber:client' type='chat' from='bob@example.org/x' to='{ME}'>"
                  "<body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='1'/></message>",
    "carbon": f"<message xmlns='jabber:client' from='alice@example.org' to='{ME}'>"
              "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
              "<message xmlns='jabber:client' type='chat' from='bob@example.org/x' to='alice@example.org/phone'>"
              "<body>copied</body></message></forwarded></received></message>",
    "groupchat": f"<message xmlns='jabber:client' type='groupchat' from='{ROOM}/bob' to='{ME}' id='2'>"
                 "<body>hello room</body></message>",
    "subject": f"<message xmlns='jabber:client' type='groupchat' from='{ROOM}/bob' to='{ME}'>"
               "<subject>topic</subject></message>",
    "room error": f"<message xmlns='jabber:client' type='error' from='{ROOM}' to='{ME}'>"
                  "<error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
    "invite": f"<message xmlns='jabber:client' from='{ROOM}' to='{ME}'>"
              "<x xmlns='http://jabber.org/protocol/muc#user'><invite from='bob@example.org'>"
              "<reason>come</reason></invite></x></message>",
    "config": f"<message xmlns='jabber:client' type='groupchat' from='{ROOM}' to='{ME}'>"
              "<x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>",
    "direct invite": f"<message xmlns='jabber:client' from='bob@example.org/x' to='{ME}'>"
                     f"<x xmlns='jabber:x:conference' jid='{ROOM}'/></message>",
    "pubsub": f"<message xmlns='jabber:client' from='bob@example.org' to='{ME}'>"
              "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:microblog:0'>"
              "<item id='a'/></items></event></message>",
    "form": f"<message xmlns='jabber:client' from='bob@example.org' to='{ME}'>"
            "<x xmlns='jabber:x:data' type='form'/></message>",
    "presence": f"<presence xmlns='jabber:client' from='{ROOM}/bob' to='{ME}'>"
                "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>"
                "</presence>",
    "contact online": f"<presence xmlns='jabber:client' from='bob@example.org/x' to='{ME}'><show>away</show></presence>",
    "contact with caps": f"<presence xmlns='jabber:client' from='bob@example.org/x' to='{ME}'>"
                         "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>",
    "join refused": f"<presence xmlns='jabber:client' type='error' from='{ROOM}/alice' to='{ME}'>"
                    "<x xmlns='http://jabber.org/protocol/muc'/><error type='auth'>"
                    "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    "contact error": f"<presence xmlns='jabber:client' type='error' from='bob@example.org' to='{ME}'>"
                     "<error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                     "</error></presence>",
    "roster push": f"<iq xmlns='jabber:client' type='set' id='r' to='{ME}'>"
                   "<query xmlns='jabber:iq:roster'><item jid='carol@example.org'/></query></iq>",
    "unknown iq": f"<iq xmlns='jabber:client' type='get' id='u' from='example.org' to='{ME}'>"
                  "<nothing xmlns='urn:example:nothing'/></iq>",
    "ping": f"<iq xmlns='jabber:client' type='get' id='p' from='example.org' to='{ME}'>"
            "<ping xmlns='urn:xmpp:ping'/></iq>",
}


def client(routed: bool) -> tuple[slixmpp.ClientXMPP, list[str]]:
    """A client with the plugins Parlons loads; what it does is the events its handlers fire."""
    xmpp = slixmpp.ClientXMPP(ME, "secret")
    for plugin in dict.fromkeys(("xep_0030", "xep_0198", "xep_0199", *CHAT_PLUGINS, *MUC_PLUGINS,
                                 "xep_0060", "xep_0163")):
        xmpp.register_plugin(plugin)
    fired: list[str] = []
    xmpp.event = lambda name, data=None, *args, **kwargs: fired.append(name)  # type: ignore[method-assign]
    xmpp.send = lambda *args, **kwargs: fired.append("sent")  # type: ignore[method-assign]
    if routed:
        assert isinstance(route_handlers(xmpp), StanzaRouter)
    return xmpp, fired


def received(xmpp: slixmpp.ClientXMPP, text: str) -> None:
    xml = ET.fromstring(text)
    kind = {"message": Message, "presence": Presence, "iq": Iq}[xml.tag.split("}")[1]]
    xmpp.recv_stanza(kind(xmpp, xml))


@pytest.mark.parametrize("name", sorted(STANZAS))
def test_the_same_handlers_run_in_the_same_order(name):
    plain, expected = client(routed=False)
    routed, got = client(routed=True)
    received(plain, STANZAS[name])
    received(routed, STANZAS[name])
    assert expected, f"{name}: no handler ran — the comparison would prove nothing"
    assert got == expected


def test_every_handler_of_our_plugins_is_routed():
    xmpp, _fired = client(routed=False)
    registered = list(handler_list(xmpp))
    router = route_handlers(xmpp)
    assert router is not None and router.handlers == registered
    assert handler_list(xmpp) == [router]


def test_a_one_shot_handler_behind_the_router_runs_once():
    xmpp, fired = client(routed=False)
    runs: list[str] = []
    xmpp.register_handler(Callback("once", StanzaPath("message/receipt"), lambda m: runs.append(m["id"]),
                                   once=True))
    router = route_handlers(xmpp)
    assert router is not None and any(h.name == "once" for h in router.handlers)
    received(xmpp, STANZAS["receipt"])
    received(xmpp, STANZAS["receipt"])
    assert len(runs) == 1
    assert not any(h.name == "once" for h in router.handlers)


def test_a_handler_registered_after_the_routing_still_runs():
    xmpp, fired = client(routed=True)
    runs: list[str] = []
    xmpp.register_handler(Callback("later", StanzaPath("message/body"), lambda m: runs.append(m["body"])))
    received(xmpp, STANZAS["groupchat"])
    assert runs == ["hello room"]
    assert "groupchat_message" in fired


def test_a_failing_routed_handler_does_not_stop_the_next(monkeypatch):
    xmpp, fired = client(routed=False)
    seen: list[str] = []

    def boom(_msg):
        raise RuntimeError("handler failed")

    xmpp.register_handler(Callback("boom", StanzaPath("message/receipt"), boom))
    xmpp.register_handler(Callback("after", StanzaPath("message/receipt"), lambda m: seen.append("after")))
    route_handlers(xmpp)
    errors: list[Exception] = []
    monkeypatch.setattr(Message, "exception", lambda self, exc: errors.append(exc))
    received(xmpp, STANZAS["receipt"])
    assert [str(e) for e in errors] == ["handler failed"]
    assert seen == ["after"]

# stanzas that no handler of our plugins matches, or only some of them would at a glance
NEAR_MISSES = {
    "foreign body": f"<message xmlns='jabber:client' type='groupchat' from='{ROOM}/bob' to='{ME}'>"
                    "<body xmlns='urn:example:other'>not a body</body></message>",
    "normal with body": f"<message xmlns='jabber:client' type='normal' from='{ROOM}/bob' to='{ME}'>"
                        "<body>hello</body><subject>s</subject></message>",
    "untyped error": f"<message xmlns='jabber:client' from='{ROOM}' to='{ME}'>"
                     "<error type='cancel'/></message>",
}

# XPaths of every shape a plugin could register: the plain ones are asked of
# the stanza by the router, the others of their matcher.
XPATHS = (
    "{jabber:client}message",
    "{jabber:client}message/{jabber:client}body",
    "{jabber:client}message/{urn:xmpp:receipts}received",
    "{jabber:client}message/{urn:xmpp:carbons:2}received/{urn:xmpp:forward:0}forwarded",
    "{jabber:client}message/*",
    "{jabber:client}message/{jabber:client}error[@type]",
    "{jabber:client}message//{*}body",
    "{jabber:client}message/{jabber:client}body[.='hi']",
    "{jabber:client}message[@type='chat']",
    "{jabber:client}presence/{jabber:client}show",
)


def with_xpaths(routed: bool) -> tuple[slixmpp.ClientXMPP, list[str]]:
    xmpp, fired = client(routed=False)
    def ran(name: str, _stanza) -> None:
        fired.append(name)

    for index, path in enumerate(XPATHS):
        xmpp.register_handler(Callback(f"xpath {index}", MatchXPath(path), partial(ran, f"xpath {index}")))
    if routed:
        assert isinstance(route_handlers(xmpp), StanzaRouter)
    return xmpp, fired


@pytest.mark.parametrize("text", [*STANZAS.values(), *NEAR_MISSES.values()], ids=[*STANZAS, *NEAR_MISSES])
def test_xpaths_of_every_shape_match_as_their_matcher_says(text):
    plain, expected = with_xpaths(routed=False)
    routed, got = with_xpaths(routed=True)
    received(plain, text)
    received(routed, text)
    assert got == expected


def test_the_xpaths_tried_cover_both_ways_of_asking():
    """The comparison above proves something for each kind: some XPaths are
    asked of the stanza, others of their matcher, and each one matched some stanza."""
    xmpp, fired = with_xpaths(routed=True)
    router = handler_list(xmpp)[0]
    assert isinstance(router, StanzaRouter)
    ours = {r.handler.name: r for r in router.routes if r.handler.name.startswith("xpath ")}
    asked_of_matcher = {name for name, r in ours.items() if r.match == r.handler.match}
    # (slixmpp makes "//" one step itself; a predicate on the root stops the routing there)
    assert asked_of_matcher == {"xpath 4", "xpath 5", "xpath 7"}
    assert set(ours) == {f"xpath {i}" for i in range(8)}
    for text in [*STANZAS.values(), *NEAR_MISSES.values()]:
        received(xmpp, text)
    assert {f"xpath {i}" for i in range(len(XPATHS))} <= set(fired)


def test_a_peer_sending_every_mix_of_payloads_is_not_remembered_without_end():
    xmpp, _fired = client(routed=True)
    router = handler_list(xmpp)[0]
    assert isinstance(router, StanzaRouter)
    # each one a plugin of its own: 2**9 - 1 mixes, each a different set of plugins
    payloads = ["<request xmlns='urn:xmpp:receipts'/>", "<active xmlns='http://jabber.org/protocol/chatstates'/>",
                "<replace xmlns='urn:xmpp:message-correct:0' id='1'/>", "<x xmlns='jabber:x:conference' jid='r@m'/>",
                "<x xmlns='jabber:x:data' type='form'/>", "<x xmlns='http://jabber.org/protocol/muc#user'/>",
                "<origin-id xmlns='urn:xmpp:sid:0' id='o'/>", "<received xmlns='urn:xmpp:receipts' id='1'/>",
                "<nick xmlns='http://jabber.org/protocol/nick'>n</nick>"]
    most = 0
    for mix in range(1, 2 ** len(payloads)):
        chosen = "".join(p for bit, p in enumerate(payloads) if mix >> bit & 1)
        received(xmpp, f"<message xmlns='jabber:client' from='bob@example.org/x' to='{ME}'>{chosen}</message>")
        most = max(most, len(router._by_plugins))
    assert most == PLUGIN_SETS  # filled up to the bound, and never past it
    assert 2 ** len(payloads) - 1 > PLUGIN_SETS  # (more mixes than that were sent)


def test_a_stanza_path_to_a_sub_interface_is_routed_and_runs():
    """``message/body`` names no plugin: the body is one of the message's own
    elements (a sub-interface), so it is no plugin the stanza must hold."""
    xmpp, fired = client(routed=False)
    runs: list[str] = []
    xmpp.register_handler(Callback("bodies", StanzaPath("message/body"), lambda m: runs.append(m["body"])))
    router = route_handlers(xmpp)
    assert router is not None and any(h.name == "bodies" for h in router.handlers)
    received(xmpp, STANZAS["groupchat"])
    received(xmpp, STANZAS["receipt"])
    assert runs == ["hello room"]


def test_a_stanza_path_through_an_iterable_payload_is_asked():
    """A payload registered as iterable (XEP-0511's link metadata) matches a
    stanza path by its element's name, which is not the plugin's name the
    stanza lists ("Description" against "link_metadata"): such a stanza asks
    every route."""
    text = (f"<message xmlns='jabber:client' type='chat' from='bob@example.org/x' to='{ME}'><body>a link</body>"
            "<rdf:Description xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' about='https://example.org/'/>"
            "</message>")
    runs: dict[bool, list[str]] = {}
    for routed in (False, True):
        xmpp, _fired = client(routed=False)
        xmpp.register_plugin("xep_0511")
        ran = runs[routed] = []
        xmpp.register_handler(Callback("links", StanzaPath("message/Description"),
                                       lambda _m, ran=ran: ran.append("link")))
        if routed:
            router = route_handlers(xmpp)
            assert router is not None and any(h.name == "links" for h in router.handlers)
        received(xmpp, text)
    assert runs == {False: ["link"], True: ["link"]}
