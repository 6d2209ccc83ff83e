"""A headless Parlons client behind a CuttableProxy, for the fault tests of
what comes in while the link is cut (tests/faults/test_tcp_cut*.py,
test_server_restart.py).

    proxy, alice, bob = await cut_link(server, make_account, make_peer, tmp_path)
    await cut(proxy, alice)         # RST both ways, reconnects refused ...
    proxy.refuse = False            # ... until the test lets them through

``short_hibernation_prosody`` is a server of the test's own whose stream
management keeps a dropped session only HIBERNATION seconds, so a
resumption fails as it does after a long cut.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Callable

import pytest
import pytest_asyncio

from tests.harness.app import fast_backoff
from tests.harness.client import headless_client, status_text
from tests.harness.prosody import ProsodyServer
from tests.harness.proxy import CuttableProxy
from tests.harness.wait import until
from tui.core.model import LineKind

HIBERNATION = 1  # seconds


@pytest.fixture
def short_hibernation_prosody(tmp_path: Path):
    server = ProsodyServer(tmp_path / "prosody-short")
    config = server.config_file.read_text()
    assert "smacks_hibernation_time = 60" in config
    server.config_file.write_text(config.replace("smacks_hibernation_time = 60",
                                                 f"smacks_hibernation_time = {HIBERNATION}"))
    with server:
        yield server


@pytest_asyncio.fixture
async def cut_link():
    """A factory: (proxy, alice through it, bob straight to the server), both fully up."""
    opened = []

    async def make(server, make_account, make_peer, tmp_path):
        proxy = CuttableProxy(server.host, server.c2s_port).start()
        jid, password = make_account("alice", server=server)
        context = headless_client(server, jid, password, tmp_path, host=proxy.host, port=proxy.port)
        opened.append((proxy, context))
        alice = await context.__aenter__()
        alice.account.session.backoff = fast_backoff()
        bob = await make_peer(server=server)
        await fully_up(alice)
        return proxy, alice, bob

    yield make
    for proxy, context in reversed(opened):
        await context.__aexit__(None, None, None)
        proxy.stop()


def incoming_bodies(window) -> list[str]:
    """The other side's lines a window shows (none without a window)."""
    if window is None:
        return []
    return [line.body for line in window.lines if line.kind is LineKind.INCOMING]


async def fully_up(client) -> None:
    """Online, stream management on, our presence processed by the server
    (a round trip after it: messages to our bare JID now come to us live)."""
    session = client.account.session
    await until(lambda: session.online and session.announced and session.xmpp.plugin["xep_0198"].enabled_in,
                timeout=10, message=lambda: status_text(client))
    await session.xmpp.plugin["xep_0199"].ping(timeout=10)


async def server_has(peer) -> None:
    """What ``peer`` sent so far was processed by the server (one ordered stream)."""
    await peer.plugin["xep_0199"].ping(timeout=10)


async def quiet(client) -> None:
    """Nothing more is on its way: a round trip, then no archive reading is
    under way (ours, a room's) and the account's queue is idle."""
    account = client.account
    await account.session.xmpp.plugin["xep_0199"].ping(timeout=10)
    await until(lambda: not account.chat.archive.reading and not account.muc.messages.reading
                and account.serial.idle(), timeout=10)


async def cut(proxy, client) -> None:
    """Reset the link and refuse new ones (until ``proxy.refuse = False``); alice noticed."""
    proxy.refuse = True
    assert proxy.cut() >= 1
    await until(lambda: not client.account.session.online, timeout=5)


async def session_expired(server, client) -> None:
    """The server dropped the hibernating session (its queue went to the archive)."""
    async def gone() -> bool:  # prosodyctl takes ~0.2 s: off the loop, alice keeps running
        return client.jid not in await asyncio.to_thread(server.shell, "c2s:show()")
    await until(gone, timeout=10, interval=0.2, message="the server still keeps alice's session")


def stall(server) -> None:
    """The server stops answering (a stalled process: its sockets stay open)."""
    os.kill(server.pid, signal.SIGSTOP)


def unstall(server) -> None:
    os.kill(server.pid, signal.SIGCONT)


def stall_on_archive_query(xmpp, server, archive: str | None = None) -> tuple[list, Callable]:
    """Stall ``server`` as ``xmpp`` sends its first archive query (to
    ``archive``, a room; None: our own). Returns (a list that is non-empty
    once it did, the filter: ``xmpp.del_filter("out", it)`` removes it)."""
    stalled: list = []

    def on_out(stanza):
        if not stalled and stanza.xml.find("{urn:xmpp:mam:2}query") is not None \
                and (stanza["to"].bare or None) == archive:
            stall(server)
            stalled.append(True)
        return stanza
    xmpp.add_filter("out", on_out)
    return stalled, on_out


async def back_online(client, *, resumed: bool) -> None:
    session = client.account.session
    await until(lambda: session.online, timeout=10, message=lambda: status_text(client))
    last = [line for line in status_text(client).splitlines() if ": online" in line][-1]
    assert ("session resumed" in last) is resumed, status_text(client)
