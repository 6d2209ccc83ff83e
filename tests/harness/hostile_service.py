"""A hostile service behind the real Prosody: an external component
(XEP-0114) that the test scripts.

Prosody routes every stanza for ``evil.test`` (and any JID under it) to the
component, and lets the component send from any JID of that domain: it is
what a remote server the attacker runs looks like to our client (a room
service that forwards forged archive results, a pubsub service that names
publishers it cannot know). Everything else — our account, peers, real
rooms — is the real Prosody.

``HostileProsody`` is a ``ProsodyServer`` with that component declared;
``HostileService`` is the component: it answers disco#info with the
identities a test gives per JID, and hands every other iq and presence to
the test's handlers (raw XML in, raw XML out).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any, Callable, Coroutine
from xml.etree import ElementTree as ET

from slixmpp import ComponentXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

from tests.harness.prosody import HOST, ProsodyServer, _free_ports, _lua

EVIL_DOMAIN = "evil.test"
DISCO_INFO = "http://jabber.org/protocol/disco#info"


class HostileProsody(ProsodyServer):
    """The test Prosody plus a component port and ``evil.test`` on it."""

    def __init__(self, base_dir, **kwargs) -> None:
        (self.component_port,) = _free_ports(1)
        self.component_secret = uuid.uuid4().hex
        super().__init__(base_dir, **kwargs)

    def _config_text(self) -> str:
        text = super()._config_text()
        ports = (f"component_ports = {{ {self.component_port} }}\n"
                 f"component_interfaces = {{ \"{HOST}\" }}\n\n")
        text = text.replace("VirtualHost", ports + "VirtualHost", 1)
        return text + (f"\nComponent {_lua(EVIL_DOMAIN)}\n"
                       f"    component_secret = {_lua(self.component_secret)}\n")


IqHandler = Callable[[ET.Element], "list[str] | Coroutine[Any, Any, list[str] | None] | None"]


class HostileService:
    """The ``evil.test`` component. ``identities[jid]``: the (category,
    type) its disco#info claims for ``jid`` (others: item-not-found).
    ``on_iq(xml) -> [raw stanzas]``: what to send back for any other iq
    (stanzas it sends before its answer included); ``on_presence`` alike.
    Both get the stanza as an Element in the jabber:component:accept
    namespace (slixmpp's own); answers are XML strings."""

    def __init__(self, server: HostileProsody) -> None:
        self.server = server
        self.xmpp = ComponentXMPP(EVIL_DOMAIN, server.component_secret, HOST, server.component_port)
        self.identities: dict[str, tuple[str, str]] = {}
        self.on_iq: IqHandler | None = None
        self.on_presence: IqHandler | None = None
        self.iqs: list[ET.Element] = []
        self.xmpp.register_handler(Callback("hostile iq", StanzaPath("iq"), self._iq))
        self.xmpp.register_handler(Callback("hostile presence", StanzaPath("presence"), self._presence))

    async def start(self, timeout: float = 10.0) -> "HostileService":
        started = asyncio.get_running_loop().create_future()

        def on_session_start(_event) -> None:
            if not started.done():
                started.set_result(None)
        self.xmpp.add_event_handler("session_start", on_session_start)
        self.xmpp.connect()
        await asyncio.wait_for(started, timeout)
        return self

    async def stop(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.xmpp.disconnect(wait=1), 3)

    def send_raw(self, xml: str) -> None:
        self.xmpp.send_raw(xml)

    # -- handlers -------------------------------------------------------------------
    def _iq(self, iq) -> None:
        xml = iq.xml
        self.iqs.append(xml)
        query = xml.find(f"{{{DISCO_INFO}}}query")
        if query is not None and xml.get("type") == "get":
            self.send_raw(self._disco_answer(xml))
            return
        asyncio.ensure_future(self._answer(self.on_iq, xml))

    def _presence(self, presence) -> None:
        asyncio.ensure_future(self._answer(self.on_presence, presence.xml))

    async def _answer(self, handler: IqHandler | None, xml: ET.Element) -> None:
        answers = handler(xml) if handler is not None else None
        if asyncio.iscoroutine(answers):
            answers = await answers
        if answers is None and xml.tag.endswith("iq") and xml.get("type") in ("get", "set"):
            answers = [error_answer(xml)]
        for answer in answers or ():
            self.send_raw(answer)

    def _disco_answer(self, iq: ET.Element) -> str:
        identity = self.identities.get(iq.get("to", "").lower())
        if identity is None:
            return error_answer(iq)
        category, kind = identity
        return (f"<iq type='result' id='{iq.get('id')}' from='{iq.get('to')}' to='{iq.get('from')}'>"
                f"<query xmlns='{DISCO_INFO}'><identity category='{category}' type='{kind}'/>"
                f"<feature var='{DISCO_INFO}'/></query></iq>")


def error_answer(iq: ET.Element, condition: str = "item-not-found") -> str:
    return (f"<iq type='error' id='{iq.get('id')}' from='{iq.get('to')}' to='{iq.get('from')}'>"
            f"<error type='cancel'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")
