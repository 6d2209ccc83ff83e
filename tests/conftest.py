"""Shared fixtures: a real Prosody, fresh accounts, slixmpp peers, tmux.

    prosody          session   started ProsodyServer shared by all tests
    own_prosody      function  a started ProsodyServer of the test's own (stop/start it freely)
    make_account     function  factory: make_account(prefix="user", server=None) -> (jid, password)
    account          function  the same factory under the other name
    make_peer        function  async factory: await make_peer(jid=None, password=None, *,
                               server=None, plugins=DEFAULT_PLUGINS, send_presence=True) -> Peer
    peer             function  the same factory under the other name
    tmux             function  TmuxDriver, killed (and its socket removed) at teardown

Servers die with the test run even if it is killed: prosody gets SIGTERM
from the kernel when its parent dies (PR_SET_PDEATHSIG), and a finalizer
stops it at interpreter exit.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.harness.peer import DEFAULT_PLUGINS, Peer
from tests.harness.prosody import ProsodyServer
from tests.harness.tmux import TmuxDriver


@pytest.fixture(scope="session", autouse=True)
def private_xdg_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Nothing a test runs may read or write the real user's config, history, logs or cache."""
    base = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(base / name.lower())


@pytest.fixture(scope="session")
def prosody(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProsodyServer]:
    with ProsodyServer(tmp_path_factory.mktemp("prosody")) as server:
        yield server


@pytest.fixture
def own_prosody(tmp_path: Path) -> Iterator[ProsodyServer]:
    with ProsodyServer(tmp_path / "prosody") as server:
        yield server


@pytest.fixture
def make_account(prosody: ProsodyServer):
    """Fresh accounts with unique names; pass server=own_prosody for that one."""

    def create(prefix: str = "user", server: ProsodyServer | None = None) -> tuple[str, str]:
        target = server or prosody
        user = f"{prefix}-{uuid.uuid4().hex[:8]}"
        password = f"pw-{uuid.uuid4().hex[:12]}"
        return target.create_account(user, password), password

    return create


@pytest.fixture
def account(make_account):
    return make_account


@pytest_asyncio.fixture
async def make_peer(prosody: ProsodyServer, make_account) -> AsyncIterator:
    """Started peers (fresh account unless jid/password are given); all are
    stopped at teardown, on the test's own event loop."""
    peers: list[Peer] = []

    async def create(
        jid: str | None = None,
        password: str | None = None,
        *,
        server: ProsodyServer | None = None,
        plugins=DEFAULT_PLUGINS,
        send_presence: bool = True,
    ) -> Peer:
        target = server or prosody
        if jid is None:
            jid, password = make_account("peer", server=target)
        new_peer = Peer(
            jid, password or "", ca_file=target.ca_file, host=target.host, port=target.c2s_port,
            plugins=plugins, send_presence=send_presence,
        )
        peers.append(new_peer)
        return await new_peer.start()

    yield create
    for started in peers:
        await started.stop()


@pytest_asyncio.fixture
async def peer(make_peer):
    return make_peer


@pytest.fixture
def tmux() -> Iterator[TmuxDriver]:
    driver = TmuxDriver()
    try:
        yield driver
    finally:
        # Printed output is shown by pytest only for failing tests: the last
        # screen is the first thing one wants to see then.
        if driver.socket_path is not None:
            try:
                print(f"--- last tmux screen ({driver.name}) ---\n{driver.capture(history=True)}")
            except Exception as exc:  # the server may already be gone
                print(f"--- tmux screen unavailable: {exc} ---")
        driver.kill()
