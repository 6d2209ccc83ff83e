"""The terminal's DECRQM answer about bracketed paste, through Textual's own
parser and driver callback (the private API screens/terminal_modes.py uses)."""

from __future__ import annotations

from textual import events
from textual.driver import Driver

from screens import terminal_modes
from screens.textual_private import parse_terminal_input


class FakeApp:
    """Weak-referenceable, like an App."""


class RecordingDriver:
    """Just enough of a driver for Driver.process_message's wrapper."""

    def __init__(self, app) -> None:
        self._app = app
        self.cursor_origin = None
        self._down_buttons: list[int] = []
        self.sent: list = []

    def send_message(self, message) -> None:
        self.sent.append(message)


def parse(data: str) -> list:
    return parse_terminal_input(data)


def test_the_answer_is_noted_and_taken_out_of_the_keys() -> None:
    terminal_modes.install()
    terminal_modes.install()  # idempotent
    app = FakeApp()
    driver = RecordingDriver(app)
    tokens = parse("a\x1b[?2004;1$yb")
    assert [t.key for t in tokens if isinstance(t, events.Key)][0] == "a"
    assert not terminal_modes.brackets_pastes(app)
    for token in tokens:
        Driver.process_message(driver, token)  # type: ignore[arg-type]  # a stand-in
    assert [event.key for event in driver.sent] == ["a", "b"]  # the answer is no key
    assert terminal_modes.brackets_pastes(app)


def test_mode_reset_or_unknown_is_not_bracketing() -> None:
    terminal_modes.install()
    for ps in (0, 2, 4):
        app = FakeApp()
        for token in parse(f"\x1b[?2004;{ps}$y"):
            Driver.process_message(RecordingDriver(app), token)  # type: ignore[arg-type]  # a stand-in
        assert not terminal_modes.brackets_pastes(app), ps
    app = FakeApp()
    for token in parse("\x1b[?2004;3$y"):
        Driver.process_message(RecordingDriver(app), token)  # type: ignore[arg-type]  # a stand-in
    assert terminal_modes.brackets_pastes(app)
