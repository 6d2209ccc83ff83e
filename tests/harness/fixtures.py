"""Fixtures shared by the fault and hostile suites (their conftests import
them): ``alice`` is a headless Client (no UI) online on the shared server,
with a history store; ``alice_app`` is a fresh account and a one-account
config for the real app (``running_app``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import pytest_asyncio

from tests.harness.app import account_config
from tests.harness.client import headless_client
from tui.config import Config


@pytest_asyncio.fixture
async def alice(prosody, make_account, tmp_path):
    jid, password = make_account("alice")
    async with headless_client(prosody, jid, password, tmp_path) as client:
        yield client


@pytest.fixture
def alice_app(prosody, make_account):
    jid, password = make_account("alice")
    return SimpleNamespace(jid=jid, password=password,
                           config=Config([account_config(prosody, jid, password)]))
