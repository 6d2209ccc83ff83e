from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.harness.app import account_config
from tui.config import Config


@pytest.fixture
def alice(prosody, make_account):
    """A fresh account and a one-account config for the app under test."""
    jid, password = make_account("alice")
    return SimpleNamespace(jid=jid, password=password,
                           config=Config([account_config(prosody, jid, password)]))
