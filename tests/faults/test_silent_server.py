"""A server that accepts the connection and then never says a word (or a
link that died mid-negotiation without a reset): the attempt is given up
after a bound, said in one line, and tried again — never "connecting"
forever."""

from __future__ import annotations

import asyncio

from tests.harness.client import status_text
from tests.harness.wait import until
from tui.client import Client
from tui.core.model import ConnectionState
from tui.xmpp.account import session as session_module
from tui.xmpp.account.backoff import Backoff
from tui.xmpp.account.session import ConnectionSettings


async def test_a_server_that_never_answers_is_tried_again_with_a_line(monkeypatch, tmp_path):
    monkeypatch.setattr(session_module, "CONNECT_TIMEOUT", 1.0, raising=False)
    accepted: list[asyncio.StreamWriter] = []

    async def hold(_reader, writer):  # accept, then silence
        accepted.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Client()
    account = client.add_account(
        ConnectionSettings(jid="alice@localhost", password="pw", host="127.0.0.1", port=port),
        backoff=Backoff(base=0.2, cap=0.5))
    try:
        account.session.connect()
        await until(lambda: len(accepted) >= 2, timeout=10, message=lambda: status_text(client))
        assert "alice@localhost: no answer from the server within 1 s; reconnecting in" in status_text(client)
        assert account.session.status.state in (ConnectionState.CONNECTING, ConnectionState.RECONNECTING)
    finally:
        await account.session.disconnect()
        await account.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
