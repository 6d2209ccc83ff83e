"""The input line under Pilot: Enter, history, completion, Irssi keys."""

from __future__ import annotations

import unicodedata
from contextlib import asynccontextmanager

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button

from screens.textual_private import character_to_key, send_as_terminal
from screens.widgets.input_line import InputLine
from tests.harness.app import draws_without_ticks, recorded_draws, recorded_layouts
from tests.harness.wait import until
from tui.commands.registry import Arg, Registry


def noop(ctx, args):
    return None


def make_registry() -> Registry:
    registry = Registry()
    registry.command("help", args=(Arg("topic", required=False, completer="command"),))(noop)
    registry.command("hello")(noop)
    registry.command("join", args=(Arg("room", completer="jid"),))(noop)
    return registry


class InputApp(App):
    BINDINGS = [
        Binding("ctrl+n", "record('next')"),
        Binding("pageup", "record('pageup')"),
        Binding("alt+1,¡", "record('window1')"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entered: list[str] = []
        self.actions: list[str] = []

    def compose(self) -> ComposeResult:
        yield Button("other")  # something focus could move to
        yield InputLine(id="line")

    def on_mount(self) -> None:
        line = self.query_one(InputLine)
        line.set_completion(make_registry(), {"jid": lambda p: ["dev@conf", "dev2@conf"]})
        line.focus()

    def on_input_line_entered(self, message: InputLine.Entered) -> None:
        self.entered.append(message.value)

    def action_record(self, what: str) -> None:
        self.actions.append(what)


def burst(app: App, keys: list[str]) -> None:
    """Send keys the way a fast paste arrives: all queued at once, without
    waiting for any of them to be processed (unlike pilot.press)."""
    for key in keys:
        char: str | None
        if len(key) == 1:
            char = key
            key = key if key.isalnum() else character_to_key(key)
        else:
            try:
                char = unicodedata.lookup(key.upper().replace("_", " "))
            except KeyError:
                char = {"enter": "\r", "tab": "\t", "space": " "}.get(key)
        event = events.Key(key, char)
        event.set_sender(app)
        send_as_terminal(app, event)


async def test_enter_posts_once_clears_and_records_history():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.press(*"hi", "enter")
        await until(lambda: app.entered == ["hi"])
        assert line.value == ""
        assert line.history == ["hi"]
        await pilot.press("enter", "space", "enter")  # blank lines: nothing posted
        await pilot.pause()
        assert app.entered == ["hi"] and line.history == ["hi"]


async def test_burst_with_enters_is_a_paste_and_submits_nothing_by_itself():
    """A burst (a terminal without bracketed paste) is a paste: its Enters
    are newlines, its control keys are not run, and it asks first."""
    from screens.paste_confirm import PasteConfirmScreen

    app = InputApp()
    async with app.run_test() as pilot:
        burst(app, [*"ab", "enter", *"cd", "enter", "x", "y", "ctrl+a", "z", "enter"])
        await until(lambda: isinstance(app.screen, PasteConfirmScreen))
        assert app.entered == [] and app.query_one(InputLine).value == ""
        await pilot.press("enter")  # send as one message
        await until(lambda: app.entered)
        assert app.entered == ["ab\ncd\nxyz"]


async def test_history_up_down_restores_draft():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        history = ["first", "second"]
        line.set_history(history)
        await pilot.press(*"dra")
        await pilot.press("up")
        assert line.value == "second" and line.cursor_position == 6
        await pilot.press("up", "up")  # stops at the oldest
        assert line.value == "first"
        await pilot.press("down")
        assert line.value == "second"
        await pilot.press("down")
        assert line.value == "dra"
        await pilot.press("enter")
        assert history == ["first", "second", "dra"]  # appended to the window's list
        other: list[str] = []
        line.set_history(other)
        await pilot.press("up")
        assert line.value == ""
        await pilot.press("x", "enter", "x", "enter")
        assert other == ["x"]  # a repeat of the newest is not stored twice


async def test_tab_completes_and_keeps_focus():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.press("slash", "h", "e")
        await pilot.press("tab")
        assert line.value == "/hello"
        assert app.focused is line
        await pilot.press("tab")
        assert line.value == "/help"
        await pilot.press("shift+tab")
        assert line.value == "/hello"
        assert app.focused is line
        line.value = ""
        await pilot.press("slash", "h", "e", "l", "p", "tab")
        assert line.value == "/help " and line.cursor_position == 6
        await pilot.press("space")  # typing resets; completion state must not leak
        await pilot.press("backspace", "tab")
        assert line.value == "/help hello"
        assert app.focused is line


async def test_tab_with_nothing_to_complete_does_not_move_focus():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.press("tab", "shift+tab")
        assert app.focused is line


async def test_irssi_editing_keys():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        line.value = "hello big world"
        line.cursor_position = len(line.value)
        await pilot.press("ctrl+w")
        assert line.value == "hello big "
        await pilot.press("ctrl+y")
        assert line.value == "hello big world"
        await pilot.press("ctrl+a")
        assert line.cursor_position == 0
        await pilot.press("ctrl+e")
        assert line.cursor_position == len(line.value)
        line.cursor_position = 6
        await pilot.press("ctrl+k")
        assert line.value == "hello " and line.killed == "big world"
        await pilot.press("ctrl+u")
        assert line.value == "" and line.killed == "hello "
        await pilot.press("ctrl+y", "ctrl+y")
        assert line.value == "hello hello "


async def test_alt_word_keys():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        line.value = "one two three"
        line.cursor_position = len(line.value)
        await pilot.press("alt+b")
        assert line.cursor_position == 8
        await pilot.press("alt+b")
        assert line.cursor_position == 4
        await pilot.press("alt+d")
        assert line.value == "one  three" and line.killed == "two"
        await pilot.press("ctrl+a", "alt+f")
        assert line.cursor_position == 3
        await pilot.press("ctrl+y")
        assert line.value == "onetwo  three"


async def test_app_keys_bubble_past_the_input():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.press("a", "ctrl+n", "pageup", "alt+1")
        await until(lambda: app.actions == ["next", "pageup", "window1"])
        # Legacy ESC+1 arrives as "¡": bound by the app, so it is not typed.
        burst(app, ["¡"])
        await until(lambda: app.actions[-1:] == ["window1"] and len(app.actions) == 4)
        assert line.value == "a"
        # An unbound Option character ("£" on a UK keyboard) is typed.
        burst(app, ["£"])
        await until(lambda: line.value == "a£")
        assert app.focused is line


async def test_value_is_plain_text_not_markup():
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        line.value = "[b]not bold[/b] [@click=app.quit]x[/]"
        line.cursor_position = len(line.value)
        await pilot.press("enter")
        await until(lambda: app.entered == ["[b]not bold[/b] [@click=app.quit]x[/]"])
        assert app.is_running


async def test_a_line_longer_than_the_field_scrolls_with_the_cursor():
    """The line's virtual size follows its text without a layout pass (see
    InputLine.virtual_size): typing past the edge still scrolls, and Home
    comes back to the start."""
    app = InputApp()
    async with app.run_test(size=(30, 10)) as pilot:
        line = app.query_one(InputLine)
        text = "".join(f"{n:02d}" for n in range(30))  # 60 characters, the field is narrower
        burst(app, list(text))
        await until(lambda: line.value == text)
        await pilot.pause()
        assert line.scroll_x > 0 and line.virtual_size.width > line.size.width
        shown = line.render_line(0).text
        assert text[-8:] in shown and text[:8] not in shown
        await pilot.press("home")
        await until(lambda: line.scroll_x == 0)
        await pilot.pause()
        assert text[:8] in line.render_line(0).text


async def test_a_typed_key_is_drawn_at_the_next_turn_of_the_loop_not_the_next_tick(monkeypatch):
    """textual_private.draw_soon: the input line is drawn without waiting for
    the screen's update timer (a frame away, more behind a flood's work).
    With the timer stopped, the key still reaches the compositor, once per
    turn of the loop however many keys came in it; then the server's slices
    are told the key's frame is out (keys_first.key_drawn)."""
    from screens import keys_first

    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.pause()
        drawn = draws_without_ticks(app.screen)
        burst(app, ["h", "i"])
        await until(lambda: line.value == "hi" and any(line in widgets for widgets in drawn), timeout=5)
        assert len([widgets for widgets in drawn if line in widgets]) <= 2  # not one per key and message
        monkeypatch.setattr(keys_first, "KEY_PATH", 60.0)  # only the key's frame ends the hold
        keys_first.key_arrived()  # a key parsed ...
        assert keys_first.key_on_its_way() > 59
        burst(app, ["x"])  # ... reaches the line
        await until(lambda: line.value == "hix" and keys_first.key_on_its_way() == 0.0, timeout=5)
        assert "hi" in "".join(segment.text for segment in line.render_line(0))



async def test_a_keys_frame_draws_the_line_alone():
    """draw_soon(alone=True): another widget waiting to be drawn (here the
    button; in W7 the message log at its new width after a room window's
    layout, 2-5 ms) waits for the screen's next tick, not in the key's
    frame; a draw that is not a key's (PageUp's) still takes everything."""
    from screens import textual_private

    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        button = app.query_one(Button)
        await pilot.pause()
        drawn = draws_without_ticks(app.screen)
        app.screen._dirty_widgets.add(button)  # as a refresh's Update message leaves it
        burst(app, ["k"])
        await until(lambda: line.value == "k" and any(line in widgets for widgets in drawn), timeout=5)
        assert all(button not in widgets for widgets in drawn)
        assert button in app.screen._dirty_widgets  # for the tick
        textual_private.draw_soon(line)  # not a key's: the button goes with it
        await until(lambda: any(button in widgets for widgets in drawn), timeout=5)
        assert button not in app.screen._dirty_widgets


@asynccontextmanager
async def line_drawn_without_ticks(monkeypatch, *, after_at_most: float):
    """The input line's app with the screen's ticks stopped (only draw_soon
    draws reach the compositor: ``drawn``) and draw_soon's ``after`` bound
    set to ``after_at_most``."""
    from screens import textual_private

    monkeypatch.setattr(textual_private, "AFTER_AT_MOST", after_at_most)
    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.pause()
        yield app, line, draws_without_ticks(app.screen)


async def test_a_draw_after_a_future_waits_for_it_but_not_longer_than_its_bound(monkeypatch):
    """draw_soon(after=): the Enter's frame waits for what its line shows
    first — drawn as soon as the future is done, or at AFTER_AT_MOST when
    it is not (a command waiting on the server); a key typed meanwhile goes
    in that frame."""
    import asyncio
    import time

    from screens import textual_private

    async with line_drawn_without_ticks(monkeypatch, after_at_most=0.3) as (app, line, drawn):
        loop = asyncio.get_running_loop()

        done = loop.create_future()
        textual_private.draw_soon(line, alone=True, after=done)
        await asyncio.sleep(0.05)
        assert drawn == []  # waiting for it
        line.value = "typed meanwhile"
        textual_private.draw_soon(line, alone=True)  # a key: the same frame
        done.set_result(None)
        await until(lambda: len(drawn) == 1, timeout=5)
        assert "typed meanwhile" in line.render_line(0).text

        never = loop.create_future()
        asked = time.monotonic()
        textual_private.draw_soon(line, alone=True, after=never)
        await until(lambda: len(drawn) == 2, timeout=5)
        assert time.monotonic() - asked >= 0.29  # its bound, not sooner
        await asyncio.sleep(0.05)
        assert len(drawn) == 2 and not never.done()


async def test_an_enter_during_a_flood_is_drawn_at_once(monkeypatch):
    """An Enter that submits a line waits for what the line shows (here
    nothing answers: its bound) — but not while a flood is worked through
    (tui.core.pacing.backlogged): the line would wait behind the flood's
    batches, and the cleared line with it."""
    import time

    from tui.core import pacing

    async with line_drawn_without_ticks(monkeypatch, after_at_most=0.5) as (app, line, drawn):

        async def enter_drawn_after(text: str) -> float:
            line.value = text
            drawn.clear()
            asked = time.monotonic()
            burst(app, ["enter"])
            await until(lambda: line.value == "" and any(line in widgets for widgets in drawn), timeout=5)
            return time.monotonic() - asked

        monkeypatch.setattr(pacing, "_last_backlog", float("-inf"))
        assert await enter_drawn_after("quiet") >= 0.45  # waited for an answer that never came
        monkeypatch.setattr(pacing, "_last_backlog", time.monotonic() + 60)  # a flood going on
        assert await enter_drawn_after("flooded") < 0.3


async def test_a_keys_frame_leaves_a_scroll_due_to_the_next_tick():
    """draw_soon(alone=True) with a scroll due (a flood's follow scrolled the
    log just before the key: 4-8 ms of frame under tmux): the key's frame
    draws the line and leaves the scroll to the screen's next tick; a draw
    that is not a key's (PageUp's) does the scroll."""
    from screens import textual_private

    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        await pilot.pause()
        screen = app.screen
        drawn = draws_without_ticks(screen)
        scrolls = recorded_layouts(screen)
        screen._scroll_required = True  # as a follow's scroll leaves it
        burst(app, ["k"])
        await until(lambda: line.value == "k" and any(line in widgets for widgets in drawn), timeout=5)
        assert scrolls == [] and screen._scroll_required  # for the tick
        assert "k" in "".join(segment.text for segment in line.render_line(0))
        textual_private.draw_soon(line)  # not a key's: the scroll goes with it
        await until(lambda: scrolls == [True], timeout=5)
        assert not screen._scroll_required


async def test_the_screens_ticks_wait_while_a_key_is_on_its_way(monkeypatch):
    """textual_private.hold_frames_with: while the hold says a key is on its
    way, the screen's ticks draw nothing (a refresh waits), but a layout due
    is drawn; once the hold ends the next tick draws what waited."""
    from screens import textual_private

    monkeypatch.setattr(textual_private, "_frame_hold", textual_private._frame_hold)  # put back after
    holding = [True]
    asked: list[object] = []

    def hold(screen) -> float:
        asked.append(screen)
        return 1.0 if holding[0] else 0.0

    textual_private.hold_frames_with(hold)
    app = InputApp()
    async with app.run_test() as pilot:
        button = app.query_one(Button)
        await pilot.pause()
        screen = app.screen
        drawn = recorded_draws(screen)
        asked.clear()
        button.refresh()
        await until(lambda: asked.count(screen) >= 3, timeout=5)  # three ticks held
        assert all(button not in widgets for widgets in drawn)
        holding[0] = False
        await until(lambda: any(button in widgets for widgets in drawn), timeout=5)
        holding[0] = True
        drawn.clear()
        screen._layout_required = True  # a layout due is drawn, held or not
        screen._update_timer.resume()
        await until(lambda: drawn and not screen._layout_required, timeout=5)


async def test_a_key_holds_the_main_screens_frames_only_for_its_input_line(monkeypatch, tmp_path):
    """The real app holds the main screen's ticks for a key on its way while
    the input line has the focus (its key's frame ends the hold); a key for
    another screen (here the first run's set-up form) or another widget
    holds nothing: nothing else tells its frame is out."""
    from time import monotonic

    from screens import keys_first
    from screens.account_setup import AccountSetupScreen
    from screens.app import _key_frame_first
    from tests.harness.app import running_app

    async with running_app(None, config_path=tmp_path / "config.toml") as (app, pilot):
        await until(lambda: isinstance(app.screen, AccountSetupScreen))
        main = app.main
        assert main is not None and main.focused is main.input_line
        monkeypatch.setattr(keys_first, "_arrived", monotonic())  # a key parsed
        assert 0 < _key_frame_first(main) <= keys_first.KEY_PATH
        assert _key_frame_first(app.screen) == 0.0
        main.set_focus(None)
        assert _key_frame_first(main) == 0.0
        monkeypatch.setattr(keys_first, "_arrived", float("-inf"))
        main.set_focus(main.input_line)
        assert _key_frame_first(main) == 0.0  # no key on its way


async def test_a_slash_starting_the_line_fills_the_commands_before_the_enter():
    """The client's registry imports its command modules when first asked
    (tui.commands.build_registry); once the line starts with "/" a command
    is on its way, and its Enter should not wait for those imports (W7:
    ~7 ms of "/join").  Plain text asks nothing."""
    fills: list[Registry] = []

    def fill(registry: Registry) -> None:
        fills.append(registry)
        registry.command("join", args=(Arg("room", completer="jid"),))(noop)

    app = InputApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        registry = Registry(fill=fill)
        line.set_completion(registry)
        await pilot.press("h", "i", "space", "slash")
        await pilot.pause()
        assert line.value == "hi /" and fills == []
        line.value = ""
        await pilot.press("slash")
        await until(lambda: fills == [registry])
        await pilot.press("j", "o", "i", "n")
        await pilot.pause()
        assert fills == [registry] and line.value == "/join" and "join" in registry
