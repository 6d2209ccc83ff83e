"""The connection against a real Prosody: TLS verified, clear failures,
reconnection when it can help and only then. (Every way TLS can fail, each
with its own line: tests/hostile/test_tls.py.)"""

from __future__ import annotations

from tests.harness.client import status_text
from tests.harness.wait import until
from tui.client import Client
from tui.core.model import ConnectionState
from tui.xmpp.account.backoff import Backoff
from tui.xmpp.account.session import ConnectionSettings


def settings(server, jid, password, **overrides) -> ConnectionSettings:
    values = dict(jid=jid, password=password, host=server.host, port=server.c2s_port,
                  ca_file=server.ca_file)
    values.update(overrides)
    return ConnectionSettings(**values)


async def test_connects_with_tls_verified_against_the_per_run_ca(prosody, make_account):
    jid, password = make_account("alice")
    client = Client()
    account = client.add_account(settings(prosody, jid, password))
    account.session.connect()
    try:
        await until(lambda: account.session.online, timeout=10, message=lambda: status_text(client))
        xmpp = account.session.xmpp
        assert xmpp.is_connected()
        # STARTTLS was negotiated and the peer certificate verified
        ssl_object = xmpp.transport.get_extra_info("ssl_object")
        assert ssl_object is not None and ssl_object.getpeercert()["subject"]
        # SASL: SCRAM, the password itself never crossed the wire
        assert xmpp.plugin["feature_mechanisms"].mech.name.startswith("SCRAM-")
        assert f"{jid}: online" in status_text(client)
    finally:
        await account.session.disconnect()
    assert account.session.status.state is ConnectionState.OFFLINE


async def test_wrong_password_is_a_clear_line_and_not_retried(prosody, make_account):
    jid, _password = make_account("alice")
    client = Client()
    account = client.add_account(settings(prosody, jid, "not-the-password"),
                                 backoff=Backoff(base=0.1, cap=0.2))
    account.session.connect()
    await until(lambda: "login failed" in status_text(client), timeout=10, message=lambda: status_text(client))
    assert "wrong password" in status_text(client)
    assert "not-the-password" not in status_text(client)
    await until(lambda: account.session.status.state is ConnectionState.OFFLINE, timeout=5)
    await until(lambda: account.session.settled, timeout=5)
    assert "reconnecting" not in status_text(client)
    await account.session.disconnect()


async def test_server_restart_goes_offline_then_back_online_by_itself(own_prosody, make_account):
    jid, password = make_account("alice", server=own_prosody)
    client = Client()
    account = client.add_account(settings(own_prosody, jid, password), backoff=Backoff(base=0.2, cap=1))
    session = account.session
    session.connect()
    try:
        await until(lambda: session.online, timeout=10, message=lambda: status_text(client))
        own_prosody.stop()
        await until(lambda: session.status.state is ConnectionState.RECONNECTING, timeout=10,
                    message=lambda: status_text(client))
        assert "reconnecting in" in status_text(client)
        # attempts keep failing while the server is down, and are reported
        await until(lambda: "cannot reach" in status_text(client), timeout=10, message=lambda: status_text(client))
        described = session.status.describe()
        assert "offline (cannot reach" in described and "reconnecting" in described
        own_prosody.start()
        await until(lambda: session.online, timeout=15, message=lambda: status_text(client))
    finally:
        await session.disconnect()


async def test_unreachable_host_is_reported_and_retried(make_account, prosody):
    jid, password = make_account("alice")
    client = Client()
    # a port nothing listens on (the server's own http port is bound; pick the direct-TLS one, unused)
    from tests.harness.prosody import free_ports

    closed_port = free_ports(1)[0]
    account = client.add_account(settings(prosody, jid, password, port=closed_port),
                                 backoff=Backoff(base=0.2, cap=0.4))
    account.session.connect()
    try:
        await until(lambda: status_text(client).count("cannot reach") >= 2, timeout=10,
                    message=lambda: status_text(client))
        assert f"127.0.0.1:{closed_port}" in status_text(client)
        assert account.session.status.state in (ConnectionState.RECONNECTING, ConnectionState.CONNECTING)
    finally:
        await account.session.disconnect()
    await until(lambda: account.session.settled, timeout=5)


async def test_stream_error_is_one_clear_line(prosody, make_account, make_peer):
    """Another client logging in with the same resource replaces us: the
    server sends a <conflict/> stream error. Retrying would fight that client
    in a loop, so we say it once and stay offline."""
    jid, password = make_account("alice")
    client = Client()
    account = client.add_account(settings(prosody, jid, password, resource="desk"),
                                 backoff=Backoff(base=0.1, cap=0.2))
    session = account.session
    session.connect()
    await until(lambda: session.online, timeout=10, message=lambda: status_text(client))
    usurper = await make_peer(f"{jid}/desk", password)
    await until(lambda: "stream error from server: conflict" in status_text(client), timeout=10,
                message=lambda: status_text(client))
    await until(lambda: session.status.state is ConnectionState.OFFLINE, timeout=5)
    await until(lambda: session.settled, timeout=5)
    assert usurper.xmpp.is_connected()
    await session.disconnect()


async def test_dropped_connection_resumes_the_stream_and_nothing_is_lost(prosody, make_account, make_peer):
    jid, password = make_account("alice")
    bob = await make_peer()
    client = Client()
    account = client.add_account(settings(prosody, jid, password), backoff=Backoff(base=0.5, cap=1))
    session = account.session
    session.connect()
    try:
        # resumable once the server's <enabled> with its id is in: slixmpp sets
        # enabled_out as it *sends* <enable> (a drop before the answer leaves
        # nothing to resume: a new session, 1 run in 15-25 failed so)
        sm = session.xmpp.plugin["xep_0198"]
        await until(lambda: session.online and sm.enabled_in and sm.sm_id,
                    timeout=10, message=lambda: status_text(client))
        # the network goes away under us: no stream close, the server hibernates the session
        session.xmpp.transport.abort()
        await until(lambda: not session.online, timeout=5)
        bob.send(jid, "sent while you were away")
        await until(lambda: "online (session resumed)" in status_text(client), timeout=15,
                    message=lambda: status_text(client))
        window = await until(lambda: client.windows.find(jid, bob.jid), timeout=5)
        await until(lambda: any("sent while you were away" in l.body for l in window.lines), timeout=5)
    finally:
        await session.disconnect()


async def test_direct_tls_port_with_verification(prosody, make_account):
    jid, password = make_account("alice")
    client = Client()
    account = client.add_account(settings(prosody, jid, password, port=prosody.direct_tls_port, direct_tls=True))
    account.session.connect()
    try:
        await until(lambda: account.session.online, timeout=10, message=lambda: status_text(client))
        assert account.session.xmpp.transport.get_extra_info("ssl_object") is not None
    finally:
        await account.session.disconnect()


async def test_a_stream_dropped_before_our_first_presence_announces_it_after_resuming(
        prosody, make_account, make_peer):
    """The network goes away as the roster answer comes in, i.e. just before
    we would announce ourselves. The resumed session must still announce us:
    unannounced, the server keeps every message to our bare JID in offline
    storage, out of this session (seen as a rare loss under load)."""
    jid, password = make_account("alice")
    bob = await make_peer()
    client = Client()
    account = client.add_account(settings(prosody, jid, password), backoff=Backoff(base=0.5, cap=1))
    session = account.session
    dropped = []

    def drop_on_roster(stanza):
        # the roster answer is in: we are about to announce ourselves, and the network goes
        if not dropped and stanza.name == "iq" and stanza["type"] == "result" \
                and stanza.xml.find("{jabber:iq:roster}query") is not None:
            dropped.append(session.announced)
            session.xmpp.transport.abort()
        return stanza

    session.on_client_created(lambda xmpp: xmpp.add_filter("in", drop_on_roster))
    session.connect()
    try:
        await until(lambda: dropped and not session.online, timeout=10, message=lambda: status_text(client))
        assert dropped == [False]  # our first presence had not gone out
        bob.send(jid, "sent while you were away")
        await until(lambda: "online (session resumed)" in status_text(client), timeout=15,
                    message=lambda: status_text(client))
        await until(lambda: session.announced, timeout=5)
        bob.send(jid, "and after")
        window = await until(lambda: client.windows.find(jid, bob.jid), timeout=5)
        await until(lambda: [l.body for l in window.lines if "away" in l.body or "after" in l.body]
                    == ["sent while you were away", "and after"], timeout=5,
                    message=lambda: str([l.body for l in window.lines]))
    finally:
        await session.disconnect()
