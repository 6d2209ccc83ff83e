"""Alt+digit and Alt+letter in the legacy key encoding.

Terminals without the kitty keyboard protocol send Alt+1 as ESC "1". Textual
8 maps ESC+digit to macOS Option characters ("¡", "™", "£"...) for WezTerm
on macOS, so an Irssi user's Alt+1 arrives as a "¡" key, indistinguishable
from a typed "¡" — or, for Alt+3, from a British "£". Binding those
characters would steal them from people who type them, so instead we teach
the parser that ESC+digit (and ESC+letter) is Alt+that key, as xterm, tmux,
GNOME Terminal, Konsole and PuTTY mean it. ESC+letter already became
``alt+x`` after the escape delay; the table entry makes it immediate.

Under the kitty protocol ``alt+1`` arrives as such and this table is unused.
"""

from __future__ import annotations

import string

from . import terminal_modes
from .textual_private import KeyName, add_escape_sequences, stamp_keys_by_read


def alt_sequences() -> dict[str, tuple[KeyName]]:
    keys = string.digits + string.ascii_lowercase
    sequences = {f"\x1b{key}": (KeyName(f"alt+{key}"),) for key in keys}
    # ESC CR is Alt+Enter (the composer's newline); Textual would read a
    # plain Enter — which sends.
    sequences["\x1b\r"] = (KeyName("alt+enter"),)
    return sequences


def install() -> None:
    """Patch Textual's sequence table (idempotent; call before the app runs),
    stamp the keys of one read together (a raw paste's timing is what tells
    it from typing), and learn the terminal's answer about bracketed paste."""
    add_escape_sequences(alt_sequences())
    stamp_keys_by_read()
    terminal_modes.install()
