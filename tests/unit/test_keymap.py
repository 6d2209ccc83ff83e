"""Key maps as data, and what Textual 8.2.8 really reads from the terminal.

The parser tests feed XTermParser the bytes a terminal sends (legacy
encoding: ESC + key; kitty protocol: CSI u) and check that every key event
that comes out triggers the binding we meant, after Textual's own key
normalisation. Characters people type ("£", "¡") must stay typeable.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from textual.binding import Binding

from screens import terminal_keys
from screens.textual_private import parse_terminal_input
from tui.keymap import KeyBinding, KeymapError, available_keymaps, load_keymap, scope_of

# The app installs this before its driver parses keys; so do the tests.
terminal_keys.install()

EXPECTED_IDS = (
    [f"window.goto.{n}" for n in range(1, 20)]
    + ["window.prev", "window.next", "window.next_activity"]
    + ["log.page_up", "log.page_down", "log.home", "log.end"]
    + ["app.redraw", "roster.toggle", "nicklist.toggle", "app.command_palette"]
    + ["input.edit_external"]
    + ["blog.up", "blog.down", "blog.open", "blog.back", "blog.next_unread", "blog.edit", "blog.delete",
       "blog.comment", "blog.command", "confirm.yes", "confirm.no"]
)


def parsed_keys(data: str) -> list[str]:
    # ESC + letter stays pending until the escape delay runs out (the
    # parser cannot tell it from a lone Escape yet); end of input resolves
    # it the same way, without a sleep.
    events = parse_terminal_input(data)
    return [event.key for event in events if hasattr(event, "key")]


def textual_keys(binding: KeyBinding) -> set[str]:
    """The keys Textual will match for this binding."""
    if not binding.keys:  # unbound by default (input.edit_external: a chord in the app)
        return set()
    return {b.key for b in Binding.make_bindings([Binding(binding.key_string, "x")])}


def test_irssi_keymap_has_exactly_the_ids_the_app_binds() -> None:
    keymap = load_keymap()
    assert list(keymap) == EXPECTED_IDS
    assert all(b.description for b in keymap.values())
    assert keymap["window.goto.1"] == KeyBinding("window.goto.1", ("alt+1",), "Window 1")
    assert "ctrl+p" not in keymap["app.command_palette"].keys
    assert "irssi" in available_keymaps()


LEGACY = [(str(d % 10), f"window.goto.{d}") for d in range(1, 11)] + [
    (letter, f"window.goto.{n}") for n, letter in enumerate("qwertyuio", start=11)
] + [("a", "window.next_activity")]


@pytest.mark.parametrize("char, binding_id", LEGACY)
def test_alt_keys_reach_their_binding_in_both_encodings(char: str, binding_id: str) -> None:
    keymap = load_keymap()
    bound = textual_keys(keymap[binding_id])
    legacy = parsed_keys("\x1b" + char)  # what xterm/tmux send for Alt+char
    kitty = parsed_keys(f"\x1b[{ord(char)};3u")  # kitty keyboard protocol
    assert len(legacy) == 1 and legacy[0] in bound, (legacy, bound)
    assert len(kitty) == 1 and kitty[0] in bound, (kitty, bound)


@pytest.mark.parametrize(
    "data, binding_id",
    [
        ("\x1b[1;3D", "window.prev"),  # Alt+Left
        ("\x1b[1;3C", "window.next"),  # Alt+Right
        ("\x10", "window.prev"),  # Ctrl+P
        ("\x0e", "window.next"),  # Ctrl+N
        ("\x1b[5~", "log.page_up"),
        ("\x1b[6~", "log.page_down"),
        ("\x1b[1;5H", "log.home"),
        ("\x1b[1;5F", "log.end"),
        ("\x0c", "app.redraw"),  # Ctrl+L
        ("\x1bOR", "roster.toggle"),  # F3
        ("\x1c", "app.command_palette"),  # Ctrl+\ legacy
        ("\x1b[92;5u", "app.command_palette"),  # Ctrl+\ kitty
    ],
)
def test_other_keys_reach_their_binding(data: str, binding_id: str) -> None:
    keys = parsed_keys(data)
    assert len(keys) == 1 and keys[0] in textual_keys(load_keymap()[binding_id]), keys


@pytest.mark.parametrize("char", ["£", "¡", "™", "§", "º"])
def test_typed_characters_are_not_bound(char: str) -> None:
    """Textual alone maps ESC+digit to these; binding them would steal a
    British "£" from the input line."""
    keys = parsed_keys(char)
    assert len(keys) == 1
    bound = set().union(*(textual_keys(b) for b in load_keymap().values()))
    assert keys[0] not in bound


def test_no_two_ids_share_a_key_after_textual_normalisation() -> None:
    """Within the app (global ids) and within each pane's scope; a pane's key
    is never also an app key (the app's binding would always win)."""
    seen: dict[tuple[str, str], str] = {}
    keymap = load_keymap()
    for binding in keymap.values():
        for key in textual_keys(binding):
            assert seen.setdefault((scope_of(binding.id), key), binding.id) == binding.id, key
    global_keys = {key for scope, key in seen if not scope}
    assert not {key for scope, key in seen if scope} & global_keys


def test_a_pane_key_may_repeat_another_panes_but_never_an_app_key() -> None:
    keymap = load_keymap()
    assert "n" in keymap["blog.next_unread"].keys and "n" in keymap["confirm.no"].keys
    with pytest.raises(KeymapError) as clash:
        load_keymap(overrides={"blog.next_unread": "pageup"})
    assert clash.value.binding_id == "blog.next_unread" and "log.page_up" in str(clash.value)
    with pytest.raises(KeymapError) as clash:
        load_keymap(overrides={"blog.edit": "n"})
    assert clash.value.binding_id == "blog.edit"


def test_overrides_replace_keys_string_list_or_unbind() -> None:
    keymap = load_keymap(
        "irssi",
        {"window.prev": "ctrl+b, alt+left", "log.home": ["home", "ctrl+home"], "app.redraw": []},
    )
    assert keymap["window.prev"].keys == ("ctrl+b", "alt+left")
    assert keymap["window.prev"].description == "Previous window"
    assert keymap["log.home"].key_string == "home,ctrl+home"
    assert keymap["app.redraw"].keys == () and keymap["app.redraw"].key_string == ""
    assert load_keymap()["window.prev"].keys == ("ctrl+p", "alt+left")  # default untouched


def test_swapping_two_keys_is_not_a_clash() -> None:
    keymap = load_keymap(overrides={"window.prev": "ctrl+n", "window.next": "ctrl+p"})
    assert keymap["window.prev"].keys == ("ctrl+n",)


@pytest.mark.parametrize(
    "overrides, culprit, fragment",
    [
        ({"window.nope": "f2"}, "window.nope", "unknown binding id"),
        ({"window.prev": "alt+a"}, "window.prev", "bound to both"),
        ({"window.prev": ""}, "window.prev", "invalid key"),
        ({"window.prev": ["ctrl b"]}, "window.prev", "invalid key"),
        ({"window.prev": 5}, "window.prev", "expected a key"),
    ],
)
def test_bad_overrides_name_the_id(overrides: dict, culprit: str, fragment: str) -> None:
    with pytest.raises(KeymapError) as info:
        load_keymap("irssi", overrides)
    assert info.value.binding_id == culprit
    assert fragment in str(info.value)


@pytest.mark.parametrize("name", ["vim-nope", "../irssi", "IRSSI"])
def test_unknown_or_unsafe_keymap_names(name: str) -> None:
    with pytest.raises(KeymapError) as info:
        load_keymap(name)
    assert info.value.binding_id is None


def test_keymap_is_package_data() -> None:
    # Loaded through importlib.resources, as from an installed wheel.
    text = resources.files("keymaps").joinpath("irssi.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["name"] == "irssi"
