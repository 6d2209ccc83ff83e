"""Edit text in the user's own editor ($VISUAL, then $EDITOR), the TUI suspended.

The text goes through a private temporary file (mkstemp: mode 0600, removed
afterwards, whatever happens). The editor runs as an asyncio subprocess
while Textual is suspended, so the event loop — and every XMPP session on it —
keeps running while the user edits; repaints are held back meanwhile (an
incoming message must not draw over the editor).

Without $VISUAL and $EDITOR we try ``editor`` (Debian's alternatives link),
then ``nano``, then ``vi``: the friendliest one that is installed.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import tempfile
from pathlib import Path
from typing import Awaitable, Callable, Mapping

from textual.app import App, SuspendNotSupported

from tui.text import sanitize

from .textual_private import driver_of

FALLBACK_EDITORS = ("editor", "nano", "vi")
# An input line is no place for a book: refuse what would choke it.
MAX_EDITED_BYTES = 256 * 1024

# Runs the editor's argv (the file last) and returns its exit status.
Runner = Callable[[list[str]], Awaitable[int]]


class EditorError(Exception):
    """One line for the user; the input line keeps its text."""


def editor_argv(env: Mapping[str, str] | None = None) -> list[str]:
    """$VISUAL, else $EDITOR (split like a shell would: "code --wait"),
    else the first fallback editor found on PATH."""
    env = os.environ if env is None else env
    for variable in ("VISUAL", "EDITOR"):
        value = env.get(variable, "").strip()
        if value:
            try:
                argv = shlex.split(value)
            except ValueError as exc:
                raise EditorError(f"${variable} cannot be parsed ({exc}): {value}") from None
            if argv:
                return argv
    for name in FALLBACK_EDITORS:
        if shutil.which(name, path=env.get("PATH")):
            return [name]
    raise EditorError("No editor: set $VISUAL or $EDITOR")


def strip_final_newline(text: str) -> str:
    """Editors end the file with a newline the user never typed: drop one."""
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _write_private(text: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="parlons-edit-", suffix=".txt")  # 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


def _read_back(path: Path) -> str:
    with path.open("rb") as handle:
        data = handle.read(MAX_EDITED_BYTES + 1)
    if len(data) > MAX_EDITED_BYTES:
        raise EditorError(f"The edited text is over {MAX_EDITED_BYTES // 1024} KB: not used")
    return data.decode("utf-8", errors="replace")


async def edit_text(text: str, run: Runner, env: Mapping[str, str] | None = None) -> str:
    """Let the user edit ``text`` in their editor; the result without the
    editor's final newline. Raises :class:`EditorError` (one line)."""
    argv = editor_argv(env)
    path = await asyncio.to_thread(_write_private, text)
    try:
        try:
            status = await run([*argv, str(path)])
        except FileNotFoundError:
            raise EditorError(f"Editor not found: {argv[0]} (set $VISUAL or $EDITOR)") from None
        except PermissionError:
            raise EditorError(f"Editor cannot be run: {argv[0]}") from None
        if status != 0:
            raise EditorError(f"The editor ({argv[0]}) exited with status {status}: text unchanged")
        edited = await asyncio.to_thread(_read_back, path)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return sanitize(strip_final_newline(edited))


async def run_plain(argv: list[str]) -> int:
    """Run the editor without touching the terminal (tests, scripts)."""
    process = await asyncio.create_subprocess_exec(*argv)
    return await process.wait()


def suspended_runner(app: App) -> Runner:
    """A runner that hands the terminal to the editor: Textual suspended
    (input thread stopped, alternate screen left), repaints held back."""

    async def run(argv: list[str]) -> int:
        driver = driver_of(app)
        if driver is None or app.is_headless or not driver.can_suspend:
            raise EditorError("Cannot hand this terminal to an editor")
        failure: OSError | None = None
        status = -1
        try:
            # batch_update outside suspend: the repaint waits for the resume.
            # Nothing may escape the suspend block: App.suspend() resumes
            # the terminal only when its block ends normally.
            with app.batch_update(), app.suspend():
                try:
                    status = await run_plain(argv)
                except OSError as exc:
                    failure = exc
        except SuspendNotSupported:
            raise EditorError("Cannot hand this terminal to an editor") from None
        if failure is not None:
            raise failure
        return status

    return run
