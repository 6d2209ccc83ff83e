"""Tab completion, driven by the command declarations.

What is completed depends on where the cursor is:

- ``/he|`` at the start of a line: command names and aliases;
- in the arguments of a command: the argument's ``choices`` plus its
  ``completer`` — a kind looked up in ``providers`` (the app supplies
  ``"window"``, ``"jid"`` — a contact as the commands take it, see
  contacts.py —, ``"recipient"`` — the same plus a room's nicks —,
  ``"nick"``...), a callable, or ``"command"`` (command names, for ``/help``);
- the first word of a plain line: ``line_start_kind`` (``"nick"`` in rooms),
  followed by ``": "`` (Irssi's ``nick: ``);
- any other word of a plain line: ``text_kind`` (optional).

A provider is ``Callable[[str], Iterable[str]]``: it gets the typed prefix and
may pre-filter for speed or return everything; candidates are filtered here
(case-insensitive prefix) and sorted (numbers numerically, then words) —
unless the provider has ``ordered = True`` (room nicks: recent speakers first);
a provider with ``chosen = True`` (contacts) did the matching itself.

:class:`Completer` adds Irssi/bash cycling: the first Tab inserts the first
candidate, each further Tab the next one, Shift+Tab goes back.  Cycling goes
on while the line is exactly what the last completion produced; any other
change (typing) starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from .parser import split_words
from .registry import Arg, CommandError, Registry

Provider = Callable[[str], Iterable[str]]
Providers = Mapping[str, Provider]

NICK_SEPARATOR = ": "
WORD_SEPARATOR = " "


@dataclass(frozen=True)
class Completion:
    """The line after a completion step."""

    text: str
    cursor: int
    candidates: tuple[str, ...]
    index: int

    @property
    def candidate(self) -> str:
        return self.candidates[self.index]


@dataclass(frozen=True)
class _Site:
    """Where a completion applies and what may go there."""

    start: int  # index of the first character of the word being completed
    end: int  # the cursor
    candidates: tuple[str, ...]
    separator: str
    separator_always: bool  # False: only when the candidate is the only one
    quote_spaces: bool  # wrap candidates with spaces in "..." (non-rest arguments)


def _sort_key(candidate: str) -> tuple:
    if candidate.isdigit():
        return (0, int(candidate), "")
    return (1, candidate.casefold(), candidate)


def _matching(prefix: str, candidates: Iterable[str], ordered: bool = False) -> tuple[str, ...]:
    folded = prefix.casefold()
    if ordered:  # the provider's order means something (recent speakers first)
        return tuple(dict.fromkeys(c for c in candidates if c and c.casefold().startswith(folded)))
    unique = {c for c in candidates if c and c.casefold().startswith(folded)}
    return tuple(sorted(unique, key=_sort_key))


def _ordered(kind: str | None, providers: Providers) -> bool:
    """A provider with ``ordered = True`` keeps its order (nicks: recent speakers first)."""
    return bool(getattr(providers.get(kind or ""), "ordered", False))


def _from_kind(kind: str | None, prefix: str, registry: Registry | None, providers: Providers) -> list[str]:
    if kind is None:
        return []
    if kind == "command" and registry is not None and "command" not in providers:
        return registry.words()
    provider = providers.get(kind)
    return list(provider(prefix)) if provider is not None else []


def _chosen(kind: str | None, providers: Providers) -> bool:
    """A provider with ``chosen = True`` matched the prefix itself (contacts:
    a roster name that starts so offers the word that designates the
    contact); what it returns is sorted, not filtered again."""
    return bool(getattr(providers.get(kind or ""), "chosen", False))


def _arg_candidates(arg: Arg, prefix: str, registry: Registry | None, providers: Providers) -> tuple[str, ...]:
    found: list[str] = list(arg.choices or ())
    if callable(arg.completer):
        found += list(arg.completer(prefix))
    elif _chosen(arg.completer, providers):
        matched = _matching(prefix, found)
        chosen = {c for c in _from_kind(arg.completer, prefix, registry, providers) if c and c not in matched}
        return matched + tuple(sorted(chosen, key=_sort_key))
    else:
        found += _from_kind(arg.completer, prefix, registry, providers)
    return _matching(prefix, found)


def _argument_site(
    text: str, start: int, cursor: int, prefix: str, registry: Registry, providers: Providers
) -> _Site | None:
    command_word = text[1:].split(maxsplit=1)[0] if text[1:].strip() else ""
    try:
        command = registry.lookup(command_word)
    except CommandError:
        return None
    between = text[1 + len(command_word) : start]
    try:
        index = len(split_words(between))
    except CommandError:  # an unclosed quote: count plain words instead
        index = len(between.split())
    if not command.args:
        return None
    if index >= len(command.args):
        if not command.args[-1].rest:
            return None
        index = len(command.args) - 1
    arg = command.args[index]
    candidates = _arg_candidates(arg, prefix, registry, providers)
    return _Site(start, cursor, candidates, WORD_SEPARATOR, False, not arg.rest)


def find_site(
    registry: Registry | None,
    text: str,
    cursor: int,
    providers: Providers,
    *,
    line_start_kind: str | None = None,
    text_kind: str | None = None,
) -> _Site | None:
    cursor = max(0, min(cursor, len(text)))
    before = text[:cursor]
    start = cursor
    while start > 0 and not before[start - 1].isspace():
        start -= 1
    word = before[start:]
    prefix = word[1:] if word.startswith('"') else word
    is_command_line = text.startswith("/") and not text.startswith("//")

    if is_command_line and registry is not None:
        if start == 0:
            names = [f"/{w}" for w in registry.words()]
            return _Site(0, cursor, _matching(word, names), WORD_SEPARATOR, False, False)
        return _argument_site(text, start, cursor, prefix, registry, providers)
    if is_command_line or not word:
        return None
    if start == 0 and line_start_kind is not None:
        candidates = _matching(word, _from_kind(line_start_kind, word, registry, providers),
                               _ordered(line_start_kind, providers))
        return _Site(0, cursor, candidates, NICK_SEPARATOR, True, False)
    if text_kind is not None:
        candidates = _matching(word, _from_kind(text_kind, word, registry, providers),
                               _ordered(text_kind, providers))
        return _Site(start, cursor, candidates, WORD_SEPARATOR, False, False)
    return None


def _apply(text: str, site: _Site, index: int) -> Completion:
    candidate = site.candidates[index]
    inserted = candidate
    if site.quote_spaces and any(c.isspace() for c in candidate):
        inserted = '"' + candidate.replace("\\", "\\\\").replace('"', '\\"') + '"'
    suffix = text[site.end :]
    separator = ""
    if site.separator_always or len(site.candidates) == 1:
        separator = site.separator
    new_text = text[: site.start] + inserted
    cursor = len(new_text) + len(separator)
    if separator and suffix.startswith(separator):
        new_text += suffix  # the separator is already there: step over it
    else:
        new_text += separator + suffix
    return Completion(new_text, cursor, site.candidates, index)


def complete(
    registry: Registry | None,
    text: str,
    cursor: int,
    providers: Providers,
    *,
    line_start_kind: str | None = None,
    text_kind: str | None = None,
    backwards: bool = False,
) -> Completion | None:
    """One stateless completion step: the first candidate (the last one when
    ``backwards``), or ``None`` when nothing matches."""
    site = find_site(
        registry, text, cursor, providers, line_start_kind=line_start_kind, text_kind=text_kind
    )
    if site is None or not site.candidates:
        return None
    return _apply(text, site, len(site.candidates) - 1 if backwards else 0)


class Completer:
    """Cycling completion for one input line.

    The app may change ``registry``, ``providers``, ``line_start_kind`` and
    ``text_kind`` at any time (e.g. when the active window changes)."""

    def __init__(
        self,
        registry: Registry | None = None,
        providers: Providers | None = None,
        *,
        line_start_kind: str | None = None,
        text_kind: str | None = None,
    ) -> None:
        self.registry = registry
        self.providers: Providers = providers or {}
        self.line_start_kind = line_start_kind
        self.text_kind = text_kind
        self._site: _Site | None = None
        self._base_text = ""
        self._last: Completion | None = None

    def reset(self) -> None:
        """Forget the cycle (the user typed something)."""
        self._site = None
        self._last = None

    @property
    def cycling(self) -> bool:
        return self._last is not None

    def complete(self, text: str, cursor: int, *, backwards: bool = False) -> Completion | None:
        last = self._last
        if self._site is not None and last is not None and (text, cursor) == (last.text, last.cursor):
            step = -1 if backwards else 1
            index = (last.index + step) % len(self._site.candidates)
            self._last = _apply(self._base_text, self._site, index)
            return self._last
        self.reset()
        site = find_site(
            self.registry,
            text,
            cursor,
            self.providers,
            line_start_kind=self.line_start_kind,
            text_kind=self.text_kind,
        )
        if site is None or not site.candidates:
            return None
        result = _apply(text, site, len(site.candidates) - 1 if backwards else 0)
        # A unique candidate is done: the next Tab completes the next word.
        if len(site.candidates) > 1:
            self._site, self._base_text, self._last = site, text, result
        return result
