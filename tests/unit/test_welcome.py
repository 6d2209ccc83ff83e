"""The welcome names the keys of the key map in use, and is said once per
profile (a marker in its data directory)."""

from __future__ import annotations

from tui.core.events import EventBus
from tui.core.windows import WindowKind, WindowList
from tui.keymap import load_keymap
from tui.welcome import MARKER, Keys, Welcome, key_label, welcome_lines


def test_key_labels():
    assert [key_label(k) for k in ("alt+2", "ctrl+backslash", "f3", "ctrl+p", "alt+left", "alt+a")] == \
        ["Alt+2", "Ctrl+\\", "F3", "Ctrl+P", "Alt+Left", "Alt+A"]


def test_the_lines_follow_the_users_keymap():
    windows = WindowList(EventBus())
    lines = "\n".join(welcome_lines(Keys(load_keymap("irssi", {"roster.toggle": "f5",
                                                                "app.command_palette": []})), windows))
    assert "F5 shows your contacts" in lines and "F3" not in lines
    assert "command palette" not in lines  # unbound: not promised
    assert "Alt+1..0 switch windows" in lines


def test_once_per_profile_and_the_first_room_named(tmp_path):
    bus = EventBus()
    windows = WindowList(bus)
    keymap = load_keymap("irssi")
    assert Welcome(tmp_path / "profile", windows, bus, keymap).show_once()
    assert (tmp_path / "profile" / MARKER).exists()
    shown = len(windows.status.lines)
    windows.open("lounge", WindowKind.ROOM, "alice@example.org", "lounge@rooms.example.org")
    assert windows.status.lines[-1].body == "The room lounge is in window 2: Alt+2 goes there, Alt+1 comes back here."
    windows.open("dev", WindowKind.ROOM, "alice@example.org", "dev@rooms.example.org")
    assert len(windows.status.lines) == shown + 1  # the first room only
    again = WindowList(EventBus())
    assert not Welcome(tmp_path / "profile", again, EventBus(), keymap).show_once()
    assert again.status.lines == []
