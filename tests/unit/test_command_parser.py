"""Line parsing, argument binding and dispatch."""

from __future__ import annotations

import pytest

from tui.commands.parser import (
    NOTHING,
    Invocation,
    Ran,
    SendText,
    bind_args,
    execute,
    parse_input,
    split_words,
)
from tui.commands.registry import Arg, Command, CommandError, Registry
from tui.core.windows import WindowKind


# -- parse_input ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello", SendText("hello")),
        ("  indented /quit", SendText("  indented /quit")),
        ("//foo", SendText("/foo")),
        ("//", SendText("/")),
        ("", NOTHING),
        ("   \t ", NOTHING),
        ("/join room@conf", Invocation("join", " room@conf")),
        ("/quit", Invocation("quit", "")),
        ("/me waves\nand more", Invocation("me", " waves\nand more")),
        ("/join?", Invocation("help", "join")),
        ("/?", Invocation("?", "")),
        ("/", Invocation("", "")),
    ],
)
def test_parse_input(text, expected):
    assert parse_input(text) == expected


def test_split_words_quotes():
    assert split_words(' a "b c" d\\e "x\\"y" ') == ["a", "b c", "d\\e", 'x"y']
    assert split_words("O'Brien") == ["O'Brien"]
    with pytest.raises(CommandError):
        split_words('"unclosed')


# -- bind_args ----------------------------------------------------------------


def noop(ctx, args):
    return None


MSG = Command("msg", handler=noop, args=(Arg("jid"), Arg("text", rest=True)))
JOIN = Command("join", handler=noop, args=(Arg("room"), Arg("nick", required=False), Arg("password", required=False)))
WIN = Command("win", handler=noop, args=(Arg("target", choices=("next", "prev"), type=int, metavar="N"),))
AWAY = Command("away", handler=noop, args=(Arg("message", required=False, rest=True),))
MODE = Command("mode", handler=noop, args=(Arg("which", choices=("on", "off")),))


def test_rest_argument_is_verbatim():
    args = bind_args(MSG, '   bob@example.org   hello  "world"  ')
    assert args["jid"] == "bob@example.org"
    assert args["text"] == 'hello  "world"  '


def test_quoted_non_rest_argument():
    args = bind_args(JOIN, ' room@conf "My Nick"')
    assert args == {"room": "room@conf", "nick": "My Nick", "password": None}


def test_optional_rest_missing_is_none():
    assert bind_args(AWAY, "   ")["message"] is None
    assert bind_args(AWAY, " gone fishing")["message"] == "gone fishing"


def test_choices_and_type():
    assert bind_args(WIN, " 3")["target"] == 3
    assert bind_args(WIN, " NEXT")["target"] == "next"  # normalised
    assert bind_args(MODE, " Off")["which"] == "off"


@pytest.mark.parametrize(
    "command, argstring",
    [
        (MSG, ""),  # missing required
        (MSG, " bob@example.org"),  # missing required rest
        (WIN, ""),
        (WIN, " 1 2"),  # too many
        (JOIN, " a b c d"),
    ],
)
def test_usage_errors_are_one_line(command, argstring):
    with pytest.raises(CommandError) as info:
        bind_args(command, argstring)
    assert str(info.value) == f"Usage: {command.usage}"


def test_bad_value_names_it():
    with pytest.raises(CommandError) as info:
        bind_args(WIN, " sideways")
    assert str(info.value) == "Usage: /win N|next|prev (not understood: sideways)"
    with pytest.raises(CommandError) as info:
        bind_args(MODE, " maybe")
    assert str(info.value).startswith("Usage: /mode on|off")


# -- execute ------------------------------------------------------------------


def make_registry(calls: list) -> Registry:
    registry = Registry()

    @registry.command("msg", aliases=("m",), args=(Arg("jid"), Arg("text", rest=True)))
    async def msg(ctx, args):
        calls.append(("msg", ctx, dict(args)))
        return "sent"

    @registry.command("part", aliases=("leave",), args=(Arg("reason", required=False, rest=True),), windows={WindowKind.ROOM})
    def part(ctx, args):  # a plain function works too
        calls.append(("part", ctx, dict(args)))

    @registry.command("help", args=(Arg("topic", required=False),))
    def help_(ctx, args):
        calls.append(("help", ctx, dict(args)))

    @registry.command("boom")
    async def boom(ctx, args):
        raise RuntimeError("handler bug")

    return registry


async def test_execute_runs_async_and_sync_handlers():
    calls: list = []
    registry = make_registry(calls)
    ran = await execute(registry, "/m bob@x hi there", "CTX", WindowKind.CHAT)
    assert isinstance(ran, Ran) and ran.result == "sent" and ran.command.name == "msg"
    assert calls[-1] == ("msg", "CTX", {"jid": "bob@x", "text": "hi there"})
    await execute(registry, "/leave bye all", "CTX", WindowKind.ROOM)
    assert calls[-1] == ("part", "CTX", {"reason": "bye all"})


async def test_execute_plain_text_and_nothing():
    registry = make_registry([])
    assert await execute(registry, "hello", None, WindowKind.CHAT) == SendText("hello")
    assert await execute(registry, "//help", None, WindowKind.CHAT) == SendText("/help")
    assert await execute(registry, "  ", None, WindowKind.CHAT) is NOTHING


async def test_unknown_command_exact_text_and_nothing_runs():
    calls: list = []
    registry = make_registry(calls)
    with pytest.raises(CommandError) as info:
        await execute(registry, "/foo bar", None, WindowKind.STATUS)
    assert str(info.value) == "Unknown command /foo (try /help)"
    assert calls == []


async def test_wrong_window_is_refused_before_arguments():
    calls: list = []
    registry = make_registry(calls)
    with pytest.raises(CommandError) as info:
        await execute(registry, "/part", None, WindowKind.STATUS)
    assert str(info.value) == "/part works only in room windows"
    assert calls == []
    # window_kind=None skips the check (command palette)
    await execute(registry, "/part", None, None)
    assert calls[-1][0] == "part"


async def test_question_mark_help():
    calls: list = []
    registry = make_registry(calls)
    await execute(registry, "/msg?", None, WindowKind.STATUS)
    assert calls[-1] == ("help", None, {"topic": "msg"})


async def test_handler_exceptions_propagate():
    registry = make_registry([])
    with pytest.raises(RuntimeError, match="handler bug"):
        await execute(registry, "/boom", None, WindowKind.STATUS)


async def test_usage_error_through_execute():
    registry = make_registry([])
    with pytest.raises(CommandError) as info:
        await execute(registry, "/msg", None, WindowKind.CHAT)
    assert str(info.value) == "Usage: /msg jid text"
