"""screens/textual_private.py: the pieces that need no running app."""

from __future__ import annotations

import time
from collections.abc import Collection

import pytest
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual._xterm_parser import XTermParser
from textual.cache import FIFOCache
from textual.strip import Strip

from screens import textual_private
from screens.textual_private import STRIP_CACHES, lazy_strip_caches
from tui.paste import DEFAULT_BURST_MS, BurstDetector, LoopLag, replay


def _textuals_own(segments) -> Strip:
    strip = Strip.__new__(Strip)
    textual_private._strip_init(strip, segments)
    return strip


def _slot(strip: Strip, name: str):
    """The slot's value without going through ``__getattr__`` (None if unset)."""
    try:
        return getattr(Strip, name).__get__(strip, Strip)
    except AttributeError:
        return None


def test_the_caches_named_are_the_ones_textual_makes():
    """STRIP_CACHES is what Textual's own Strip.__init__ makes: the same
    names and sizes (a Textual upgrade that changes them fails here)."""
    strip = _textuals_own([Segment("hello")])
    made = {name: _slot(strip, name) for name in Strip.__slots__}
    caches = {name: cache._maxsize for name, cache in made.items() if isinstance(cache, FIFOCache)}
    assert caches == STRIP_CACHES


def test_a_strip_makes_its_caches_when_used_and_draws_the_same():
    lazy_strip_caches()
    lazy_strip_caches()  # idempotent
    segments = [Segment("hello ", Style(bold=True)), Segment("world", Style(color="red")), Segment("!")]
    strip, theirs = Strip(segments), _textuals_own(segments)
    assert all(_slot(strip, name) is None for name in STRIP_CACHES)  # nothing made yet
    assert strip.cell_length == theirs.cell_length == 12
    assert list(strip.crop(2, 9)) == list(theirs.crop(2, 9))
    assert isinstance(_slot(strip, "_crop_cache"), FIFOCache)
    assert _slot(strip, "_crop_cache")._maxsize == 16
    assert _slot(strip, "_divide_cache") is None  # only what was used
    assert [list(s) for s in strip.divide([3, 8])] == [list(s) for s in theirs.divide([3, 8])]
    assert list(strip.apply_style(Style(italic=True))) == list(theirs.apply_style(Style(italic=True)))
    assert list(strip.extend_cell_length(20)) == list(theirs.extend_cell_length(20))
    assert list(strip.crop_extend(1, 18, None)) == list(theirs.crop_extend(1, 18, None))
    assert list(strip.crop(2, 9)) == list(theirs.crop(2, 9))  # from the cache now
    assert strip.render(_console()) == theirs.render(_console())
    with pytest.raises(AttributeError):
        strip.not_an_attribute  # noqa: B018  (anything else is still missing)


def _console():
    from rich.console import Console

    return Console(color_system="truecolor", force_terminal=True, width=80)


def test_a_key_is_heard_on_the_input_thread_before_it_is_posted():
    """hear_keys_on_the_input_thread: the listener runs for each key as the
    driver's parser hands it over, before the app is sent it (the slices of
    a flood wait from then: keys_first.key_arrived); other events are not
    keys; a key taken before the app is still heard."""
    from textual import events
    from textual.driver import Driver

    from screens import keys_first
    from tests.unit.test_terminal_modes import FakeApp, RecordingDriver

    heard: list[int] = []
    driver = RecordingDriver(FakeApp())

    def listener() -> None:
        heard.append(len(driver.sent))  # how many were posted when it was heard

    textual_private.hear_keys_on_the_input_thread(listener)
    textual_private.hear_keys_on_the_input_thread(listener)  # idempotent
    try:
        for message in (events.Key("a", "a"), events.Paste("xyz"), events.Key("b", "b")):
            Driver.process_message(driver, message)  # a stand-in
        assert heard == [0, 2]
        assert [type(m).__name__ for m in driver.sent] == ["Key", "Paste", "Key"]
    finally:
        textual_private._key_listeners.remove(listener)
    before = keys_first._arrived
    textual_private.hear_keys_on_the_input_thread(keys_first.key_arrived)
    try:
        Driver.process_message(driver, events.Key("c", "c"))  # a stand-in
        assert keys_first._arrived > before and keys_first.key_on_its_way() > 0
    finally:
        textual_private._key_listeners.remove(keys_first.key_arrived)


def test_a_read_is_seen_whole_before_its_first_message_goes_and_a_failing_watcher_stops_nothing():
    """see_reads_on_the_input_thread (screens/echo_ahead.py's hook): the
    watcher has the read's text and every message parsed of it before the
    first is handed on; one that raises is logged, and the keys go on."""
    seen: list[tuple[str, list[str], int]] = []
    handed: list[str] = []

    def watcher(data, messages) -> None:
        seen.append((data, [m.key for m in messages], len(handed)))

    def failing(data, messages) -> None:
        raise RuntimeError("a bug in a watcher")

    textual_private.see_reads_on_the_input_thread(watcher)
    textual_private.see_reads_on_the_input_thread(failing)
    try:
        for message in XTermParser().feed("ab\r"):
            handed.append(message.key)
    finally:
        textual_private._read_watchers.remove(watcher)
        textual_private._read_watchers.remove(failing)
    assert seen == [("ab\r", ["a", "b", "enter"], 0)]
    assert handed == ["a", "b", "enter"]


# -- the keys of one read, stamped together -------------------------------------


def _read(parser, text: str, wait_after: Collection[int] = (), wait: float = 0.03) -> list[float]:
    """Feed ``text`` as one read, as the driver's input thread does, the
    thread off the CPU for ``wait`` seconds (as when it waits for the GIL or
    the CPU) after each message numbered in ``wait_after``; the stamps."""
    stamps = []
    for number, message in enumerate(parser.feed(text)):
        stamps.append(message.time)
        if number in wait_after:
            time.sleep(wait)
    return stamps


def test_the_keys_of_one_read_are_stamped_together_when_the_reader_waits():
    textual_private.stamp_keys_by_read()
    textual_private.stamp_keys_by_read()  # idempotent
    before = textual_private.event_clock()
    stamps = _read(XTermParser(), "abc\rdef\r", wait_after={2})
    after = textual_private.event_clock()
    assert len(stamps) == 8 and stamps == sorted(stamps)
    assert before <= stamps[0] and stamps[-1] <= after
    gaps = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
    assert max(gaps) < 0.005  # the 30 ms wait is not a pause between keys


def test_a_read_that_found_its_text_waiting_goes_on_from_the_one_before():
    textual_private.stamp_keys_by_read()
    parser = XTermParser()
    first = _read(parser, "x" * 40, wait_after=set(range(40)), wait=0.002)  # 80 ms of waiting
    second = _read(parser, "yz\r")
    assert 0 <= second[0] - first[-1] < 0.005
    assert second[-1] < textual_private.event_clock() - 0.05  # behind the wall clock, by the waiting


def test_a_read_after_a_pause_is_stamped_by_the_wall_clock_again():
    textual_private.stamp_keys_by_read()
    parser = XTermParser()
    first = _read(parser, "abc", wait_after={0})
    time.sleep(0.02)  # waiting for input: a real pause
    began = textual_private.event_clock()
    second = _read(parser, "d\r")
    assert second[0] >= began and second[0] - first[-1] >= 0.02


def test_a_raw_paste_cut_by_a_wait_before_its_newline_is_still_one_paste():
    """What failed once in CI: the reader thread lost the CPU right before
    the first newline of an unbracketed two-line paste read at once; that
    Enter looked typed after a pause, and sent the first line."""
    textual_private.stamp_keys_by_read()
    text = "the first pasted line\rthe second pasted line\r"
    parser = XTermParser()
    messages = list(parser.feed(text))
    stamps = _read(XTermParser(), text, wait_after={text.index("\r") - 1}, wait=0.02)
    keys = [("enter" if m.key == "enter" else m.character, stamp) for m, stamp in zip(messages, stamps)]
    assert all(isinstance(m, events.Key) for m in messages) and len(keys) == len(text)
    pasted = text.replace("\r", "\n")
    assert replay(BurstDetector(DEFAULT_BURST_MS), keys, LoopLag()) == ("", [pasted])


def test_the_truecolour_filter_is_skipped_only_where_it_would_change_nothing():
    """``filtered`` leaves a row whose colours are all RGB (and not dim) as
    it is; any other row is what Textual's ANSIToTruecolor makes of it."""
    from rich.terminal_theme import MONOKAI
    from textual.color import Color
    from textual.filter import ANSIToTruecolor, Monochrome

    to_truecolour, background = ANSIToTruecolor(MONOKAI), Color(10, 20, 30)
    rgb = Style(color="#aabbcc", bgcolor="#102030", bold=True)
    as_is = Strip([Segment("12:00 ", rgb), Segment("<bob> ", Style(color="#ffaa00")),
                   Segment("hello", None), Segment("  ", Style(bgcolor="#000000"))])
    assert textual_private.filtered(as_is, [to_truecolour], background) is as_is
    assert list(to_truecolour.apply(list(as_is), background)) == list(as_is)  # (what Textual would make)
    for changed in (Style(color="red"), Style(bgcolor="blue"), Style(color="color(100)"),
                    Style(color="default"), Style(color="#aabbcc", dim=True)):
        row = Strip([Segment("12:00 ", rgb), Segment("text", changed)])
        made = textual_private.filtered(row, [to_truecolour], background)
        assert list(made) == to_truecolour.apply(list(row), background) != list(row), changed
    styled = Strip([Segment("12:00 ", rgb), Segment("hello", Style(color="#ffaa00"))])
    grey = textual_private.filtered(styled, [to_truecolour, Monochrome()], background)  # other filters still apply
    assert list(grey) == Monochrome().apply(list(styled), background) != list(styled)


def test_a_frames_cursor_moves_are_rich_own_made_once():
    """The compositor's frames, written out, are the same with the cursor
    moves made once per cell as with Rich's made afresh."""
    from rich.console import Console
    from rich.control import Control
    from textual import _compositor
    from textual._compositor import ChopsUpdate

    row = Strip([Segment("hello ", Style(color="#aabbcc")), Segment("world", Style(bold=True))])
    update = ChopsUpdate([{0: row, 20: row}, {3: row}], [(0, 0, 40), (1, 0, 40)], [[11, 31], [14]])
    console = Console(color_system="truecolor", force_terminal=True, width=40)
    saved = _compositor.Control
    try:
        _compositor.Control = Control
        rich_own = update.render_segments(console)
        textual_private.cursor_moves_made_once()
        assert _compositor.Control.move_to(3, 1) is _compositor.Control.move_to(3, 1)
        assert update.render_segments(console) == rich_own
        assert "\x1b[2;4H" in rich_own and "\x1b[1;21H" in rich_own
    finally:
        _compositor.Control = saved


async def test_the_frames_cpu_counts_what_the_screens_ticks_draw():
    """frames_cpu grows with each frame a screen draws (its tick), in the
    main thread's CPU time: what the message log paces a flood's follows by."""
    from textual.app import App
    from textual.widgets import Static

    textual_private.time_frames()

    class Counter(App):
        def compose(self):
            yield Static("0", id="n")

    app = Counter()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = textual_private.frames_cpu()
        for n in range(1, 6):
            app.query_one("#n", Static).update(str(n) * 500)
            await pilot.pause()
        assert textual_private.frames_cpu() > before
