"""Command palette entries, generated from the command registry.

Choosing a command puts ``/name `` on the input line, ready for arguments:
the palette is a way to discover commands, the input line runs them.
Command names and summaries are our own text, but they still go in as
``Text`` objects, never markup.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider


class CommandProvider(Provider):
    def _commands(self):
        client = getattr(self.app, "client", None)
        return client.registry.all() if client is not None else []

    def _insert(self, name: str) -> None:
        main = getattr(self.app, "main", None)
        if main is not None:
            line = main.input_line
            line.value = f"/{name} "
            line.cursor_position = len(line.value)
            line.focus()

    async def discover(self) -> Hits:
        for cmd in self._commands():
            yield DiscoveryHit(Text(f"/{cmd.name}"), partial(self._insert, cmd.name),
                               text=f"/{cmd.name}", help=cmd.summary)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query.lstrip("/"))
        for cmd in self._commands():
            score = matcher.match(cmd.name)
            if score > 0:
                yield Hit(score, matcher.highlight(f"/{cmd.name}"), partial(self._insert, cmd.name),
                          text=f"/{cmd.name}", help=cmd.summary)
