"""The first screen of a new profile: a short welcome in the status window.

Shown once per profile: a marker file in the profile's data directory (next
to its history, not in the user's config file) says it was shown. It names
the keys of the key map in use (a user's [keymap] may have moved them), and
the first room window that opens in that first session gets one line saying
which Alt key reaches it (the demo's autojoined room is Alt+2).

No Textual here: the app hands in the key map and the windows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

from .core.events import EventBus, WindowsChanged
from .core.model import LineKind
from .core.windows import Window, WindowKind, WindowList
from .keymap import KeyBinding

log = logging.getLogger(__name__)

MARKER = "welcome-shown"  # in the profile's data directory

_KEY_WORDS = {"backslash": "\\", "left": "Left", "right": "Right", "pageup": "PgUp",
              "pagedown": "PgDn", "home": "Home", "end": "End", "escape": "Esc"}


def key_label(key: str) -> str:
    """A Textual key name as people write it: ``alt+2`` → ``Alt+2``,
    ``ctrl+backslash`` → ``Ctrl+\\``, ``f3`` → ``F3``."""
    parts = key.split("+")
    words = [part.capitalize() for part in parts[:-1]]
    last = parts[-1]
    if last in _KEY_WORDS:
        last = _KEY_WORDS[last]
    elif len(last) == 1:
        last = last.upper() if words else last
    else:
        last = last.upper() if last[:1] == "f" and last[1:].isdigit() else last.capitalize()
    return "+".join([*words, last])


class Keys:
    """The first key bound to each binding id, as a label ("" when unbound)."""

    def __init__(self, keymap: Mapping[str, KeyBinding]) -> None:
        self._keymap = keymap

    def __getitem__(self, binding_id: str) -> str:
        binding = self._keymap.get(binding_id)
        return key_label(binding.keys[0]) if binding is not None and binding.keys else ""

    def window(self, number: int) -> str:
        return self[f"window.goto.{number}"]


def welcome_lines(keys: Keys, windows: WindowList) -> list[str]:
    """The welcome, a few lines, from the keys actually bound."""
    lines = ["Welcome to Parlons! This is the status window: connection news and command output."]
    first, tenth = keys.window(1), keys.window(10)
    moving = []
    if first and tenth:
        modifier, _, digit = tenth.rpartition("+")
        if modifier and first.startswith(modifier + "+"):
            tenth = digit  # "Alt+1..0", as Irssi's docs say it
        moving.append(f"{first}..{tenth} switch windows")
    elif first:
        moving.append(f"{first} comes back here")
    if keys["window.next_activity"]:
        moving.append(f"{keys['window.next_activity']} jumps to the next window with activity")
    prev, nxt = keys["window.prev"], keys["window.next"]
    if prev and nxt:
        moving.append(f"{prev}/{nxt} cycle")
    if moving:
        lines.append(", ".join(moving) + ".")
    for window in windows:
        if window.kind is WindowKind.ROOM:
            lines.append(room_line(keys, window))
            break
    helping = ["/help lists the commands (/help CMD or /CMD? explains one)"]
    if keys["app.command_palette"]:
        helping.append(f"{keys['app.command_palette']} opens the command palette")
    lines.append("; ".join(helping) + ".")
    panes = []
    if keys["roster.toggle"]:
        panes.append(f"{keys['roster.toggle']} shows your contacts beside the log")
    if keys["nicklist.toggle"]:
        panes.append(f"{keys['nicklist.toggle']} hides or shows a room's nick list")
    if panes:
        lines.append("; ".join(panes) + ".")
    lines.append("Try: /msg NAME hello · /join ROOM · /roster · /away lunch (and /away alone: back) · /quit")
    lines.append("In a conversation, /otr start, /pgp start or /ox start encrypts it; "
                 "/blog NAME reads a contact's blog.")
    return lines


def room_line(keys: Keys, window: Window) -> str:
    key = keys.window(window.number)
    where = f"window {window.number}"
    back = keys.window(1)
    if key:
        return f"The room {window.name} is in {where}: {key} goes there" + (f", {back} comes back here." if back else ".")
    return f"The room {window.name} is in {where}: /win {window.number} goes there."


class Welcome:
    """Says the welcome once per profile (``data_dir``), then the first
    room window of that session."""

    def __init__(self, data_dir: Path, windows: WindowList, bus: EventBus,
                 keymap: Mapping[str, KeyBinding]) -> None:
        self.marker = data_dir / MARKER
        self.windows = windows
        self.bus = bus
        self.keys = Keys(keymap)
        self._watching = False

    @property
    def shown_before(self) -> bool:
        return self.marker.exists()

    def show_once(self) -> bool:
        """The welcome in the status window unless this profile saw it; True when shown."""
        if self.shown_before:
            return False
        lines = welcome_lines(self.keys, self.windows)
        for text in lines:
            self.windows.status_line(text, LineKind.INFO)
        try:
            self.marker.parent.mkdir(parents=True, exist_ok=True)
            self.marker.write_text("The welcome was shown; delete this file to see it again.\n")
        except OSError as exc:  # a read-only data dir: said again next time, no harm
            log.warning("could not record the welcome as shown: %s", exc)
        if not any("The room " in text for text in lines):
            self._watching = True
            self.bus.subscribe(WindowsChanged, self._windows_changed)
        return True

    def _windows_changed(self, _event: WindowsChanged) -> None:
        if not self._watching:
            return
        room = next((w for w in self.windows if w.kind is WindowKind.ROOM), None)
        if room is not None:
            self._watching = False
            self.bus.unsubscribe(WindowsChanged, self._windows_changed)
            self.windows.status_line(room_line(self.keys, room), LineKind.INFO)
