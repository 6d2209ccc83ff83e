"""Start-up (tui/launch.py) against a real Prosody: the accounts connect
while the face loads in a thread, in the loop the face then runs in, and
the face takes the started client over. The face here is a stand-in (the
real one runs under tmux in tests/terminal/)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

import tui.launch
from tests.harness.app import account_config
from tests.harness.client import status_text
from tui.config import Config
from tui.core.model import ConnectionState
from tui.launch import Early, launch


class SecretAsker:
    """The face's side of Client.ask_secret."""

    async def ask_secret(self, prompt: str) -> str | None:
        return f"answer to {prompt}"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Early]:
    """The Early that launch() made (the real start_early), kept for the test."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    made: list[Early] = []
    real = tui.launch.start_early

    def start_early(config: Config) -> Early:
        made.append(real(config))
        return made[-1]

    monkeypatch.setattr(tui.launch, "start_early", start_early)
    return made


def wait_in_thread(condition, timeout: float = 10.0) -> None:
    """In the face's import thread: poll until the loop's thread made ``condition`` true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting in the import thread")
        time.sleep(0.005)


def test_the_accounts_go_online_while_the_face_is_imported(prosody, make_account, started, monkeypatch):
    jid, password = make_account("alice")
    config = Config(accounts=[account_config(prosody, jid, password)])
    faces: list[dict] = []

    async def run_face(config_given, config_path, early):
        early_account = early.client.accounts.get(jid)
        asking = asyncio.ensure_future(early.client.ask_secret("the key"))
        await asyncio.sleep(0.05)
        waited = not asking.done()  # no face yet: the question waits for it
        early.client.ui = SecretAsker()
        early.client.face_ready()
        answer = await asking
        await early.started
        faces.append({"config": config_given, "early": early, "waited": waited, "answer": answer,
                      "online": early_account.session.status.state is ConnectionState.ONLINE,
                      "loop": asyncio.get_running_loop() is early_account.session.xmpp.loop})
        await early.client.accounts.disconnect_all("bye")
        return 5

    def import_face():  # stands in for importing Textual: busy until the account is online
        assert threading.current_thread() is not threading.main_thread()
        wait_in_thread(lambda: bool(started) and started[0].client.accounts.get(jid) is not None
                       and started[0].client.accounts.get(jid).session.online)
        return run_face

    monkeypatch.setattr(tui.launch, "import_face", import_face)
    assert launch(config, None) == 5
    [face] = faces
    assert face["config"] is config and face["early"] is started[0]
    assert face["online"] and face["loop"]  # slixmpp ran in the loop the face runs in
    assert (face["waited"], face["answer"]) == (True, "answer to the key")
    status = status_text(started[0].client)
    assert status.index("Welcome to Parlons") < status.index(f"{jid}: online")
    assert started[0].paste_policy.has_password(password)  # the policy the face is given


def test_a_face_that_cannot_load_leaves_no_account_online(prosody, make_account, started, monkeypatch):
    jid, password = make_account("alice")
    config = Config(accounts=[account_config(prosody, jid, password)])

    def import_face():
        wait_in_thread(lambda: bool(started) and started[0].client.accounts.get(jid) is not None
                       and started[0].client.accounts.get(jid).session.online)
        raise ImportError("no face")

    monkeypatch.setattr(tui.launch, "import_face", import_face)
    with pytest.raises(ImportError, match="no face"):
        launch(config, None)
    session = started[0].client.accounts.get(jid).session
    assert session.status.state is ConnectionState.OFFLINE
    assert "online" in status_text(started[0].client)
