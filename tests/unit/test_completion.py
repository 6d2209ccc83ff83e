"""Tab completion: command names, arguments through providers, nicks."""

from __future__ import annotations

from tui.commands.completion import Completer, complete
from tui.commands.registry import Arg, Registry


def noop(ctx, args):
    return None


def make_registry() -> Registry:
    registry = Registry()
    reg = registry.command
    reg("help", args=(Arg("topic", required=False, completer="command"),))(noop)
    reg("hello")(noop)
    reg("join", aliases=("j",), args=(Arg("room", completer="room"), Arg("nick", required=False, completer="nick")))(noop)
    reg("window", aliases=("win",), args=(Arg("target", choices=("next", "prev"), type=int, completer="window"),))(noop)
    reg("msg", args=(Arg("jid", completer="jid"), Arg("text", rest=True, completer="nick")))(noop)
    reg("quit")(noop)
    return registry


PROVIDERS = {
    "window": lambda prefix: ["10", "2", "1", "status"],
    "jid": lambda prefix: ["bob@example.org", "Bea@example.org", "alice@example.org"],
    "nick": lambda prefix: ["Alice", "alfred", "bob", "Big Al"],
}


def test_command_name_unique_appends_space():
    c = complete(make_registry(), "/q", 2, PROVIDERS)
    assert (c.text, c.cursor) == ("/quit ", 6)


def test_command_name_includes_aliases_and_cycles():
    completer = Completer(make_registry(), PROVIDERS)
    first = completer.complete("/w", 2)
    assert first.candidates == ("/win", "/window")
    assert (first.text, first.cursor) == ("/win", 4)  # several: no space yet
    second = completer.complete(first.text, first.cursor)
    assert second.text == "/window"
    third = completer.complete(second.text, second.cursor)
    assert third.text == "/win"  # wraps around


def test_shift_tab_cycles_back():
    completer = Completer(make_registry(), PROVIDERS)
    first = completer.complete("/he", 3)
    assert first.text == "/hello"  # sorted: hello < help
    back = completer.complete(first.text, first.cursor, backwards=True)
    assert back.text == "/help"
    forward = completer.complete(back.text, back.cursor)
    assert forward.text == "/hello"


def test_fresh_shift_tab_starts_from_last():
    completer = Completer(make_registry(), PROVIDERS)
    assert completer.complete("/he", 3, backwards=True).text == "/help"


def test_typing_resets_the_cycle():
    completer = Completer(make_registry(), PROVIDERS)
    first = completer.complete("/he", 3)
    assert first.text == "/hello"
    # The user typed: the line differs from what completion produced.
    again = completer.complete("/hel", 4)
    assert again.text == "/hello" and again.index == 0
    # explicit reset too
    completer.complete("/he", 3)
    completer.reset()
    assert not completer.cycling


def test_unique_completion_then_tab_completes_next_word():
    completer = Completer(make_registry(), PROVIDERS)
    first = completer.complete("/hel", 4)
    assert first.candidates == ("/hello", "/help")
    c = completer.complete("/help", 5)  # user typed "p"
    assert c.text == "/help "
    nxt = completer.complete(c.text, c.cursor)
    assert nxt.text == "/help hello"  # "command" kind: command names for /help


def test_argument_completion_through_provider_case_insensitive():
    registry = make_registry()
    c = complete(registry, "/msg b", 6, PROVIDERS)
    assert c.candidates == ("Bea@example.org", "bob@example.org")
    assert c.text == "/msg Bea@example.org"


def test_argument_choices_merge_with_provider_numbers_sorted_numerically():
    c = complete(make_registry(), "/win ", 5, PROVIDERS)
    assert c.candidates == ("1", "2", "10", "next", "prev", "status")
    assert c.text == "/win 1"


def test_second_argument_and_rest_argument():
    registry = make_registry()
    c = complete(registry, "/join room@conf al", 18, PROVIDERS)
    assert c.candidates == ("alfred", "Alice")
    # beyond the declared args with no rest: nothing
    assert complete(registry, "/join a b c", 11, PROVIDERS) is None
    # any word of a rest argument uses its completer
    c = complete(registry, "/msg bob@x hi al", 16, PROVIDERS)
    assert c.text == "/msg bob@x hi alfred"


def test_candidate_with_space_is_quoted_for_plain_args():
    c = complete(make_registry(), "/join room Big", 14, PROVIDERS)
    assert c.text == '/join room "Big Al" '


def test_argument_completion_via_alias_and_prefix():
    registry = make_registry()
    assert complete(registry, "/j room@c bo", 12, PROVIDERS).text == "/j room@c bob "
    assert complete(registry, "/wind 2", 7, PROVIDERS).text == "/wind 2 "


def test_missing_provider_or_unknown_command_gives_nothing():
    registry = make_registry()
    assert complete(registry, "/join ", 6, {}) is None
    assert complete(registry, "/nosuch x", 9, PROVIDERS) is None
    assert complete(registry, "/quit x", 7, PROVIDERS) is None


def test_callable_completer():
    registry = Registry()
    seen = []

    def colours(prefix):
        seen.append(prefix)
        return ["red", "green", "grey"]

    registry.command("colour", args=(Arg("c", completer=colours),))(noop)
    c = complete(registry, "/colour gr", 10, {})
    assert c.candidates == ("green", "grey") and seen == ["gr"]


def test_nick_at_line_start_appends_colon_space():
    completer = Completer(make_registry(), PROVIDERS, line_start_kind="nick")
    c = completer.complete("bo", 2)
    assert (c.text, c.cursor) == ("bob: ", 5)
    c = completer.complete("al", 2)
    assert c.text == "alfred: "  # always ": " even when cycling
    assert completer.complete(c.text, c.cursor).text == "Alice: "


def test_nick_completion_keeps_text_after_cursor():
    c = complete(make_registry(), "bo thanks", 2, PROVIDERS, line_start_kind="nick")
    assert (c.text, c.cursor) == ("bob:  thanks", 5)
    c = complete(make_registry(), "bo: thanks", 2, PROVIDERS, line_start_kind="nick")
    assert (c.text, c.cursor) == ("bob: thanks", 5)  # separator not doubled


def test_plain_text_without_kinds_or_word_gives_nothing():
    registry = make_registry()
    assert complete(registry, "hello al", 8, PROVIDERS) is None
    assert complete(registry, "", 0, PROVIDERS, line_start_kind="nick") is None
    c = complete(registry, "hello al", 8, PROVIDERS, text_kind="nick")
    assert c.text == "hello alfred"
    # "//" lines are messages, not commands
    assert complete(registry, "//he", 4, PROVIDERS) is None
