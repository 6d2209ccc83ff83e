"""W6's storm (bench/e2e/storm.py, a plain XEP-0114 component writing its
stanzas as bytes) on a real Prosody: a client with the contacts in its
roster gets every presence — away, its status — then the message, in
order, as it got them from slixmpp's component before."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.e2e.actors import Server
from bench.e2e.workloads import STORM_OVER, storm_contacts
from tests.harness.peer import Peer
from tests.harness.wait import until

CONTACTS = 200


async def test_a_client_gets_every_presence_then_the_message(tmp_path: Path):
    server = Server(tmp_path, component=True)
    try:
        with storm_contacts(server, tmp_path, CONTACTS) as (storm, contacts):
            jid, password = server.account("floor")
            server.write_roster(jid, contacts)
            peer = Peer(jid, password, ca_file=server.prosody.ca_file, host=server.prosody.host,
                        port=server.prosody.c2s_port)
            seen: list[tuple[str, str, str, str]] = []

            def presence(stanza) -> None:
                if stanza["from"].bare != jid:  # (not its own)
                    seen.append(("presence", stanza["from"].bare, stanza["show"], stanza["status"]))

            def message(stanza) -> None:
                seen.append(("message", stanza["from"].bare, stanza["type"], stanza["body"]))

            peer.xmpp.add_event_handler("presence", presence)
            peer.xmpp.add_event_handler("message", message)
            await peer.start()
            try:
                storm.send("storm", to=peer.jid, count=len(contacts), then=STORM_OVER)
                await asyncio.to_thread(storm.wait, "stormed", 60)
                await until(lambda: seen and seen[-1][0] == "message", timeout=30,
                            message=lambda: f"{len(seen)} stanzas so far")
            finally:
                await peer.stop()
    finally:
        server.close()
    assert seen == [("presence", contact, "away", f"storm {index}") for index, contact in enumerate(contacts)] \
        + [("message", contacts[0], "chat", STORM_OVER)]
