"""Typed characters echoed ahead of the loop (screens/echo_ahead.py): what
is written to the terminal from the input thread, where, and when nothing
is.  The real thing under tmux: tests/terminal/test_echo_ahead_in_tmux.py."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip

from screens.echo_ahead import SEQ, EchoAhead, LineView, style_at
from screens.textual_private import parse_terminal_input

CONSOLE = Console(color_system="256", force_terminal=True)
TEXT = Style(color="color(253)", bgcolor="color(235)")
CURSOR = Style(color="color(233)", bgcolor="color(253)")
WIDTH = 20  # the line: screen columns 10..29 of row 5
SCREEN = (30, 6)
TEXT_ON = "\x1b[38;5;253;48;5;235m"
CURSOR_ON = "\x1b[38;5;233;48;5;253m"
OFF = "\x1b[0m"


class Terminal:
    """The writer thread's side: frames written so far, what was echoed."""

    def __init__(self) -> None:
        self.written = 0
        self.echoes: list[str] = []
        self.accepts = True
        self.screen = SCREEN

    def size(self) -> tuple[int, int]:
        return self.screen

    def write_now(self, text: str, wait: float) -> bool:
        if self.accepts:
            self.echoes.append(text)
        return self.accepts


def line(value: str, *, cursor_visible: bool = True) -> tuple[Strip, LineView]:
    """The input line as Input draws it: the value, the cursor cell, blanks."""
    strip = Strip([Segment(value, TEXT), Segment(" ", CURSOR) if cursor_visible else Segment(" ", TEXT),
                   Segment(" " * (WIDTH - len(value) - 1), TEXT)])
    view = LineView(eligible=True, screen=SCREEN, row=5, left=10, cursor=len(value), width=WIDTH, right_gutter=0,
                    cursor_visible=cursor_visible, text_start=0, style=TEXT, narrow=len(value))
    return strip, view


def keys(data: str) -> list:
    return parse_terminal_input(data)


def drawn(echo: EchoAhead, terminal: Terminal, value: str, **kwargs) -> Strip:
    """The loop draws the line and the frame goes out and is written."""
    strip, view = line(value, **kwargs)
    strip = echo.drawn(view, strip, CONSOLE)
    terminal.written += 1
    echo.displayed(terminal.written, still=True)
    return strip


def ready(value: str = "") -> tuple[EchoAhead, Terminal]:
    echo, terminal = EchoAhead(), Terminal()
    echo.output = terminal
    drawn(echo, terminal, value)
    return echo, terminal


def typed(echo: EchoAhead, data: str) -> list:
    read = keys(data)
    echo.read(data, read)
    return read


def at(column: int, text: str) -> str:
    """An echo of ``text`` at a screen column of row 5, the cursor after it."""
    return f"\x1b[6;{column + 1}H{TEXT_ON}{text}{OFF}{CURSOR_ON} {OFF}"


def test_typing_is_written_at_the_cursor_in_the_lines_colours_and_goes_on_after_it():
    echo, terminal = ready("hi")
    typed(echo, "a")
    typed(echo, "bc")  # a word in one read
    typed(echo, " ")
    assert terminal.echoes == [at(12, "a"), at(13, "bc"), at(15, " ")]


def test_an_empty_line_echoes_in_the_lines_own_colours():
    echo, terminal = ready("")
    typed(echo, "x")
    assert terminal.echoes == [at(10, "x")]


def test_nothing_is_echoed_before_the_lines_frame_is_written():
    echo, terminal = EchoAhead(), Terminal()
    echo.output = terminal
    typed(echo, "a")  # never drawn
    strip, view = line("")
    echo.drawn(view, strip, CONSOLE)
    typed(echo, "b")  # drawn, not yet displayed
    echo.displayed(1, still=True)
    typed(echo, "c")  # displayed, not yet written: the writer is behind
    assert terminal.echoes == []


def test_a_key_whose_effect_only_the_loop_knows_stops_the_echo_until_the_line_is_drawn_after_it():
    for other in ("\r", "\t", "\x1b[D", "\x01", "é", "a\rb", "\x1b[200~pasted\x1b[201~"):
        echo, terminal = ready("hi")
        read = typed(echo, other) + typed(echo, "x")
        assert terminal.echoes == [], repr(other)
        for key in read:
            echo.took(key)
        drawn(echo, terminal, "hi?x")
        typed(echo, "y")
        assert terminal.echoes == [at(14, "y")], repr(other)


def test_a_drawing_holds_the_keys_echoed_that_the_line_has_not_taken_yet():
    echo, terminal = ready("hi")
    a = typed(echo, "a")
    typed(echo, "b")
    for key in a:
        echo.took(key)
    # the loop draws "hia": "b" was echoed after it and must stay
    strip = drawn(echo, terminal, "hia")
    assert strip.text == "hiab" + " " * (WIDTH - 4)
    assert [style_at(strip, cell) for cell in (3, 4)] == [TEXT, CURSOR]
    typed(echo, "c")
    assert terminal.echoes[-1] == at(14, "c")


def test_refused_characters_and_a_full_line_are_not_echoed():
    echo, terminal = ready("hi")
    echo.refuse("k")
    typed(echo, "k")
    assert terminal.echoes == []

    echo, terminal = ready("x" * (WIDTH - 4))
    typed(echo, "a")
    typed(echo, "b")  # its cursor cell and the cell after it (Input's) still fit
    typed(echo, "c")  # the line would scroll
    assert terminal.echoes == [at(10 + WIDTH - 4, "a"), at(10 + WIDTH - 3, "b")]


def test_no_echo_once_a_frame_shows_something_else_than_the_line():
    echo, terminal = ready("hi")
    terminal.written += 1
    echo.displayed(terminal.written, still=False)  # a prompt on the screen
    typed(echo, "s3cret")
    assert terminal.echoes == []


def test_a_line_not_eligible_or_with_text_after_the_cursor_gives_no_spot():
    echo, terminal = EchoAhead(), Terminal()
    echo.output = terminal
    strip, view = line("hi")
    # not focused, a selection, a password, scrolled...: the line says so
    assert echo.drawn(replace(view, eligible=False), strip, CONSOLE) is strip
    terminal.written += 1
    echo.displayed(terminal.written, still=True)
    typed(echo, "a")
    # a placeholder or a hint drawn after the cursor
    hint = Strip([Segment(" ", CURSOR), Segment("… pasted text", TEXT), Segment(" " * (WIDTH - 14), TEXT)])
    echo.drawn(replace(view, cursor=0), hint, CONSOLE)
    terminal.written += 1
    echo.displayed(terminal.written, still=True)
    typed(echo, "b")
    assert terminal.echoes == []


def test_a_key_that_went_elsewhere_is_taken_back_and_stops_the_echo():
    echo, terminal = ready("hi")
    [a] = typed(echo, "a")
    assert echo.echoed(a)
    echo.missed(a)
    assert not echo.echoed(a)
    typed(echo, "b")
    assert terminal.echoes == [at(12, "a")]
    strip = drawn(echo, terminal, "hi")  # nothing of "a" is drawn again
    assert strip.text.rstrip() == "hi"


def test_a_terminal_that_does_not_take_the_echo_stops_it():
    echo, terminal = ready("hi")
    terminal.accepts = False
    typed(echo, "a")
    terminal.accepts = True
    typed(echo, "b")
    assert terminal.echoes == []


def test_every_message_of_a_read_is_numbered_in_order():
    echo, _terminal = ready("")
    first = typed(echo, "ab")
    second = typed(echo, "\x1b[Dc")
    seqs = [getattr(message, SEQ) for message in first + second]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 4
    assert all(isinstance(message, events.Key) for message in first)


def back(column: int, cells: int = 1) -> str:
    """An echo of Backspace from a cursor at ``column``: the cursor ``cells``
    back, the cells it leaves emptied."""
    return f"\x1b[6;{column - cells + 1}H{CURSOR_ON} {OFF}{TEXT_ON}{' ' * cells}{OFF}"


def test_backspace_at_the_end_of_the_line_is_echoed_and_the_next_keys_go_where_it_left_the_cursor():
    echo, terminal = ready("hello")
    typed(echo, "\x7f")
    typed(echo, "\x7f\x7fp")  # one read: two back, then "p"
    typed(echo, "s")
    assert terminal.echoes == [back(15), back(14, 2) + at(12, "p"), at(13, "s")]


def test_a_drawing_holds_the_backspaces_the_line_has_not_taken():
    echo, terminal = ready("hello")
    typed(echo, "\x7f\x7f")
    strip = drawn(echo, terminal, "hello")  # the loop draws before it takes them
    assert strip.text == "hel" + " " * (WIDTH - 3)
    assert [style_at(strip, cell) for cell in range(2, 6)] == [TEXT, CURSOR, TEXT, TEXT]
    typed(echo, "p")
    assert terminal.echoes[-1] == at(13, "p")


def test_backspace_is_not_echoed_into_a_wide_character_past_the_start_or_when_refused():
    echo, terminal = EchoAhead(), Terminal()
    echo.output = terminal
    strip, view = line("ab")
    echo.drawn(replace(view, narrow=1), strip, CONSOLE)  # "a" is wide, say: only "b" may go
    terminal.written += 1
    echo.displayed(terminal.written, still=True)
    typed(echo, "\x7f")
    typed(echo, "\x7f")
    assert terminal.echoes == [back(12)]

    echo, terminal = ready("")
    typed(echo, "\x7f")  # Input does nothing at the start: nothing to foresee
    assert terminal.echoes == []

    echo, terminal = ready("hi")
    echo.refuse("\x7f")
    typed(echo, "\x7f")
    assert terminal.echoes == []


def test_nothing_is_echoed_once_the_terminal_was_resized_until_the_line_is_drawn_for_its_size():
    echo, terminal = ready("hi")
    terminal.screen = (40, 10)  # the loop, busy, has not laid the screen out again
    typed(echo, "a")
    assert terminal.echoes == []
