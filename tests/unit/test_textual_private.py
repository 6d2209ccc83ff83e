"""screens/textual_private.py: the pieces that need no running app."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.cache import FIFOCache
from textual.strip import Strip

from screens import textual_private
from screens.textual_private import STRIP_CACHES, lazy_strip_caches


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
        assert keys_first._arrived > before and keys_first.slice_hold() > 0
    finally:
        textual_private._key_listeners.remove(keys_first.key_arrived)
