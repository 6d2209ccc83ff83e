"""Fixtures of the integration tests (headless clients, no UI)."""

from __future__ import annotations

import pytest_asyncio

from tests.harness.client import status_text
from tests.harness.wait import until
from tui.client import Client
from tui.core.events import RoomChanged
from tui.xmpp.session import ConnectionSettings


@pytest_asyncio.fixture
async def alice(prosody, make_account, tmp_path):
    """A headless Client with one online account (nick "alice") and a history store."""
    jid, password = make_account("alice")
    client = Client()
    account = client.add_account(ConnectionSettings(
        jid=jid, password=password, host=prosody.host, port=prosody.c2s_port, ca_file=prosody.ca_file))
    account.muc.configure(nick="alice", service=prosody.muc_domain)
    await account.open_history(tmp_path)
    account.session.connect()
    await until(lambda: account.session.online, timeout=10, message=lambda: status_text(client))
    client.jid, client.account = jid, account
    client.room_events = []
    client.bus.subscribe(RoomChanged, client.room_events.append)
    try:
        yield client
    finally:
        await account.session.disconnect()
        await account.close()
