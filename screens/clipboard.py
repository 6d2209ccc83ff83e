"""Copying text out of Parlons: OSC 52 and, when it has one, pyperclip's backend.

OSC 52 asks the terminal to set the clipboard: it works over SSH and inside
tmux (``set -g set-clipboard on``), but some terminals ignore it and we never
hear back. pyperclip reaches the clipboard of the machine Parlons runs on
(xclip/xsel, wl-copy, pbcopy...) when there is one. We do both and say which
were tried: the user knows best which one their setup honours.
"""

from __future__ import annotations

import asyncio
import logging

from textual.app import App

from .textual_private import driver_of

log = logging.getLogger(__name__)

# pyperclip shells out (xclip, wl-copy): bounded, so a stuck helper never
# leaves the user waiting for "Copied".
PYPERCLIP_TIMEOUT = 3.0

# pyperclip names its copy functions after the backend (copy_xclip, copy_wl...)
_BACKEND_NAMES = (
    ("wl", "the Wayland clipboard"),
    ("xclip", "the X clipboard"),
    ("xsel", "the X clipboard"),
    ("klipper", "the KDE clipboard"),
    ("qt", "the X clipboard"),
    ("osx", "the macOS clipboard"),
    ("windows", "the Windows clipboard"),
    ("wsl", "the Windows clipboard"),
)


def _pyperclip_copy(text: str) -> str | None:
    """Copy with pyperclip (in a thread): the clipboard's name, or None when
    pyperclip has no backend here (no display, no xclip...).  pyperclip is
    imported here, on the first copy, off the loop: it brings ctypes along
    (~0.3 MiB the start would carry for nothing)."""
    import pyperclip

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:
        log.debug("pyperclip: %s", exc)
        return None
    # The first call replaced the lazy stub with the backend's function.
    name = getattr(pyperclip.copy, "__qualname__", "").lower()
    for fragment, described in _BACKEND_NAMES:
        if f"copy_{fragment}" in name or f"init_{fragment}" in name:
            return described
    return "the system clipboard"


async def system_clipboard_copy(text: str) -> str | None:
    """pyperclip, off the loop: the clipboard's name, or None when pyperclip
    has no backend here or it failed."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(_pyperclip_copy, text), PYPERCLIP_TIMEOUT)
    except (asyncio.TimeoutError, OSError) as exc:
        log.info("pyperclip did not copy: %r", exc)
    return None


def osc52_copy(app: App, text: str) -> bool:
    """Write OSC 52 through the app's driver; False when there is no terminal
    to write to (headless)."""
    app.copy_to_clipboard(text)  # also sets app.clipboard (Textual's own paste)
    return driver_of(app) is not None and not app.is_headless


async def copy_text(app: App, text: str) -> str:
    """Copy ``text`` every way we can; say which ("OSC 52, and the X
    clipboard")."""
    sent_osc52 = osc52_copy(app, text)
    system = await system_clipboard_copy(text)
    if sent_osc52 and system:
        return f"OSC 52, and {system}"
    if sent_osc52:
        return "OSC 52 only: no system clipboard here"
    if system:
        return system
    return "nowhere: no terminal for OSC 52 and no system clipboard"
