"""The harness itself against the real Prosody: TLS, messages, restarts."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from tests.harness.certs import make_unrelated_ca
from tests.harness.peer import Peer, PeerConnectError
from tests.harness.prosody import ProsodyError, ProsodyServer
from tests.harness.wait import until


async def test_peer_logs_in_with_tls_verified_against_the_run_ca(prosody, make_peer):
    peer = await make_peer()

    transport = peer.xmpp.transport
    tls = transport.get_extra_info("ssl_object")
    assert tls is not None, "the session is not encrypted"
    assert tls.context.verify_mode == ssl.CERT_REQUIRED
    assert tls.context.check_hostname
    subject = dict(field[0] for field in transport.get_extra_info("peercert")["subject"])
    assert subject["commonName"] == prosody.domain
    assert peer.plugin["xep_0198"].enabled_in, "start() returned before stream management was enabled"


async def test_two_peers_exchange_a_message(make_peer):
    alice = await make_peer()
    bob = await make_peer()

    alice.send(bob.jid, "hello bob ✓")
    sender, body, stanza = await until(lambda: bob.messages[0], message="bob receives alice's message")

    assert body == "hello bob ✓"
    assert sender.startswith(alice.jid + "/")
    assert stanza["type"] == "chat"
    assert alice.messages == []


async def test_a_client_trusting_another_ca_is_refused_and_stops_retrying(prosody, make_account, tmp_path):
    jid, password = make_account()
    other_ca = make_unrelated_ca(tmp_path)
    peer = Peer(jid, password, ca_file=other_ca.cert_file, host=prosody.host, port=prosody.c2s_port)
    attempts = []
    peer.xmpp.add_event_handler("connecting", lambda _event: attempts.append(1))

    with pytest.raises(PeerConnectError, match="certificate not trusted"):
        await peer.start(timeout=5)

    assert peer.tls_errors and isinstance(peer.tls_errors[0], ssl.SSLCertVerificationError)
    # slixmpp's first retry would come after ~1 s of back-off; none is even scheduled.
    assert len(attempts) == 1
    assert peer.xmpp._current_connection_attempt is None


async def test_wrong_password_fails_fast_with_a_clear_error(prosody, make_account):
    jid, _password = make_account()
    peer = Peer(jid, "not-the-password", ca_file=prosody.ca_file, host=prosody.host, port=prosody.c2s_port)

    with pytest.raises(PeerConnectError, match="authentication failed"):
        await peer.start(timeout=5)


async def test_server_restarts_on_the_same_ports_with_its_accounts(own_prosody, make_account, make_peer):
    jid, password = make_account(server=own_prosody)
    port = own_prosody.c2s_port
    first = await make_peer(jid, password, server=own_prosody)
    lost = asyncio.Event()
    first.xmpp.add_event_handler("disconnected", lambda _event: lost.set())

    own_prosody.stop()
    await asyncio.wait_for(lost.wait(), 5)
    assert not own_prosody.running
    own_prosody.start()

    assert own_prosody.c2s_port == port
    await first.start()  # the stream-management resume fails; a fresh session follows
    other = await make_peer(server=own_prosody)
    other.send(jid, "after the restart")
    await until(lambda: first.bodies() == ["after the restart"])


async def test_accounts_made_with_prosodyctl_and_directly_both_log_in(own_prosody, make_peer):
    official = own_prosody.register_with_prosodyctl("official", "pw1")
    direct = own_prosody.create_account("direct", "pw2")

    await make_peer(official, "pw1", server=own_prosody)
    await make_peer(direct, "pw2", server=own_prosody)


async def test_muc_and_pubsub_components_answer(prosody, make_peer):
    owner = await make_peer()
    room = f"room-{owner.jid.split('@')[0]}@{prosody.muc_domain}"

    await owner.plugin["xep_0045"].join_muc_wait(room, "owner", timeout=5)
    # Any local account may create nodes on the pubsub component (blog comments).
    await owner.plugin["xep_0060"].create_node(prosody.pubsub_domain, f"comments-{owner.jid}", timeout=5)


def test_a_broken_config_fails_start_with_the_log(tmp_path):
    server = ProsodyServer(tmp_path / "broken")
    server.config_file.write_text(server.config_file.read_text() + "\nthis is not lua\n")

    with pytest.raises(ProsodyError) as failure:
        server.start(timeout=5)

    assert "prosody exited" in str(failure.value)
    assert not server.running


def test_a_module_that_fails_to_load_fails_start(tmp_path):
    server = ProsodyServer(tmp_path / "missing-module")
    config = server.config_file.read_text()
    server.config_file.write_text(config.replace('"admin_shell"', '"admin_shell"; "no_such_module"', 1))

    with pytest.raises(ProsodyError, match="no_such_module"):
        server.start(timeout=5)

    assert not server.running


def test_the_server_works_as_a_context_manager_outside_pytest_fixtures(tmp_path):
    with ProsodyServer(tmp_path / "ctx", domain="example.test") as server:
        assert server.running
        assert server.muc_domain == "conference.example.test"
        assert server.create_account("demo", "pw") == "demo@example.test"
        assert "OK" in server.shell("c2s:show()")
    assert not server.running


async def test_until_returns_the_value_awaits_coroutines_and_reports_timeouts():
    values = iter([0, None, "done"])
    assert await until(lambda: next(values), interval=0.001) == "done"

    async def ready():
        return 42

    assert await until(ready) == 42
    with pytest.raises(AssertionError, match=r"timed out after [0-9.]+ s waiting for the impossible: last raised IndexError"):
        await until(lambda: [][0], timeout=0.05, message="the impossible")  # noqa: PLE0643 (raising is the point)


async def test_the_cuttable_proxy_forwards_then_resets_every_link(prosody):
    from tests.harness.proxy import CuttableProxy

    with CuttableProxy(prosody.host, prosody.c2s_port) as proxy:
        reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
        writer.write(b"<?xml version='1.0'?><stream:stream to='" + prosody.domain.encode() +
                     b"' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
        await writer.drain()
        first = await asyncio.wait_for(reader.read(4096), 10)
        assert b"starttls" in first, first
        await until(lambda: proxy.open_links == 1)

        assert proxy.cut() == 1
        with pytest.raises(ConnectionResetError):  # a reset, not a clean end of stream
            while await asyncio.wait_for(reader.read(4096), 10):
                pass
        writer.close()

        proxy.refuse = True
        with pytest.raises(ConnectionResetError):  # at connect or at the first read
            reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
            while await asyncio.wait_for(reader.read(4096), 10):
                pass
        assert proxy.connections == 1, "a refused connection is not forwarded"
