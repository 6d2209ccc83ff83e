"""Fixtures of the integration tests (headless clients, no UI)."""

from __future__ import annotations

import pytest_asyncio

from tests.harness.client import headless_client
from tests.harness.profanity import Profanity


@pytest_asyncio.fixture
async def alice(prosody, make_account, tmp_path):
    """A headless Client with one online account (nick "alice") and a history store."""
    jid, password = make_account("alice")
    async with headless_client(prosody, jid, password, tmp_path) as client:
        yield client


@pytest_asyncio.fixture
async def profanity(prosody, make_account):
    """Profanity (libotr, gpgme) logged in as a fresh "bob", under tmux (tests/harness/profanity.py)."""
    jid, password = make_account("bob")
    peer = Profanity(prosody, jid, password)
    try:
        yield await peer.start()
    finally:
        peer.stop()
