"""From a typed line to a message to send or a command to run.

``parse_input`` decides what a line is; ``bind_args`` fits an argument
string to a command's argument spec; ``execute`` does both and runs the
handler.  Every user mistake becomes a :class:`CommandError` whose text is
one line to show as is (unknown command, usage, wrong window).

Errors raised by a handler other than ``CommandError`` are *not* caught
here: they are bugs or failures (network, storage) that the caller must log
with their traceback and report in one line.  Swallowing them would hide
them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from ..core.windows import WindowKind
from ..text import sanitize_line
from .registry import Command, CommandError, ParsedArgs, Registry

__all__ = [
    "CommandError",
    "Invocation",
    "NOTHING",
    "Nothing",
    "ParsedInput",
    "Ran",
    "SendText",
    "bind_args",
    "execute",
    "parse_input",
    "run_invocation",
    "split_words",
]


@dataclass(frozen=True)
class SendText:
    """A plain message to send to the window's peer or room."""

    text: str


@dataclass(frozen=True)
class Invocation:
    """``/name argstring`` (the name as typed, not yet resolved)."""

    name: str
    argstring: str


@dataclass(frozen=True)
class Nothing:
    """An empty or whitespace-only line: do nothing."""


NOTHING = Nothing()

ParsedInput = Union[SendText, Invocation, Nothing]


@dataclass(frozen=True)
class Ran:
    """What ``execute`` returns after running a command."""

    command: Command
    args: ParsedArgs
    result: Any


# "/name" then everything after it (DOTALL: a pasted multi-line message body
# belongs to the arguments).
_INVOCATION = re.compile(r"/(\S*)(.*)", re.DOTALL)


def parse_input(text: str) -> ParsedInput:
    """Classify one input line.

    - empty or only whitespace → ``NOTHING``
    - ``//foo`` → ``SendText("/foo")`` (the way to send a leading slash)
    - ``/name args`` → ``Invocation("name", " args")``
    - ``/name?`` → ``Invocation("help", "name")`` (Profanity's ``/CMD?``)
    - anything else → ``SendText(text)`` unchanged
    """
    if not text.strip():
        return NOTHING
    if text.startswith("//"):
        return SendText(text[1:])
    if not text.startswith("/"):
        return SendText(text)
    match = _INVOCATION.fullmatch(text)
    assert match is not None  # the pattern accepts any text starting with "/"
    name, argstring = match.group(1), match.group(2)
    if len(name) > 1 and name.endswith("?") and not argstring.strip():
        return Invocation("help", name[:-1])
    return Invocation(name, argstring)


def _next_token(text: str, pos: int) -> tuple[str, int] | None:
    """The next word after ``pos`` and the index just past it.

    A word may be a double-quoted string ("like this", with ``\\"`` and
    ``\\\\`` escapes) so that a nick or a name with spaces fits one argument.
    Single quotes are ordinary characters (nicks such as O'Brien)."""
    length = len(text)
    while pos < length and text[pos].isspace():
        pos += 1
    if pos >= length:
        return None
    if text[pos] != '"':
        end = pos
        while end < length and not text[end].isspace():
            end += 1
        return text[pos:end], end
    chars: list[str] = []
    index = pos + 1
    while index < length:
        char = text[index]
        if char == "\\" and index + 1 < length and text[index + 1] in '"\\':
            chars.append(text[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    raise CommandError("Unclosed quote in arguments")


def split_words(text: str) -> list[str]:
    """Split an argument string into words, honouring double quotes."""
    words: list[str] = []
    pos = 0
    while (token := _next_token(text, pos)) is not None:
        words.append(token[0])
        pos = token[1]
    return words


def _usage_error(command: Command, bad_value: str | None = None) -> CommandError:
    message = f"Usage: {command.usage}"
    if bad_value is not None:
        message += f" (not understood: {sanitize_line(bad_value)})"
    return CommandError(message)


def _convert(command: Command, arg_index: int, raw: str) -> Any:
    try:
        return command.args[arg_index].convert(raw)
    except ValueError:
        raise _usage_error(command, raw) from None


def bind_args(command: Command, argstring: str) -> ParsedArgs:
    """Fit ``argstring`` to the command's argument spec.

    A ``rest`` argument takes the remainder verbatim (leading whitespace
    stripped).  Raises :class:`CommandError` with ``Usage: /cmd ...`` for a
    missing required argument, too many arguments or a value that is not
    accepted."""
    values: dict[str, Any] = {}
    pos = 0
    for index, arg in enumerate(command.args):
        if arg.rest:
            remainder = argstring[pos:].lstrip()
            pos = len(argstring)
            if not remainder.strip():
                if arg.required:
                    raise _usage_error(command)
                values[arg.name] = None
            else:
                values[arg.name] = _convert(command, index, remainder)
            continue
        token = _next_token(argstring, pos)
        if token is None:
            if arg.required:
                raise _usage_error(command)
            values[arg.name] = None
            continue
        raw, pos = token
        values[arg.name] = _convert(command, index, raw)
    if _next_token(argstring, pos) is not None:
        raise _usage_error(command)
    return ParsedArgs(values, raw=argstring.strip())


async def run_invocation(
    registry: Registry,
    invocation: Invocation,
    ctx: Any,
    window_kind: WindowKind | None,
) -> Ran:
    """Resolve, check the window, bind the arguments, run the handler.

    ``window_kind=None`` skips the window check (e.g. the command palette).
    """
    command = registry.lookup(invocation.name)
    if not command.available_in(window_kind):
        raise CommandError(command.refusal())
    args = bind_args(command, invocation.argstring)
    result = await command.run(ctx, args)
    return Ran(command, args, result)


async def execute(
    registry: Registry,
    text: str,
    ctx: Any,
    window_kind: WindowKind | None,
) -> SendText | Nothing | Ran:
    """Handle one entered line.

    Returns ``SendText`` (the caller sends it to the window's peer),
    ``NOTHING``, or ``Ran`` after a command ran.  Raises ``CommandError``
    with one line to show; any other exception comes from the handler and
    is the caller's to log (see the module docstring)."""
    parsed = parse_input(text)
    if isinstance(parsed, Invocation):
        return await run_invocation(registry, parsed, ctx, window_kind)
    return parsed
