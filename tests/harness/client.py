"""A headless Parlons ``Client`` (no UI) in tests: typing a line into it and
reading its windows as text."""

from __future__ import annotations

from tui.client import Client


def status_text(client: Client) -> str:
    return "\n".join(line.body for line in client.windows.status.lines)


def window_text(window) -> str:
    return "\n".join(f"{line.nick} {line.body}".strip() for line in window.lines)


async def run(client: Client, line: str, window=None) -> None:
    await client.handle_input(line, window or client.windows.status)
