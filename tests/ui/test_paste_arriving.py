"""A raw paste (no bracketed paste) still arriving when its prompt opens:
the rest joins it and never answers the prompt (issue 9, found on the way:
a long raw paste read in pieces had its own final Enter answer "send as
one message" for its first piece)."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult

from screens.paste_confirm import PasteConfirmScreen
from screens.textual_private import event_clock, send_as_terminal
from screens.widgets.input_line import InputLine
from tests.harness.wait import until


class LineApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.entered: list[tuple[str, tuple[str, ...]]] = []

    def compose(self) -> ComposeResult:
        yield InputLine(id="line")

    def on_mount(self) -> None:
        self.query_one(InputLine).focus()

    def on_input_line_entered(self, message: InputLine.Entered) -> None:
        self.entered.append((message.value, message.more))


def keys_at(app: App, keys: str, start: float, step: float) -> None:
    """Keys as the terminal reader stamps them: ``step`` seconds apart."""
    for index, character in enumerate(keys):
        event = events.Key("enter" if character == "\n" else character,
                           "\r" if character == "\n" else character)
        event.time = start + index * step
        event.set_sender(app)
        send_as_terminal(app, event)


async def test_the_rest_of_a_raw_paste_joins_it_and_does_not_answer():
    app = LineApp()
    async with app.run_test() as pilot:
        now = event_clock()
        # the paste's first piece, then — 3 ms later, the reader having lost
        # the GIL — its rest, final Enter included
        keys_at(app, "one\ntwo", now, 0.00001)
        keys_at(app, "-two\nthree\n", now + 0.003, 0.00001)
        prompt = await until(lambda: isinstance(app.screen, PasteConfirmScreen) and app.screen)
        await until(lambda: prompt.decision.text == "one\ntwo-two\nthree")
        await pilot.pause()
        assert app.entered == [] and isinstance(app.screen, PasteConfirmScreen)
        await pilot.press("ctrl+s")  # an answer, pressed once it was seen
        await until(lambda: app.entered == [("one", ("two-two", "three"))])
        assert app.query_one(InputLine).value == ""


async def test_a_burst_held_a_while_shows_a_hint_then_lands():
    import asyncio

    from screens.widgets.paste_guard import HELD_HINT, HELD_HINT_AFTER
    from tui.paste import BurstDetector

    app = LineApp()
    async with app.run_test() as pilot:
        line = app.query_one(InputLine)
        # a burst that keeps coming (keys 10 ms apart may continue it here)
        line.bursts = BurstDetector(5, end_ms=50)
        start = event_clock()
        keys_at(app, "ab", start, 0.00001)
        sent = 2
        while event_clock() - start < HELD_HINT_AFTER + 0.2:
            await asyncio.sleep(0.01)
            keys_at(app, "c", event_clock(), 0)
            sent += 1
            if line.has_class("-held"):
                break
        assert line.has_class("-held") and line.placeholder == HELD_HINT and line.value == ""
        # the burst ends (one line, no Enter: typing): in the line, hint gone
        await until(lambda: not line.has_class("-held"))
        assert line.value == "ab" + "c" * (sent - 2) and line.placeholder == ""
        await pilot.pause()
