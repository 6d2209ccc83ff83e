"""Commands are declared once.

A :class:`Command` carries everything the client needs to know about a slash
command: its name and aliases, its argument spec (which drives parsing, usage
messages and tab completion), its help text, the windows it applies to and the
function that runs it.  Help, completion and argument errors are all generated
from this one declaration (Profanity's idea).

Lookup follows Irssi: an exact name or alias wins; otherwise a unique prefix
of a name or alias (``/he`` → ``/help``); an ambiguous prefix is an error that
lists the candidates.

No Textual import here: the registry is core logic.
"""

from __future__ import annotations

import difflib
import inspect
from dataclasses import KW_ONLY, dataclass
from typing import Any, Awaitable, Callable, Iterable, Iterator, Mapping, Union

from ..core.windows import WindowKind
from ..text import sanitize_line

CompleterSpec = Union[str, Callable[[str], Iterable[str]], None]
"""A completion kind ("window", "command", "jid", "nick", ... looked up in the
providers the app supplies) or a callable ``prefix -> candidates``."""

Handler = Callable[[Any, "ParsedArgs"], Union[Awaitable[Any], Any]]


class CommandError(Exception):
    """A user-facing, one-line error (unknown command, bad arguments, a
    command refused in this window...).  Handlers raise it too to report a
    user mistake; ``str(error)`` is the line to show."""


class DuplicateCommandError(ValueError):
    """A programming error: a name or alias was registered twice."""


def _clean_name(name: str) -> str:
    return name.strip().lstrip("/").lower()


@dataclass(frozen=True)
class Arg:
    """One positional argument of a command."""

    name: str
    required: bool = True
    # The last argument may take the rest of the line verbatim (a message text).
    rest: bool = False
    # Accepted words (matched case-insensitively, normalised to the spelling here).
    choices: tuple[str, ...] | None = None
    completer: CompleterSpec = None
    help: str = ""
    # Converter for values that are not one of `choices` (e.g. ``int`` for
    # "/win N|next|prev"); a ValueError/TypeError becomes a usage error.
    type: Callable[[str], Any] | None = None
    # What the usage line shows instead of `name` (e.g. "N").
    metavar: str | None = None

    def __post_init__(self) -> None:
        if self.choices is not None and not isinstance(self.choices, tuple):
            object.__setattr__(self, "choices", tuple(self.choices))

    def usage(self) -> str:
        """The argument as shown in a usage line: ``jid``, ``[nick]``,
        ``N|next|prev``."""
        parts: list[str] = []
        if self.choices is None or self.type is not None:
            parts.append(self.metavar or self.name)
        if self.choices:
            parts.extend(self.choices)
        text = "|".join(parts)
        return text if self.required else f"[{text}]"

    def convert(self, raw: str) -> Any:
        """Validate/convert one value; raises ValueError when it is not
        acceptable."""
        if self.choices:
            folded = raw.casefold()
            for choice in self.choices:
                if choice.casefold() == folded:
                    return choice
            if self.type is None:
                raise ValueError(raw)
        if self.type is not None:
            try:
                return self.type(raw)
            except (ValueError, TypeError) as exc:
                raise ValueError(raw) from exc
        return raw


class ParsedArgs(Mapping[str, Any]):
    """Argument values by name.  An optional argument that was not given is
    present with value ``None``.  Attribute access works too (``args.jid``)."""

    def __init__(self, values: Mapping[str, Any], raw: str = "") -> None:
        self._values = dict(values)
        self.raw = raw  # the argument string as typed

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"ParsedArgs({self._values!r})"


@dataclass(frozen=True)
class Command:
    name: str
    _: KW_ONLY
    handler: Handler
    aliases: tuple[str, ...] = ()
    args: tuple[Arg, ...] = ()
    summary: str = ""
    description: str = ""
    examples: tuple[str, ...] = ()
    # None = available in every window; otherwise refused elsewhere.
    windows: frozenset[WindowKind] | None = None
    group: str = "general"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _clean_name(self.name))
        object.__setattr__(self, "aliases", tuple(_clean_name(a) for a in self.aliases))
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "examples", tuple(self.examples))
        if self.windows is not None:
            object.__setattr__(self, "windows", frozenset(self.windows))
        for word in (self.name, *self.aliases):
            if not word or any(c.isspace() for c in word) or word.endswith("?"):
                raise ValueError(f"bad command name or alias {word!r}")
        seen_optional = False
        for index, arg in enumerate(self.args):
            if arg.rest and index != len(self.args) - 1:
                raise ValueError(f"/{self.name}: only the last argument may take the rest of the line")
            if arg.required and seen_optional:
                raise ValueError(f"/{self.name}: required argument {arg.name!r} after an optional one")
            seen_optional = seen_optional or not arg.required
        names = [arg.name for arg in self.args]
        if len(set(names)) != len(names):
            raise ValueError(f"/{self.name}: duplicate argument names")

    @property
    def usage(self) -> str:
        """``/win N|next|prev``"""
        return " ".join([f"/{self.name}", *(arg.usage() for arg in self.args)])

    def available_in(self, kind: WindowKind | None) -> bool:
        return self.windows is None or kind is None or kind in self.windows

    def refusal(self) -> str:
        """The one-line message for a command used in the wrong window."""
        kinds = sorted(kind.value for kind in self.windows or ())
        if len(kinds) > 1:
            listed = ", ".join(kinds[:-1]) + " and " + kinds[-1]
        else:
            listed = "".join(kinds)
        return f"/{self.name} works only in {listed} windows"

    async def run(self, ctx: Any, args: ParsedArgs) -> Any:
        """Call the handler, awaiting it when it is a coroutine function."""
        result = self.handler(ctx, args)
        if inspect.isawaitable(result):
            result = await result
        return result


def unknown_command(name: str, nearest: str | None = None) -> CommandError:
    """The one line for a command word nothing matches; ``nearest``: the
    registered word it most likely meant (a typo), suggested instead of /help."""
    if nearest:
        return CommandError(f"Unknown command /{sanitize_line(name)} — did you mean /{nearest}?")
    return CommandError(f"Unknown command /{sanitize_line(name)} (try /help)")


SUGGEST_CUTOFF = 0.6  # difflib's ratio: "jion"/"join" is 0.75, "nosuch" matches nothing


class Registry:
    def __init__(self, fill: Callable[[Registry], None] | None = None) -> None:
        """``fill(registry)`` registers the commands when the registry is first
        asked about one (a command run, Tab after "/"), not when it is made."""
        self._commands: dict[str, Command] = {}
        self._by_word: dict[str, Command] = {}  # names and aliases
        self._fill = fill

    def _filled(self) -> None:
        fill, self._fill = self._fill, None
        if fill is not None:
            fill(self)

    def prepare(self) -> None:
        """Fill it now if it is not yet: a command is being typed (the input
        line starts with "/"), and its Enter should not wait for the command
        modules' imports (~7 ms: W7's /join)."""
        self._filled()

    def register(self, command: Command) -> Command:
        words = (command.name, *command.aliases)
        if len(set(words)) != len(words):
            raise DuplicateCommandError(f"/{command.name}: an alias repeats a name")
        for word in words:
            if word in self._by_word:
                owner = self._by_word[word].name
                raise DuplicateCommandError(f"/{word} is already registered (by /{owner})")
        self._commands[command.name] = command
        for word in words:
            self._by_word[word] = command
        return command

    def command(self, name: str, **fields: Any) -> Callable[[Handler], Handler]:
        """Decorator form: ``@registry.command("join", aliases=("j",), ...)``.
        The function is returned unchanged so it stays testable."""

        def decorate(handler: Handler) -> Handler:
            self.register(Command(name, handler=handler, **fields))
            return handler

        return decorate

    def get(self, word: str) -> Command | None:
        """Exact name or alias only."""
        self._filled()
        return self._by_word.get(_clean_name(word))

    def lookup(self, word: str) -> Command:
        """Resolve a typed command word: exact name/alias, else a unique
        prefix.  Raises :class:`CommandError` (unknown or ambiguous)."""
        self._filled()
        typed = word.strip().lstrip("/")
        key = typed.lower()
        if not key:
            raise unknown_command(typed)
        exact = self._by_word.get(key)
        if exact is not None:
            return exact
        matches = {cmd.name: cmd for w, cmd in self._by_word.items() if w.startswith(key)}
        if len(matches) == 1:
            return next(iter(matches.values()))
        if not matches:
            raise unknown_command(typed, self.nearest(key))
        listed = ", ".join(f"/{name}" for name in sorted(matches))
        raise CommandError(f"Ambiguous command /{sanitize_line(typed)}: {listed}")

    def nearest(self, word: str) -> str | None:
        """The registered name or alias closest to a mistyped ``word``
        (transposed or missing letters), or None when none is close."""
        self._filled()
        close = difflib.get_close_matches(word.lower(), self._by_word, n=1, cutoff=SUGGEST_CUTOFF)
        return close[0] if close else None

    def all(self) -> list[Command]:
        self._filled()
        return [self._commands[name] for name in sorted(self._commands)]

    def words(self) -> list[str]:
        """Every name and alias, sorted (what completion offers after ``/``)."""
        self._filled()
        return sorted(self._by_word)

    def __contains__(self, word: object) -> bool:
        self._filled()
        return isinstance(word, str) and _clean_name(word) in self._by_word

    def __iter__(self) -> Iterator[Command]:
        return iter(self.all())

    def __len__(self) -> int:
        self._filled()
        return len(self._commands)
