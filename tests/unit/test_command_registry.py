"""The command registry (declare once, look up like Irssi) and /help."""

from __future__ import annotations

import pytest

from tui.commands.help import help_command, help_for, help_index
from tui.commands.registry import (
    Arg,
    Command,
    CommandError,
    DuplicateCommandError,
    ParsedArgs,
    Registry,
)
from tui.core.windows import WindowKind


def noop(ctx, args):
    return None


def make_registry() -> Registry:
    registry = Registry()
    registry.register(Command("help", handler=noop, summary="Show help", group="help"))
    registry.register(Command("join", aliases=("j",), handler=noop, summary="Join a room", group="rooms"))
    registry.register(Command("jump", handler=noop, summary="Jump", group="windows"))
    registry.register(Command("quit", aliases=("bye", "exit"), handler=noop, summary="Quit", group="connection"))
    registry.register(Command("query", aliases=("q",), handler=noop, summary="Open a chat", group="chat"))
    return registry


def test_exact_name_and_alias():
    registry = make_registry()
    assert registry.lookup("join").name == "join"
    assert registry.lookup("j").name == "join"
    assert registry.lookup("/bye").name == "quit"
    assert registry.lookup("JOIN").name == "join"  # Irssi is case-insensitive


def test_unique_prefix_resolves():
    registry = make_registry()
    assert registry.lookup("he").name == "help"
    assert registry.lookup("jo").name == "join"
    assert registry.lookup("ex").name == "quit"  # prefix of an alias


def test_exact_alias_beats_prefix():
    registry = make_registry()
    # "q" is an alias of /query and a prefix of /quit: the alias wins.
    assert registry.lookup("q").name == "query"


def test_ambiguous_prefix_lists_candidates():
    registry = make_registry()
    with pytest.raises(CommandError) as info:
        registry.lookup("qu")
    assert str(info.value) == "Ambiguous command /qu: /query, /quit"


def test_prefix_of_name_and_alias_of_same_command_is_not_ambiguous():
    registry = Registry()
    registry.register(Command("window", aliases=("win",), handler=noop))
    assert registry.lookup("wi").name == "window"


def test_unknown_command_message_is_exact():
    registry = make_registry()
    with pytest.raises(CommandError) as info:
        registry.lookup("foo")
    assert str(info.value) == "Unknown command /foo (try /help)"


def test_unknown_command_name_is_sanitised():
    registry = make_registry()
    with pytest.raises(CommandError) as info:
        registry.lookup("x\x1b]0;t\x07")
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value)


def test_duplicate_name_or_alias_is_refused():
    registry = make_registry()
    with pytest.raises(DuplicateCommandError):
        registry.register(Command("join", handler=noop))
    with pytest.raises(DuplicateCommandError):
        registry.register(Command("jabber", aliases=("j",), handler=noop))
    with pytest.raises(DuplicateCommandError):
        registry.register(Command("bye", handler=noop))  # name clashes with an alias
    # A failed registration leaves nothing half-registered.
    assert registry.get("jabber") is None


def test_decorator_registers_and_returns_function():
    registry = Registry()

    @registry.command("me", args=(Arg("action", rest=True),), summary="Action")
    async def me(ctx, args):
        return args["action"]

    assert registry.get("me").handler is me
    assert registry.get("me").usage == "/me action"


def test_all_sorted_and_words():
    registry = make_registry()
    assert [c.name for c in registry.all()] == ["help", "join", "jump", "query", "quit"]
    assert "bye" in registry.words() and "j" in registry.words()


def test_bad_arg_specs_are_refused():
    with pytest.raises(ValueError):
        Command("x", handler=noop, args=(Arg("a", rest=True), Arg("b")))
    with pytest.raises(ValueError):
        Command("x", handler=noop, args=(Arg("a", required=False), Arg("b")))
    with pytest.raises(ValueError):
        Command("two words", handler=noop)


def test_usage_line():
    cmd = Command(
        "win",
        handler=noop,
        args=(Arg("target", choices=("next", "prev"), type=int, metavar="N"),),
    )
    assert cmd.usage == "/win N|next|prev"
    cmd = Command("join", handler=noop, args=(Arg("room"), Arg("nick", required=False)))
    assert cmd.usage == "/join room [nick]"


def test_refusal_message():
    cmd = Command("part", handler=noop, windows={WindowKind.ROOM})
    assert cmd.refusal() == "/part works only in room windows"
    assert not cmd.available_in(WindowKind.CHAT)
    assert cmd.available_in(WindowKind.ROOM)
    cmd = Command("me", handler=noop, windows={WindowKind.ROOM, WindowKind.CHAT})
    assert cmd.refusal() == "/me works only in chat and room windows"


def test_parsed_args_mapping_and_attributes():
    args = ParsedArgs({"jid": "a@b", "text": None}, raw="a@b")
    assert args["jid"] == "a@b" and args.jid == "a@b" and args.text is None
    assert dict(args) == {"jid": "a@b", "text": None}
    with pytest.raises(AttributeError):
        _ = args.nope


# -- help -----------------------------------------------------------------


def test_help_index_groups_and_aliases():
    lines = help_index(make_registry())
    assert lines[0] == "Connection:"
    assert any(line.strip().startswith("/quit (/bye, /exit)") and line.endswith("— Quit") for line in lines)
    # group titles come in GROUP_ORDER, commands under their group
    titles = [line for line in lines if not line.startswith(" ")]
    assert titles[:5] == ["Connection:", "Chat:", "Rooms:", "Windows:", "Help:"]
    assert lines.index("Rooms:") < lines.index(next(l for l in lines if "/join" in l)) < lines.index("Windows:")


def test_help_command_sections():
    cmd = Command(
        "join",
        aliases=("j",),
        handler=noop,
        args=(
            Arg("room", help="room JID or name"),
            Arg("nick", required=False, help="your nick there"),
        ),
        summary="Join a room",
        description="Join a multi-user chat.\nCreates it if needed [really].",
        examples=("/join dev@conference.example.org",),
        windows={WindowKind.STATUS, WindowKind.ROOM},
    )
    lines = help_command(cmd)
    assert lines[0] == "/join — Join a room"
    for section in ("Synopsis", "Aliases", "Description", "Arguments", "Examples", "Available in"):
        assert section in lines
    assert lines[lines.index("Synopsis") + 1] == "  /join room [nick]"
    assert "  Creates it if needed [really]." in lines
    assert any(line.startswith("  room") and "room JID or name" in line for line in lines)
    assert "  /join dev@conference.example.org" in lines
    assert lines[-1] == "  room, status windows"


def test_help_for_topic_uses_lookup():
    registry = make_registry()
    assert help_for(registry, None) == help_index(registry)
    assert help_for(registry, "/j")[0] == "/join — Join a room"
    with pytest.raises(CommandError):
        help_for(registry, "nothere")


QUESTIONS = {
    "lookup": lambda r: r.lookup("j").name, "get": lambda r: r.get("join").name,
    "words": lambda r: r.words(), "all": lambda r: [c.name for c in r.all()],
    "contains": lambda r: "join" in r, "len": len, "iter": lambda r: [c.name for c in r],
    "nearest": lambda r: r.nearest("jion"),
}


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_registry_is_filled_at_its_first_question_and_only_then(question):
    """build_registry() hands the registry a fill (the command modules'
    register()): run at the first question, whichever it is, and once."""
    fills = []

    def fill(registry: Registry) -> None:
        fills.append(registry)
        registry.register(Command("join", handler=noop, aliases=("j",)))

    registry = Registry(fill=fill)
    assert fills == []
    first = QUESTIONS[question](registry)
    assert fills == [registry]
    assert QUESTIONS[question](registry) == first and fills == [registry]
    assert len(registry) == 1 and registry.get("j") is registry.get("join")


def test_the_clients_registry_is_filled_from_every_area():
    """The real fill: a module failing to register would fail here, not at
    a user's first command."""
    from tui.commands import build_registry

    registry = build_registry()
    assert registry.lookup("j").name == "join"
    groups = {command.group for command in registry}
    assert groups >= {"blog", "chat", "compose", "connection", "crypto", "presence", "rooms", "roster", "windows"}


def test_prepare_fills_once_and_a_registry_built_by_hand_stays_as_it_is():
    fills = []
    registry = Registry(fill=fills.append)
    registry.prepare()
    registry.prepare()
    assert fills == [registry]
    by_hand = make_registry()
    size = len(by_hand)
    by_hand.prepare()
    assert len(by_hand) == size
