"""TLS is required and verified: every way it can fail is refused, offline,
not retried, with a line of its own.

No STARTTLS needs a server Prosody cannot be (tests/harness/fake_server.py);
certificate failures use the real Prosody with a bad certificate.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness.certs import make_server_cert, make_unrelated_ca
from tests.harness.client import status_text
from tests.harness.fake_server import FakeXmppServer
from tests.harness.prosody import ProsodyServer
from tests.harness.wait import until
from tui.client import Client
from tui.core.model import ConnectionState
from tui.xmpp.account.backoff import Backoff
from tui.xmpp.account.session import ConnectionSettings

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


# -- certificates: the real Prosody presenting a bad one ----------------------------------

UNTRUSTED = ("certificate of localhost not trusted (unknown issuer); not retrying — "
             "set ca_file if you trust this server")
EXPIRED = "certificate of localhost has expired; not retrying"
WRONG_HOST = "certificate presented for localhost names another host (host name mismatch); not retrying"


@pytest.fixture
def bad_certificate_server(tmp_path):
    """A Prosody of its own presenting the certificate ``kind`` asks for,
    and the CA file the client should trust."""
    servers = []

    def start(kind: str, shared: ProsodyServer):
        if kind == "untrusted":  # the shared server; the client trusts another CA
            return shared, make_unrelated_ca(tmp_path).cert_file
        server = ProsodyServer(tmp_path / "prosody")
        bad: dict[str, dict[str, Any]] = {"expired": dict(days=-1), "wrong-host": dict(names=["example.org"])}
        make_server_cert(server.certificate.cert_file.parent, server.ca, server.domain, **bad[kind])
        servers.append(server.start())
        return server, server.ca_file

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("direct_tls", [False, True], ids=["starttls", "direct-tls"])
@pytest.mark.parametrize("kind, expected", [("untrusted", UNTRUSTED), ("expired", EXPIRED),
                                            ("wrong-host", WRONG_HOST)],
                         ids=["untrusted-ca", "expired", "wrong-host"])
async def test_a_bad_certificate_is_refused_with_its_own_line(
        kind, expected, direct_tls, bad_certificate_server, prosody, make_account):
    server, ca_file = bad_certificate_server(kind, prosody)
    jid, password = make_account("alice", server=server)
    client = Client()
    port = server.direct_tls_port if direct_tls else server.c2s_port
    account = client.add_account(
        ConnectionSettings(jid=jid, password=password, host=server.host, port=port,
                           ca_file=ca_file, direct_tls=direct_tls),
        backoff=Backoff(base=0.1, cap=0.2))
    account.session.connect()
    try:
        assert await refused_line(client, account, "certificate") == f"{jid}: {expected}"
        assert account.session.status.reason == expected
        assert [line for line in status_lines(client) if "certificate" in line] == [f"{jid}: {expected}"]
    finally:
        await account.session.disconnect()


async def test_stanzas_slipped_in_before_tls_are_dropped_unseen():
    """Someone on the path injects a message and a roster push ahead of the
    features of a stream that then offers no TLS: none of it is shown."""
    forged = ("<message from='bob@localhost/x' to='alice@localhost' type='chat' id='f1'>"
              "<body>forged before TLS</body></message>"
              "<iq type='set' id='r1'><query xmlns='jabber:iq:roster'>"
              "<item jid='mallory@evil.example' name='forged contact'/></query></iq>")
    async with FakeXmppServer(mechanisms=("ANONYMOUS",), preamble=forged) as server:
        client = Client()
        jid = f"{USER}@localhost"
        account = client.add_account(
            ConnectionSettings(jid=jid, password=PASSWORD, host=server.host, port=server.port),
            backoff=Backoff(base=0.1, cap=0.2))
        account.session.connect()
        try:
            assert "offered no TLS" in await refused_line(client, account, "offered no TLS")
            assert [window.name for window in client.windows] == [client.windows.status.name]
            assert account.session.roster_jids() == []
            assert b"<iq" not in bytes(server.received)  # not even an answer to the push
        finally:
            await account.session.disconnect()
