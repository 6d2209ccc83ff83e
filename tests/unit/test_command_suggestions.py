"""An unknown command suggests the nearest registered one (Irssi users
mistype /jion for /join); nothing close: the plain "try /help" line."""

from __future__ import annotations

import pytest

from tui.commands import build_registry
from tui.commands.registry import CommandError


@pytest.fixture(scope="module")
def registry():
    return build_registry()  # the client's real commands


@pytest.mark.parametrize("typed, meant", [
    ("jion", "join"), ("quti", "quit"), ("hlep", "help"), ("awya", "away"), ("JION", "join"),
])
def test_a_typo_suggests_the_nearest_command(registry, typed, meant):
    with pytest.raises(CommandError) as info:
        registry.lookup(typed)
    assert str(info.value) == f"Unknown command /{typed} — did you mean /{meant}?"


def test_nothing_close_says_try_help(registry):
    with pytest.raises(CommandError) as info:
        registry.lookup("nosuch")
    assert str(info.value) == "Unknown command /nosuch (try /help)"


def test_the_typed_word_stays_sanitised_in_a_suggestion(registry):
    with pytest.raises(CommandError) as info:
        registry.lookup("jion\x1b[2J")
    assert "\x1b" not in str(info.value)
