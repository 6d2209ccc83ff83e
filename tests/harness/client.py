"""A headless Parlons ``Client`` (no UI) in tests: typing a line into it and
reading its windows as text."""

from __future__ import annotations

import contextlib
from pathlib import Path

from tests.harness.wait import until
from tui.client import Client
from tui.core.events import RoomChanged
from tui.xmpp.account.accounts import Account
from tui.xmpp.account.session import ConnectionSettings


class HeadlessClient(Client):
    """The Client a test drives, with its one account at hand."""
    jid: str
    account: Account
    room_events: list[RoomChanged]


def status_text(client: Client) -> str:
    return "\n".join(line.body for line in client.windows.status.lines)


def window_text(window) -> str:
    return "\n".join(f"{line.nick} {line.body}".strip() for line in window.lines)


async def run(client: Client, line: str, window=None) -> None:
    await client.handle_input(line, window or client.windows.status)


@contextlib.asynccontextmanager
async def headless_client(server, jid: str, password: str, data_dir: Path | None, *,
                          host: str | None = None, port: int | None = None, nick: str = "alice",
                          wait_online: bool = True, encryption: dict | None = None):
    """A headless Client with one account (history in ``data_dir`` unless None),
    connected to ``server`` or to ``host:port`` (a proxy in front of it);
    ``client.jid``, ``client.account`` and ``client.room_events`` are set;
    ``encryption``: the schemes' settings (``{"otr": {"policy": …}}``), set before connecting."""
    client = HeadlessClient()
    account = client.add_account(ConnectionSettings(
        jid=jid, password=password, host=host or server.host, port=port or server.c2s_port,
        ca_file=server.ca_file))
    account.muc.configure(nick=nick, service=server.muc_domain)
    account.encryption.host.settings.update(encryption or {})
    if data_dir is not None:
        await account.open_history(data_dir)
    client.jid, client.account = jid, account
    client.room_events = []
    client.bus.subscribe(RoomChanged, client.room_events.append)
    account.session.connect()
    try:
        if wait_online:
            await until(lambda: account.session.online, timeout=10, message=lambda: status_text(client))
        yield client
    finally:
        await account.session.disconnect()
        await account.close()
