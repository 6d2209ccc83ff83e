"""Pastes in the real app (real Prosody, peer bob): nothing is sent before
the user says so; passwords are never pasted nor sent."""

from __future__ import annotations

from textual import events

from screens.paste_confirm import PasteConfirmScreen
from screens import textual_private
from tests.harness.app import running_app, window_text
from tests.harness.wait import until


async def open_chat(app, pilot, jid: str):
    app.main.input_line.value = f"/query {jid}"
    await pilot.press("enter")
    return await until(lambda: app.client.windows.active.target == jid and app.client.windows.active, timeout=5)


def paste(app, text: str) -> None:
    """What the terminal's bracketed paste gives us: lines separated by CR."""
    app.main.input_line.post_message(events.Paste(text.replace("\n", "\r")))


def prompt_text(app) -> str:
    return str(app.screen.query_one("#paste-prompt").render())


async def barrier(app, pilot, bob, text: str, expected: list[str]) -> None:
    """bob gets ``text`` last: whatever was sent before it has arrived."""
    app.main.input_line.value = text
    await pilot.press("enter")
    await until(lambda: bob.bodies()[-1:] == [text], timeout=5)
    assert bob.bodies() == expected + [text]


async def test_multi_line_paste_asks_then_sends_as_told(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await open_chat(app, pilot, bob.jid)
        paste(app, "one\ntwo\n/three\n")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        shown = prompt_text(app)
        assert f"Paste 3 lines (14 B) to {bob.jid}?" in shown and "Ctrl+S send as 3 messages" in shown
        assert "│ one" in shown and "│ /three" in shown
        await pilot.press("escape")
        await until(lambda: "Paste cancelled." in window_text(window), timeout=5)
        await barrier(app, pilot, bob, "b1", [])

        paste(app, "one\ntwo\n/three\n")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        await pilot.press("ctrl+s")
        await barrier(app, pilot, bob, "b2", ["b1", "one", "two", "/three"])

        paste(app, "one\ntwo\n/three\n")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        await pilot.press("enter")
        await barrier(app, pilot, bob, "b3", ["b1", "one", "two", "/three", "b2", "one\ntwo\n/three"])

        paste(app, "a\nb")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        await pilot.press("ctrl+e")  # edit: into the multi-line composer
        composer = app.main.input_line.composer
        await until(lambda: composer.display and composer.text == "a\nb", timeout=5)
        await pilot.press("ctrl+j", "c", "enter")
        await until(lambda: bob.bodies()[-1:] == ["a\nb\nc"], timeout=5)
        await until(lambda: app.main.input_line.has_focus, timeout=5)


async def test_single_line_paste_is_inserted_and_a_secret_pattern_warns(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        await open_chat(app, pilot, bob.jid)
        line = app.main.input_line
        line.value = "say "
        line.cursor_position = 4
        paste(app, "pasted\n")
        await until(lambda: line.value == "say pasted", timeout=5)
        assert not isinstance(app.screen, PasteConfirmScreen)
        line.value = ""
        paste(app, "-----BEGIN RSA PRIVATE KEY-----")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        assert "looks like a secret" in prompt_text(app)
        await pilot.press("escape")
        await barrier(app, pilot, bob, "b1", [])


async def test_password_is_never_pasted_nor_sent(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await open_chat(app, pilot, bob.jid)
        line = app.main.input_line
        paste(app, f"here: {alice.password}")
        await until(lambda: "That looks like your password — not pasted." in window_text(window), timeout=5)
        assert alice.password not in line.value
        line.value = f"typed {alice.password}"
        await pilot.press("enter")
        await until(lambda: "That looks like your password — not sent." in window_text(window), timeout=5)
        assert line.value == "" and alice.password not in "".join(line.history)
        await barrier(app, pilot, bob, "b1", [])


async def test_keys_already_queued_behind_a_paste_do_not_answer_its_prompt(alice, make_peer):
    """Keys that reached the input line in the same instant as the paste
    (before the prompt could be seen) neither answer the prompt nor land in
    the line; the prompt waits for a key pressed once it is shown."""
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        await open_chat(app, pilot, bob.jid)
        line = app.main.input_line
        paste(app, "p1\np2")
        for key, character in (("ctrl+s", "\x13"), ("x", "x"), ("enter", "\r")):
            line.post_message(events.Key(key, character))
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        await pilot.pause()
        await until(lambda: not textual_private.messages_waiting(line), timeout=5)
        assert isinstance(app.screen, PasteConfirmScreen) and line.value == ""
        await pilot.press("ctrl+s")
        await barrier(app, pilot, bob, "b1", ["p1", "p2"])


async def test_a_paste_joins_the_draft_at_the_cursor(alice, make_peer):
    """As typed text would: the prompt shows and sends draft and paste
    together; Esc leaves the draft as it was; a draft command takes the paste."""
    bob, carol = await make_peer(), await make_peer()
    async with running_app(alice.config) as (app, pilot):
        await open_chat(app, pilot, bob.jid)
        line = app.main.input_line
        line.value, line.cursor_position = "look:  (end)", 6
        paste(app, "a\nb")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        assert "Paste 2 lines" in prompt_text(app) and "│ look: a" in prompt_text(app)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, PasteConfirmScreen), timeout=5)
        assert (line.value, line.cursor_position) == ("look:  (end)", 6)
        paste(app, "a\nb")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        await pilot.press("enter")
        await until(lambda: bob.bodies() == ["look: a\nb (end)"], timeout=5)
        assert line.value == ""

        line.value = f"/msg {carol.jid} "
        line.cursor_position = len(line.value)
        paste(app, "/c1\n/c2")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        await pilot.press("ctrl+s")  # line by line: the first goes with the draft, the rest are text
        # ... to this window, although /msg moved the focus to carol's first
        await until(lambda: carol.bodies() == ["/c1"] and bob.bodies()[-1:] == ["/c2"], timeout=5,
                    message=lambda: f"carol {carol.bodies()}, bob {bob.bodies()}")
        assert bob.bodies() == ["look: a\nb (end)", "/c2"]


async def test_a_confirmed_paste_goes_where_its_prompt_said(alice, make_peer):
    """The focus may move while the prompt waits (an earlier /msg focusing its
    window): the paste still goes to the window the prompt named."""
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await open_chat(app, pilot, bob.jid)
        paste(app, "x1\nx2")
        await until(lambda: isinstance(app.screen, PasteConfirmScreen), timeout=5)
        assert f"to {bob.jid}?" in prompt_text(app)
        app.client.windows.switch(1)  # the status window, behind the prompt
        await pilot.press("enter")
        await until(lambda: bob.bodies() == ["x1\nx2"], timeout=5)
        assert "x1" not in window_text(app.client.windows.status) and "x1" in window_text(window)
