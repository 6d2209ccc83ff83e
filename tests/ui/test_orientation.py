"""Issue 12, orientation (Pilot, real Prosody): a new profile's first screen
says what to do, once; the input line names its target as Irssi does
(``[bob]``, ``[#lounge]``, ``[(status)]``) and says "correcting" while Up's
last message is being corrected."""

from __future__ import annotations

import uuid

from tests.harness.app import account_config, running_app, screen_text, status_text
from tests.harness.wait import until
from tui.config import Config, write_config
from tui.core.windows import Activity, WindowKind
from tui.welcome import MARKER


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


def prompt(app) -> str:
    return app.main.prompt.plain


async def test_the_welcome_is_shown_once_per_new_profile(prosody, make_account, tmp_path):
    jid, password = make_account("alice")
    config_path = tmp_path / "config" / "parlons" / "config.toml"
    write_config(config_path, account_config(prosody, jid, password))
    config_bytes = config_path.read_bytes()
    config = Config([account_config(prosody, jid, password)])
    profile = tmp_path / "data" / "parlons"
    room = f"lounge-{uuid.uuid4().hex[:6]}@{prosody.muc_domain}"

    async with running_app(config, config_path=config_path, data_dir=profile) as (app, pilot):
        welcome = status_text(app)
        for words in ("Welcome to Parlons", "Alt+1..0 switch windows",
                      "Alt+A jumps to the next window with activity", "/help lists the commands",
                      "Ctrl+\\ opens the command palette", "F3 shows your contacts",
                      "F4 hides or shows a room's nick list", "Try: /msg NAME hello",
                      "/ox start encrypts it"):
            assert words in welcome, words
        # on screen, at the top of the status window
        assert "Welcome to Parlons" in screen_text(app)
        assert app.client.windows.status.activity is Activity.NONE
        # a room that opens later in this first session is named with its key
        await type_line(app, pilot, f"/join {room}")
        window = await until(lambda: next((w for w in app.client.windows if w.kind is WindowKind.ROOM), None),
                             timeout=10)
        name = room.split("@")[0]
        await until(lambda: f"The room {name} is in window {window.number}: Alt+{window.number} goes there, "
                    "Alt+1 comes back here." in status_text(app), timeout=5, message=lambda: status_text(app))
    # recorded in the profile's data, not in the user's config file
    assert (profile / MARKER).exists()
    assert config_path.read_bytes() == config_bytes

    async with running_app(config, config_path=config_path, data_dir=profile) as (app, pilot):
        await type_line(app, pilot, "/wl")  # a barrier: the status window has caught up
        await until(lambda: "1  status" in status_text(app), timeout=5)
        assert "Welcome" not in status_text(app) and "The room" not in status_text(app)


async def test_the_prompt_names_the_target_and_says_correcting(alice, make_peer, prosody):
    bob = await make_peer()
    room = f"lounge-{uuid.uuid4().hex[:6]}@{prosody.muc_domain}"
    async with running_app(alice.config) as (app, pilot):
        await until(lambda: prompt(app) == "[(status)]", timeout=5, message=lambda: prompt(app))
        line = app.main.input_line
        assert app.main.prompt.region.right <= line.region.x  # shown, before the line
        await type_line(app, pilot, f"/query {bob.jid}")
        chat = await until(lambda: app.client.windows.active.target == bob.jid and app.client.windows.active,
                           timeout=5)
        bob_name = bob.jid.split("@")[0]
        await until(lambda: prompt(app) == f"[{bob_name}]", timeout=5, message=lambda: prompt(app))
        # Up on an empty line: the last message back for correcting, said in words
        await type_line(app, pilot, "see you at 5")
        await until(lambda: bob.bodies() == ["see you at 5"], timeout=5)
        await pilot.press("up")
        assert line.correcting
        await until(lambda: prompt(app) == f"[{bob_name}] correcting:", timeout=5, message=lambda: prompt(app))
        await pilot.press("backspace", "6", "enter")
        await until(lambda: len(bob.messages) == 2, timeout=5)
        await until(lambda: prompt(app) == f"[{bob_name}]", timeout=5, message=lambda: prompt(app))
        # a room: its local part after "#"
        await type_line(app, pilot, f"/join {room}")
        await until(lambda: app.client.windows.active.kind is WindowKind.ROOM, timeout=10)
        await until(lambda: prompt(app) == f"[#{room.split('@')[0]}]", timeout=5, message=lambda: prompt(app))
        await pilot.press("alt+1")
        await until(lambda: prompt(app) == "[(status)]", timeout=5, message=lambda: prompt(app))
        await pilot.press(f"alt+{chat.number}")
        await until(lambda: prompt(app) == f"[{bob_name}]", timeout=5, message=lambda: prompt(app))
