"""Issue 11, "one place that shows the state": the status bar says how the
conversation in view is encrypted, the log marks how each message went (~
encrypted; ! in clear while the conversation is encrypted), /encryption
says it in words — with the test-only rot13 scheme against a real Prosody."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.harness import rot13
from tests.harness.app import account_config, running_app, screen_lines
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.rooms import open_room, room_name
from tests.harness.wait import until
from tests.ui.test_conversations import open_chat, type_line
from tui.config import Config
from tui.core.windows import WindowKind
from tui.xmpp.conversation.encryption import registered

PEER_PLUGINS = DEFAULT_PLUGINS + ("xep_0308", "xep_0359")


def AVAILABLE() -> str:  # noqa: N802 - reads as the constant it stands for
    """The schemes /encryption lists: rot13 and those Parlons ships (otr)."""
    return ", ".join(registered())


@pytest.fixture(autouse=True)
def rot13_registered():
    rot13.register()
    yield
    rot13.unregister()


def row_with(app, text: str) -> str:
    """The log row that shows ``text`` (a message body)."""
    rows = [row for row in screen_lines(app) if row.rstrip().endswith(text)]
    assert len(rows) == 1, screen_lines(app)
    return rows[0]


def style_of(bar, text: str) -> str:
    """The style the status bar gives ``text`` (a whole span of it)."""
    plain = bar.text.plain
    start = plain.index(text)
    return next(str(span.style) for span in bar.text.spans if (span.start, span.end) == (start, start + len(text)))


async def test_status_bar_and_log_say_how_a_conversation_is_encrypted(alice, make_peer):
    bob = await make_peer(plugins=PEER_PLUGINS)
    async with running_app(alice.config) as (app, pilot):
        bar = app.main.query_one("#statusbar")
        assert "[plaintext]" not in bar.plain  # the status window is no conversation
        window = await open_chat(app, pilot, bob.jid)
        await until(lambda: "[plaintext]" in bar.plain, timeout=5, message=lambda: bar.plain)

        await type_line(app, pilot, "said in clear")
        await until(lambda: bob.bodies() == ["said in clear"], timeout=5)
        await until(lambda: "said in clear" in "".join(screen_lines(app)), timeout=5)
        clear_row = row_with(app, "said in clear")
        assert "~" not in clear_row and "!" not in clear_row  # a plain conversation: no marks

        await type_line(app, pilot, "/encrypt rot13")
        await until(lambda: "[rot13]" in bar.plain and "[plaintext]" not in bar.plain, timeout=5,
                    message=lambda: bar.plain)
        assert style_of(bar, "rot13") == "green"
        windowbar = app.main.query_one("#windowbar")
        await until(lambda: f" {window.number}:{window.name}~ " in windowbar.plain, timeout=5,
                    message=lambda: windowbar.plain)
        # what went in clear before is marked so now
        await until(lambda: "! <" in row_with(app, "said in clear"), timeout=5,
                    message=lambda: "\n".join(screen_lines(app)))

        await type_line(app, pilot, "said encrypted")
        await until(lambda: len(bob.messages) == 2, timeout=5)
        assert rot13.payload(bob.messages[1].stanza) is not None
        assert bob.messages[1].body == rot13.FALLBACK
        await until(lambda: "~ <" in row_with(app, "said encrypted"), timeout=5,
                    message=lambda: "\n".join(screen_lines(app)))

        rot13.encrypted_message(bob, alice.jid, "answered encrypted").send()
        bob.send(alice.jid, "answered in clear")
        await until(lambda: "answered in clear" in "".join(screen_lines(app)), timeout=5,
                    message=lambda: "\n".join(screen_lines(app)))
        assert "~ <" in row_with(app, "answered encrypted")
        assert "! <" in row_with(app, "answered in clear")
        assert [l.encryption for l in window.lines if l.body.startswith(("said", "answered"))] == [
            "", "rot13", "rot13", ""]

        await type_line(app, pilot, "/encryption")
        await until(lambda: f"Encrypted: rot13; what you send goes with rot13 (available: {AVAILABLE()})"
                    in "".join(screen_lines(app)), timeout=5, message=lambda: "\n".join(screen_lines(app)))

        # the scheme's state changes on its own: EncryptionChanged redraws the status bar
        account = app.client.accounts.get(alice.jid)
        scheme = account.encryption.instance("rot13")
        lines_before = len(window.lines)
        scheme.state = lambda jid: "rot13 finished by peer" if jid == bob.jid else None
        account.encryption.host.changed(bob.jid)
        await until(lambda: "[rot13 finished by peer]" in bar.plain, timeout=5, message=lambda: bar.plain)
        assert style_of(bar, "rot13 finished by peer") == "bold red"
        scheme.state = lambda jid: "rot13 unverified"
        account.encryption.host.changed(bob.jid)
        await until(lambda: "[rot13 unverified]" in bar.plain, timeout=5, message=lambda: bar.plain)
        assert style_of(bar, "rot13 unverified") == "yellow"
        assert len(window.lines) == lines_before  # no line added: the event alone redrew it
        del scheme.state

        await type_line(app, pilot, "/encrypt off")
        await until(lambda: "[plaintext]" in bar.plain, timeout=5, message=lambda: bar.plain)
        await until(lambda: "!" not in row_with(app, "answered in clear"), timeout=5,
                    message=lambda: "\n".join(screen_lines(app)))
        assert "~ <" in row_with(app, "said encrypted")  # how it went stays said
        assert f" {window.number}:{window.name} " in windowbar.plain
        await type_line(app, pilot, "/encryption")
        await until(lambda: f"Not encrypted (available: {AVAILABLE()})" in "".join(screen_lines(app)), timeout=5)

        await pilot.press("alt+1")  # the status window: no conversation, no state
        await until(lambda: "[plaintext]" not in bar.plain, timeout=5, message=lambda: bar.plain)


@pytest.fixture
def alice_in_rooms(prosody, make_account):
    """Alice with nick "alice" and the test server's MUC service configured."""
    jid, password = make_account("alice")
    return SimpleNamespace(jid=jid, password=password, config=Config([account_config(
        prosody, jid, password, nick="alice", muc_service=prosody.muc_domain)]))


async def test_a_room_shows_its_state_and_marks_what_went_encrypted(alice_in_rooms, prosody, make_peer):
    alice = alice_in_rooms
    bob = await make_peer(plugins=PEER_PLUGINS)
    room = room_name(prosody)
    await open_room(bob, room, "bob")
    async with running_app(alice.config) as (app, pilot):
        bar = app.main.query_one("#statusbar")
        await type_line(app, pilot, f"/join {room}")
        await until(lambda: app.client.windows.active.kind is WindowKind.ROOM, timeout=5)
        await until(lambda: "[plaintext]" in bar.plain, timeout=5, message=lambda: bar.plain)
        await type_line(app, pilot, "/encrypt rot13")
        await until(lambda: "[rot13]" in bar.plain, timeout=5, message=lambda: bar.plain)
        await type_line(app, pilot, "to the room, encrypted")
        await until(lambda: "to the room, encrypted" in "".join(screen_lines(app)), timeout=5)
        await until(lambda: "~ <alice>" in row_with(app, "to the room, encrypted"), timeout=5,
                    message=lambda: "\n".join(screen_lines(app)))
        bob.send(room, "room, in clear", mtype="groupchat")
        await until(lambda: "room, in clear" in "".join(screen_lines(app)), timeout=5)
        assert "! <bob>" in row_with(app, "room, in clear")
