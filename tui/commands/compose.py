"""Composing and copying: /edit (your $EDITOR) and /copy (message or URL).

Both need the UI (a terminal to hand over, a clipboard to reach): they go
through ``client.ui.edit_text`` / ``client.ui.copy_text``. Commands run in
their own task, so awaiting those hooks here never blocks the keys.
"""

from __future__ import annotations

import re

from ..core.model import Line, LineKind
from .context import Context
from .registry import Arg, CommandError, Registry

MESSAGE_KINDS = (LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION)

# http(s), ftp and xmpp: URIs; stops at whitespace, quotes and angle brackets.
# Bounded, so a hostile body cannot make the search slow.
_URL = re.compile(r"""(?:(?:https?|ftp)://|xmpp:)[^\s<>"'`\x00-\x1f]{1,2048}""", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _trim_url(url: str) -> str:
    """Drop sentence punctuation after a URL, and a closing bracket that
    closes the sentence rather than the URL ("(see https://x/a_(b))")."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def urls_in(text: str) -> list[str]:
    urls = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group(0))
        scheme_end = url.index("//") + 2 if "//" in url else len("xmpp:")
        if len(url) > scheme_end:  # not a bare "https://"
            urls.append(url)
    return urls


def messages(lines: list[Line]) -> list[Line]:
    """The window's messages (not command output, events or errors)."""
    return [line for line in lines if line.kind in MESSAGE_KINDS]


def nth_message(lines: list[Line], n: int) -> str:
    """The text of the Nth message from the bottom (1 = the last)."""
    if n < 1:
        raise CommandError("N counts from 1 (the last message)")
    found = messages(lines)
    if not found:
        raise CommandError("No message in this window to copy")
    if n > len(found):
        raise CommandError(f"Only {len(found)} message(s) in this window")
    return found[-n].body


def last_url(lines: list[Line]) -> str:
    for line in reversed(messages(lines)):
        urls = urls_in(line.body)
        if urls:
            return urls[-1]
    raise CommandError("No URL in this window's messages")


def _ui(ctx: Context):
    if ctx.client.ui is None:
        raise CommandError("No user interface to do that")
    return ctx.client.ui


def register(registry: Registry) -> None:
    cmd = registry.command

    @cmd("edit", args=(Arg("text", required=False, rest=True),),
         summary="Compose in your editor ($VISUAL or $EDITOR)", group="compose",
         description="Opens $VISUAL (else $EDITOR, else editor/nano/vi) with the text given, or with "
                     "what is in the input line, the screen suspended. When the editor exits "
                     "successfully its text lands in the input line — nothing is sent until you "
                     "press Enter. Ctrl+X Ctrl+E does the same from the input line.",
         examples=("/edit", "/edit a long answer to start from"))
    async def _edit(ctx: Context, args) -> None:
        # The hook puts the result in the input line, or says why it could not.
        await _ui(ctx).edit_text(args.text)

    @cmd("copy", args=(Arg("which", required=False, choices=("url",), type=int, metavar="N",
                           help="N: the Nth message from the bottom; url: the last URL"),),
         summary="Copy the last message (or the Nth, or the last URL) to the clipboard",
         group="compose",
         description="Copies by OSC 52 (the terminal's clipboard; works over SSH, and in tmux with "
                     "set-clipboard on) and by the system clipboard when there is one, then says which.",
         examples=("/copy", "/copy 3", "/copy url"))
    async def _copy(ctx: Context, args) -> None:
        lines = ctx.window.lines
        if args.which == "url":
            text = last_url(lines)
        else:
            text = nth_message(lines, args.which if args.which is not None else 1)
        where = await _ui(ctx).copy_text(text)
        what = f"the URL {text}" if args.which == "url" else f"{len(text)} characters"
        ctx.out(f"Copied {what} ({where})")
