"""Asking an offline account for something that needs the server: one line,
the same from every service, raised as the service's own error."""

from __future__ import annotations

import pytest

from tui.client import Client
from tui.xmpp.blog.items import BlogError
from tui.xmpp.muc.errors import MucError
from tui.xmpp.account.roster import RosterError
from tui.xmpp.account.session import ConnectionSettings


@pytest.mark.parametrize("command", ["/join room@conference.example.org", "/roster add bob@example.org",
                                     "/blog post hello"])
async def test_every_service_says_offline_the_same_way(command):
    client = Client()
    account = client.add_account(ConnectionSettings(jid="me@example.org", password="x"))
    await client.handle_input(command, client.windows.status)
    assert client.windows.status.lines[-1].body == "me@example.org is offline: /connect first"
    with pytest.raises(MucError, match="offline: /connect first"):
        account.session.online_client(MucError)
    with pytest.raises(RosterError, match="offline: /connect first"):
        account.roster.client()
    with pytest.raises(BlogError, match="offline: /connect first"):
        account.blog.client()
