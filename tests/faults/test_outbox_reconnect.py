"""Messages typed while the link is cut leave by themselves once we are
back, exactly once each and in the order typed: when the server resumes
the stream (XEP-0198: slixmpp then resends what it had in flight itself)
and when it cannot (the session hibernated too long: slixmpp has dropped
its copies, ours go out). No /retry; the lines' marks end delivered."""

from __future__ import annotations

import contextlib

from tests.harness.app import fast_backoff
from tests.harness.client import run, status_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.proxy import CuttableProxy
from tests.harness.wait import until
from tui.client import Client
from tui.core.model import Delivery, LineKind
from tui.xmpp.account.session import ConnectionSettings

RECEIPTS = DEFAULT_PLUGINS + ("xep_0184",)  # bob's client acknowledges what it receives


@contextlib.asynccontextmanager
async def client_behind(proxy: CuttableProxy, server, jid: str, password: str, data_dir):
    """A headless Parlons connected through ``proxy``, retrying quickly."""
    client = Client()
    account = client.add_account(ConnectionSettings(
        jid=jid, password=password, host=proxy.host, port=proxy.port, ca_file=server.ca_file),
        backoff=fast_backoff())
    await account.open_history(data_dir)
    account.session.connect()
    try:
        await until(lambda: account.session.online, timeout=10, message=lambda: status_text(client))
        yield client, account
    finally:
        await account.session.disconnect()
        await account.close()


def own_lines(window):
    return [l for l in window.lines if l.kind is LineKind.OUTGOING]


def marks(window) -> list[tuple[str, str]]:
    return [(l.body, l.delivery.value) for l in own_lines(window)]


async def cut_and_type(proxy, alice, account, bob, window) -> list[str]:
    """Cut the link for good, type while it is down; what was typed."""
    # bob's receipt of what he has is in before the cut (one sent to a dying session is lost)
    await until(lambda: marks(window) == [("before the cut", "delivered")], message=lambda: f"{marks(window)}")
    proxy.refuse = True
    proxy.cut()
    typed = ["typed as the link died"]  # the server never sees it: in flight or queued
    await run(alice, typed[0], window)
    await until(lambda: not account.session.online, message=lambda: status_text(alice))
    for n in (1, 2, 3):
        typed.append(f"typed while cut {n}")
        await run(alice, typed[-1], window)
    assert [body for body, _ in marks(window)][-4:] == typed
    assert bob.bodies() == ["before the cut"]
    return typed


async def all_arrive_once(alice, bob, window, expected: list[str]) -> None:
    await until(lambda: bob.bodies() == expected, timeout=10,
                message=lambda: f"{bob.bodies()}\n{window_text(window)}\n{status_text(alice)}")
    await until(lambda: marks(window) == [(body, "delivered") for body in expected],
                message=lambda: f"{marks(window)}")
    # nothing sent twice is still on its way: a barrier sent now arrives after any such copy
    await run(alice, "barrier", window)
    await until(lambda: bob.bodies()[-1:] == ["barrier"], message=lambda: f"{bob.bodies()}")
    assert bob.bodies() == expected + ["barrier"]
    assert not any(l.delivery in (Delivery.PENDING, Delivery.FAILED) for l in own_lines(window))


async def test_typed_while_cut_leaves_once_in_order_when_the_stream_resumes(
        prosody, make_account, make_peer, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer(plugins=RECEIPTS)
    with CuttableProxy(prosody.host, prosody.c2s_port) as proxy:
        async with client_behind(proxy, prosody, jid, password, tmp_path) as (alice, account):
            await run(alice, f"/msg {bob.jid} before the cut")
            await until(lambda: bob.bodies() == ["before the cut"], message=lambda: status_text(alice))
            window = account.chat.find_window(bob.jid)
            typed = await cut_and_type(proxy, alice, account, bob, window)

            proxy.refuse = False  # within the hibernation time: the stream resumes
            await until(lambda: "online (session resumed)" in status_text(alice), message=lambda: status_text(alice))
            await all_arrive_once(alice, bob, window, ["before the cut", *typed])
            assert "resending 4 messages typed while offline" in status_text(alice)


def short_hibernation(server, seconds: int = 1) -> None:
    """Prosody keeps a cut session for ``seconds`` only (smacks_hibernation_time)."""
    server.stop()
    config = server.config_file.read_text()
    assert "smacks_hibernation_time = 60" in config
    server.config_file.write_text(config.replace("smacks_hibernation_time = 60",
                                                 f"smacks_hibernation_time = {seconds}"))
    server.start()


def online_lines(client, jid: str) -> int:
    """How many times a session started (a resumed one says so instead)."""
    return sum(1 for line in client.windows.status.lines if line.body == f"{jid}: online")


def hibernating(server, jid: str) -> bool:
    return jid in server.shell("c2s:show()")


async def test_typed_while_cut_leaves_once_in_order_when_resumption_fails(
        own_prosody, make_account, make_peer, tmp_path):
    short_hibernation(own_prosody)
    jid, password = make_account("alice", server=own_prosody)
    bob = await make_peer(server=own_prosody, plugins=RECEIPTS)
    with CuttableProxy(own_prosody.host, own_prosody.c2s_port) as proxy:
        async with client_behind(proxy, own_prosody, jid, password, tmp_path) as (alice, account):
            await run(alice, f"/msg {bob.jid} before the cut")
            await until(lambda: bob.bodies() == ["before the cut"], message=lambda: status_text(alice))
            window = account.chat.find_window(bob.jid)
            typed = await cut_and_type(proxy, alice, account, bob, window)
            await until(lambda: not hibernating(own_prosody, jid), timeout=5)

            proxy.refuse = False  # the session is gone: resumption fails (sm_failed), a fresh one starts
            await until(lambda: online_lines(alice, jid) == 2, message=lambda: status_text(alice))
            assert "session resumed" not in status_text(alice)
            await all_arrive_once(alice, bob, window, ["before the cut", *typed])
            assert "resending 4 messages typed while offline" in status_text(alice)
