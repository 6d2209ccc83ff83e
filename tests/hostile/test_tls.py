"""TLS is required and verified: every way it can fail is refused, offline,
not retried, with a line of its own.

No STARTTLS needs a server Prosody cannot be (tests/harness/fake_server.py);
certificate failures use the real Prosody with a bad certificate.
"""

from __future__ import annotations

import pytest

from tests.harness.client import status_text
from tests.harness.fake_server import FakeXmppServer
from tests.harness.wait import until
from tui.client import Client
from tui.core.model import ConnectionState
from tui.xmpp.backoff import Backoff
from tui.xmpp.session import ConnectionSettings

USER = "alice-tls-victim"
PASSWORD = "pw-never-in-the-clear"


def nothing_scheduled(session) -> bool:
    """No retry of ours and no connection attempt of slixmpp's is pending."""
    xmpp = session.xmpp
    return session._retry_handle is None and (
        xmpp is None or xmpp._current_connection_attempt is None
        or xmpp._current_connection_attempt.done()
    )


def status_lines(client: Client) -> list[str]:
    return [line.body for line in client.windows.status.lines]


async def refused_line(client: Client, account, marker: str) -> str:
    """Wait for the one refusal line; check it left us offline for good."""
    session = account.session
    await until(lambda: any("not retrying" in line for line in status_lines(client)) or session.online,
                timeout=10, message=lambda: status_text(client))
    await until(lambda: nothing_scheduled(session), timeout=5)
    assert session.status.state is ConnectionState.OFFLINE, status_text(client)
    assert "reconnecting" not in status_text(client)
    return status_lines(client)[-1]


# -- no STARTTLS: refused before any credential leaves the machine ------------------------


@pytest.mark.parametrize("mechanisms", [("ANONYMOUS",), ("EXTERNAL",), ("PLAIN", "SCRAM-SHA-1")],
                         ids=["anonymous", "external", "plain+scram"])
async def test_a_server_offering_no_starttls_is_refused_before_sasl(mechanisms):
    async with FakeXmppServer(mechanisms=mechanisms) as server:
        client = Client()
        jid = f"{USER}@localhost"
        account = client.add_account(
            ConnectionSettings(jid=jid, password=PASSWORD, host=server.host, port=server.port),
            backoff=Backoff(base=0.1, cap=0.2))
        account.session.connect()
        try:
            line = await refused_line(client, account, "offered no TLS")
            assert line == (f"{jid}: server localhost ({server.host}:{server.port}) offered no TLS "
                            "(no STARTTLS): not logging in over an unencrypted connection; not retrying")
            assert status_lines(client).count(line) == 1
            assert server.connections == 1 and not server.authenticated
            sent = bytes(server.received)
            assert sent.startswith(b"<stream:stream to='localhost' "), sent
            for secret in (b"<auth", b"<iq", b"<presence", b"<message", USER.encode(), PASSWORD.encode()):
                assert secret not in sent, (secret, sent)
        finally:
            await account.session.disconnect()
