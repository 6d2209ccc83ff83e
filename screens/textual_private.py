"""Textual's private APIs, in one room.

Where Textual gives no public hook for something Parlons needs, the
workaround is one function here, with the Textual version it was checked
against. After a Textual upgrade this is the file to read (each function
says what it relies on), and these the tests to run first:
tests/unit/test_keymap.py, test_terminal_modes.py, test_hangup.py, test_terminal_input.py,
tests/ui/test_input_line.py, test_paste_arriving.py, tests/terminal/.

Not gathered here, because Textual documents the mechanism: widgets'
``_on_key``/``_on_paste`` handlers run before the base class's own (Textual
calls the handler of every class in the MRO, and ``prevent_default()``
stops the base's), which is how the input line takes keys before ``Input``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from rich.color import Color as RichColor
from rich.control import Control
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual import _ansi_sequences, events, messages
from textual import _compositor as _compositor_module
from textual._compositor import Compositor
from textual._context import active_app
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.cache import FIFOCache
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.errors import NoWidget
from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.driver import Driver
from textual.keys import _character_to_key
from textual.message import Message
from textual.renderables.blank import Blank
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.widget import Widget
from textual.widgets import Input

log = logging.getLogger(__name__)

TEXTUAL_CHECKED = "8.2.8"  # every function below was read against this version


# -- keys and the terminal parser ---------------------------------------------


@dataclass(frozen=True)
class KeyName:
    """Quacks like a ``textual.keys.Keys`` member in the parser's sequence
    table: the parser reads ``.value``. (Textual 8.2.8)"""

    value: str


def add_escape_sequences(sequences: Mapping[str, tuple[KeyName, ...]]) -> None:
    """Teach the terminal parser more sequences (idempotent). Textual 8.2.8:
    ``XTermParser`` looks every sequence up in the module-level
    ``textual._ansi_sequences.ANSI_SEQUENCES_KEYS``; there is no public way
    to extend it."""
    _ansi_sequences.ANSI_SEQUENCES_KEYS.update(sequences)  # type: ignore[attr-defined]  # a dict


def character_to_key(character: str) -> str:
    """The key name Textual gives a typed character ("£" → "pound_sign").
    Textual 8.2.8: ``textual.keys._character_to_key``, also what the parser
    and ``Binding.make_bindings`` use."""
    return _character_to_key(character)


def event_clock() -> float:
    """The clock ``events.Key.time`` is stamped with (monotonic seconds).
    Textual 8.2.8: ``textual._time.get_time``."""
    return get_time()


# A read that begins this soon after the previous one ended found its text
# waiting (select, read and decode take tens of µs): more of the same input.
READ_CHAIN = 0.001


def stamp_keys_by_read() -> None:
    """Stamp the keys of one terminal read on the reader thread's own
    clock (idempotent).  Textual stamps each message as its parser makes
    it (``Message.time``, in ``__init__``), on the driver's input thread;
    when that thread waits for the CPU or the GIL between two keys of one
    read (our loop rendering, a loaded machine), keys that arrived in one
    write get stamps milliseconds apart — a pause to the burst detector
    (``tui.paste``), and a raw paste cut so right before a newline sent its
    first line (seen once in CI).  Here a read's messages are stamped from
    the wall time its parsing began plus the CPU time the thread has spent
    on it since: waiting adds nothing, the keys of one read stay
    microseconds apart, and no stamp is later than the wall clock.  A read
    that begins within ``READ_CHAIN`` of the previous one's end (a long
    paste read 4 KB at a time) goes on from where that one's stamps ended;
    after a longer pause the stamps are the wall clock's again.  Textual
    8.2.8: every driver feeds each read's text to ``XTermParser.feed``, a
    generator of the parsed messages; wrapped once, on the class.  A read
    is parsed whole before its first message is posted (what
    :func:`see_reads_on_the_input_thread` needs)."""
    if getattr(XTermParser.feed, "_parlons_stamps", False):
        return
    original = XTermParser.feed

    def feed(parser: XTermParser, data: str) -> Iterable[Message]:
        began, cpu = get_time(), time.thread_time()
        ended, behind = getattr(parser, "_parlons_read_end", (None, 0.0))
        if ended is None or began - ended >= READ_CHAIN:
            behind = 0.0  # how far the stamps are behind the wall clock
        read = []
        for message in original(parser, data):
            message.time = began - behind + (time.thread_time() - cpu)
            read.append(message)
        for see in _read_watchers:
            try:
                see(data, read)
            except Exception:  # the keys still go to the app: the input thread must not die
                log.exception("a watcher of the terminal's input failed")
        yield from read
        ended = get_time()
        parser._parlons_read_end = (  # type: ignore[attr-defined]
            ended, behind + (ended - began) - (time.thread_time() - cpu))

    feed._parlons_stamps = True  # type: ignore[attr-defined]
    XTermParser.feed = feed  # type: ignore[method-assign, assignment]


_read_watchers: list[Callable[[str, list[Message]], None]] = []


def see_reads_on_the_input_thread(see: Callable[[str, list[Message]], None]) -> None:
    """``see(data, messages)`` runs on the input thread for each terminal
    read, with what the parser made of it, before any of it is posted to
    the app (idempotent per ``see``; quick and thread-safe).  The same
    wrapper of ``XTermParser.feed`` as :func:`stamp_keys_by_read`, which it
    installs: a read is parsed whole, then posted.  A watcher that raises
    is logged, and the keys go on (the input thread must not die)."""
    if see not in _read_watchers:
        _read_watchers.append(see)
    stamp_keys_by_read()


def after_each_display(callback: Callable[[App], None]) -> None:
    """``callback(app)`` on the loop after each frame went to the driver
    (idempotent per ``callback``).  Textual 8.2.8: ``App._display`` writes
    a frame (its synchronized-output brackets, the frame, the cursor) with
    ``driver.write``; wrapped once, on the class."""
    if callback not in _display_listeners:
        _display_listeners.append(callback)
    if getattr(App._display, "_parlons_listened", False):
        return
    original = App._display

    def _display(app: App, screen: Screen, renderable: Any) -> None:
        original(app, screen, renderable)
        for listener in _display_listeners:
            listener(app)

    _display._parlons_listened = True  # type: ignore[attr-defined]
    App._display = _display  # type: ignore[method-assign, assignment]


_display_listeners: list[Callable[[App], None]] = []


def parse_terminal_input(data: str) -> list[Any]:
    """What Textual's parser makes of ``data`` as a terminal would send it,
    pending sequences resolved as at end of input (tests). Textual 8.2.8:
    ``textual._xterm_parser.XTermParser.feed``."""
    parser = XTermParser()
    return list(parser.feed(data)) + list(parser.feed(""))


# -- the driver ---------------------------------------------------------------


def driver_of(app: App) -> Driver | None:
    """The app's driver (None before it runs). Textual 8.2.8: ``App._driver``."""
    return getattr(app, "_driver", None)


def app_of(driver: Driver) -> Any:
    """The app a driver serves. Textual 8.2.8: ``Driver._app``."""
    return driver._app


def send_as_terminal(app: App, message: Message) -> None:
    """Hand ``message`` to the app as its driver does with parsed input (a
    key with the time stamp we choose, for tests and benchmarks). Textual
    8.2.8: ``App._driver.send_message``."""
    driver = driver_of(app)
    assert driver is not None, "the app is not running"
    driver.send_message(message)


_key_takers: list[Callable[[Any, events.Key], bool]] = []
_key_listeners: list[Callable[[], None]] = []


def take_keys_before_the_app(take: Callable[[Any, events.Key], bool]) -> None:
    """Keys for which ``take(app, key)`` is true never reach the app: it
    runs on the input thread, for every parsed key (idempotent per ``take``).
    Textual 8.2.8: ``Driver.process_message`` is the parser's callback for
    every driver, and the only place before the key is posted to the app;
    it is wrapped once, on the class."""
    if take not in _key_takers:
        _key_takers.append(take)
    _wrap_process_message()


def hear_keys_on_the_input_thread(listener: Callable[[], None]) -> None:
    """``listener()`` runs on the input thread as each key is parsed, before
    the key is posted to the app (idempotent per ``listener``): the first
    moment Parlons can know a key is on its way — the loop may take several
    turns to hear of it while it is busy.  Same hook as
    :func:`take_keys_before_the_app`; it must be quick and thread-safe."""
    if listener not in _key_listeners:
        _key_listeners.append(listener)
    _wrap_process_message()


def _wrap_process_message() -> None:
    if getattr(Driver.process_message, "_parlons_takers", False):
        return
    original = Driver.process_message

    def process_message(driver: Driver, message: Any) -> None:
        if isinstance(message, events.Key):
            for listener in _key_listeners:
                listener()
            if any(t(app_of(driver), message) for t in _key_takers):
                return
        original(driver, message)

    process_message._parlons_takers = True  # type: ignore[attr-defined]
    Driver.process_message = process_message  # type: ignore[method-assign, assignment]


def guard_driver_output(driver: Driver, guard: Callable[[IO[str]], object]) -> None:
    """Put ``guard(file)`` between the driver's writer thread and the
    terminal; call from the driver's ``__init__``, before it starts.
    Textual 8.2.8: ``LinuxDriver._file`` is what ``start_application_mode``
    hands to its ``WriterThread``."""
    driver._file = guard(driver._file)  # type: ignore[attr-defined]


def terminal_parser(driver: Driver | None = None) -> XTermParser:
    """A parser of the terminal's input, as ``driver``'s input thread makes
    it (tests: none). Textual 8.2.8: ``XTermParser(debug)``, ``Driver._debug``."""
    return XTermParser(driver._debug if driver is not None else False)


def parser_deadline(parser: XTermParser) -> float | None:
    """When the parser gives up waiting for the rest of a sequence (a lone
    Escape becomes the key) if nothing more comes: its ``tick()`` is due
    then (the :func:`event_clock`); None: it waits for nothing. Textual
    8.2.8: ``Parser._timeout_time``, set by ``feed`` from a ``Read1``'s
    timeout (only the Escape's, ``ESCAPE_DELAY``), cleared by the next
    character and by ``tick``."""
    return parser._timeout_time


def replace_driver_exit_flag(driver: Driver, flag: Any) -> None:
    """Make ``flag`` (a ``threading.Event``) the flag that stops the
    driver's input thread; call from the driver's ``__init__``. Textual
    8.2.8: ``LinuxDriver.exit_event``, set and cleared by ``disable_input``
    (and by :func:`stop_driver_input`)."""
    driver.exit_event = flag  # type: ignore[attr-defined]


def stop_driver_input(driver: Driver) -> None:
    """Make the driver's input thread stop reading (it would read EOF in a
    loop on a hung-up terminal). Textual 8.2.8: ``LinuxDriver.exit_event``
    ends the loop of ``run_input_thread``."""
    driver.exit_event.set()  # type: ignore[attr-defined]


def call_on_app_loop(driver: Driver, callback: Callable[[], None]) -> None:
    """Run ``callback`` on the app's loop, from a driver thread. Textual
    8.2.8: ``Driver._loop`` is the loop the driver was created in."""
    driver._loop.call_soon_threadsafe(callback)


# -- the app ------------------------------------------------------------------


def in_message_loop(app: App) -> bool:
    """Is the current task the app's own message loop (where awaiting a
    screen's answer would freeze the UI)? Textual 8.2.8: ``App._task``."""
    return asyncio.current_task() is app._task


def app_bindings(app: App) -> list[Binding]:
    """The bindings an app declared (``BINDINGS`` and Textual's defaults).
    Textual 8.2.8: ``DOMNode._bindings`` is the node's ``BindingsMap``."""
    return [binding for _key, binding in app._bindings]


def replace_app_bindings(app: App, bindings: Iterable[Binding]) -> None:
    """Make ``bindings`` (with their ids, keys taken as given) the app's
    whole set, before it runs. Textual 8.2.8: ``App.set_keymap`` only
    rebinds ids that exist already; ours come from a key-map file, so the
    map is built with ``BindingsMap._add_binding`` and set as
    ``DOMNode._bindings``."""
    bindings_map = BindingsMap()
    for binding in bindings:
        bindings_map._add_binding(binding)
    app._bindings = bindings_map


def bound_above(widget: DOMNode, key: str) -> bool:
    """Is ``key`` bound by an ancestor of ``widget`` (screen, app; after the
    app's key map), up to the first modal screen? Textual 8.2.8: walks each
    node's ``_bindings`` with ``App._keymap`` applied, as
    ``Screen.active_bindings`` does, but without calling
    ``check_consume_key`` (which would recurse when ``widget`` asks this from
    its own ``check_consume_key``)."""
    keymap = getattr(widget.app, "_keymap", None)
    for ancestor in widget.ancestors:
        bindings = ancestor._bindings
        if keymap:
            bindings = bindings.copy()
            bindings.apply_keymap(keymap)
        if key in bindings.key_to_bindings:
            return True
        if ancestor.is_modal:
            break
    return False


# -- widgets ------------------------------------------------------------------


def restart_cursor_blink(input: Input) -> None:
    """Show the input's cursor at once, as Input does after its own editing
    keys. Textual 8.2.8: ``Input._restart_blink``."""
    input._restart_blink()


def cursor_shown(input: Input) -> bool:
    """Is the input's cursor drawn now (not in the off half of its blink)?
    Textual 8.2.8: ``Input._cursor_visible``."""
    return bool(input._cursor_visible)


# -- what tests look at ---------------------------------------------------------


def screen_lines(app: App) -> list[str]:
    """The text of every line of the screen as composed (the compositor's strips)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def messages_waiting(node: DOMNode) -> int:
    """How many messages wait in ``node``'s queue (Textual's MessagePump)."""
    return node._message_queue.qsize()


def propagation_stopped(message: Message) -> bool:
    """Did a handler call ``stop()`` on ``message`` (it bubbles no further)?"""
    return message._stop_propagation


class PlainRows:
    """A widget's rows as its ``render_line`` gives them, without Textual's
    per-row styling, for a widget whose rows are already whole.

    Textual 8.2.8: ``Widget.render_lines`` → ``StylesCache.render_widget``
    runs, for each row not in its cache (after a scroll: every row),
    ``StylesCache.render_line``: border, outline, padding and tint looked up
    again, two closures, and a new ``Strip`` — whose line-filter cache is
    therefore empty, so the filter (``ANSIToTruecolor``) runs on the row
    again.  For a 160x48 log whose rows the log itself keeps, 1.6 ms a frame
    against 0.24 (headless): in a flood, a follow's frame redraws the whole
    log up to ten times a second, and a key typed meanwhile waits for it.

    :meth:`render` does what that path does for a widget with no border,
    outline, padding, scrollbar gutter, tint, hatch, opacity below 1, text
    opacity or links styled on hover: each row widened to the widget's
    width if short, the line filters applied, cropped to ``crop``'s columns.
    A row still in view is filtered once: the filtered copies of the last
    frames' rows are kept here (a few screens' worth, for one background and
    set of filters), not in the rows themselves (``Strip.apply_filter``
    caches its copy in the strip, and the log keeps 512 messages' rows: W5's
    memory grew by 3.8 MiB).  A widget styled otherwise goes Textual's way
    (its styles cache holds no stale row then: every refresh still marks the
    rows it touches dirty there, whoever draws them, and a style change
    clears it)."""

    def __init__(self, widget: Widget) -> None:
        self.widget = widget
        # the rows drawn lately, filtered: id(row) -> (row, what was drawn), for one
        # background and set of filters (a change of either empties it)
        self._filtered: dict[int, tuple[Strip, Strip]] = {}
        # rows filtered ahead of the frame that will draw them (:meth:`prepare`), until drawn
        self._prepared: dict[int, tuple[Strip, Strip]] = {}
        self._filtered_for: tuple[Any, ...] = ()

    def plain(self) -> bool:
        """Nothing of Textual's per-row styling would change a row."""
        return _plain(self.widget)

    def _filtering(self, background: Any, filters: Sequence[Any]) -> None:
        """The copies kept are for this background and these filters: any
        kept for others are dropped."""
        if self._filtered_for != (background, *filters):
            self._filtered, self._prepared, self._filtered_for = {}, {}, (background, *filters)

    def render(self, crop: Region) -> list[Strip]:
        widget = self.widget
        if not self.plain():
            return Widget.render_lines(widget, crop)
        width = widget.region.width
        base_background, background = widget.background_colors
        filters = widget.get_line_filters()
        fill = None
        self._filtering(background, filters)
        kept: dict[int, tuple[Strip, Strip]] = self._filtered
        prepared = self._prepared
        drawn: dict[int, tuple[Strip, Strip]] = {}
        strips = []
        for y in crop.line_range:
            row = widget.render_line(y)
            found = kept.get(id(row))
            if found is None and prepared:
                found = prepared.pop(id(row), None)
            if found is not None and found[0] is row:
                strip = found[1]
            else:
                strip = row
                if strip.cell_length != width:
                    if fill is None:
                        fill = TextualStyle(background=base_background + background).rich_style
                    strip = strip.adjust_cell_length(width, fill)
                strip = filtered(strip, filters, background)
            drawn[id(row)] = (row, strip)
            strips.append(strip)
        if crop.height >= widget.region.height or len(kept) + len(drawn) > 4 * widget.region.height:
            self._filtered = drawn
        else:
            kept.update(drawn)
        if crop.column_span != (0, width):
            left, right = crop.column_span
            strips = [strip.crop(left, right) for strip in strips]
        return strips

    def prepare(self, rows: list[Strip]) -> None:
        """Filter ``rows`` ahead of the frame that will draw them, as
        :meth:`render` would, and keep them until drawn (rows prepared
        before and not drawn yet are dropped past a few screens' worth; a
        row of another width is left to :meth:`render`)."""
        widget = self.widget
        if not self.plain():
            return
        width, height = widget.region.width, widget.region.height
        _, background = widget.background_colors
        filters = widget.get_line_filters()
        self._filtering(background, filters)
        if len(self._prepared) + len(rows) > 4 * height:
            self._prepared = {}
        kept, prepared = self._filtered, self._prepared
        for row in rows:
            if row.cell_length != width:
                continue
            found = kept.get(id(row)) or prepared.get(id(row))
            if found is None or found[0] is not row:
                prepared[id(row)] = (row, filtered(row, filters, background))


def filtered(strip: Strip, filters: Sequence[Any], background: Any) -> Strip:
    """``strip`` through a widget's line filters (``get_line_filters()``,
    over its background), as ``StylesCache.render_line`` applies them.
    Textual's ANSI-to-truecolour filter is skipped for a row it would leave
    as it is (every colour already RGB, nothing dim, as the log's rows):
    it made a new segment per segment, 40 µs a row, a tenth of the loop's
    CPU while the log follows a flood (measured headless at 160x48; the
    check costs 5 µs a row)."""
    for line_filter in filters:
        if isinstance(line_filter, ANSIToTruecolor) and _truecolour_already(strip):
            continue
        strip = Strip(line_filter.apply(list(strip), background), strip.cell_length)
    return strip


def _truecolour_already(strip: Strip) -> bool:
    """What ``ANSIToTruecolor.truecolor_style`` (Textual 8.2.8) returns
    unchanged: no colour by name or number, no dim colour."""
    for _text, style, _control in strip:
        if style is None:
            continue
        color, bgcolor = style.color, style.bgcolor
        if color is not None and (color.triplet is None or style.dim):
            return False
        if bgcolor is not None and bgcolor.triplet is None:
            return False
    return True


def _plain(widget: Widget) -> bool:
    """Nothing of Textual's per-row styling (8.2.8: ``StylesCache.render_line``)
    would change ``widget``'s rows: no border, padding, outline, opacity,
    tint, hatch, or links styled on hover."""
    styles = widget.styles
    if widget.content_region.size != widget.region.size:  # border, padding
        return False
    if widget.opacity != 1.0 or styles.text_opacity != 1.0 or styles.tint.a:
        return False
    if any(edge for edge, _colour in styles.outline):
        return False
    if styles.has_rule("hatch") and styles.hatch != "none":
        return False
    hover = widget.hover_style
    return not (widget.auto_links and hover.link_id and "@click" in hover.meta)


class PlainScrollBar(ScrollBar):
    """A vertical scrollbar drawn straight to its rows (Textual 8.2.8).

    Textual's ``ScrollBar`` renders a Rich renderable (``ScrollBarRender``)
    through the console, then each row through the styles cache: ~0.45 ms
    for a 44-row bar headless, 1–2.6 ms under tmux — at every frame of a
    flood, since each follow moves the log's thumb, and at every layout of
    a room's window (the log's and the nick list's).  Here the same
    segments (``renderer.render_bar``, with the colours ``ScrollBar.render``
    picks: hovered, grabbed or not) are each laid over the bar's own style,
    as that path does, and the line filters run once per distinct segment
    (a bar has at most five).  Its mouse actions are the segments' meta, as
    before.  A bar styled beyond that (border, padding, tint, opacity, a
    hatch: checked as :class:`PlainRows` does; a screen whose scrollbars
    are transparent) goes Textual's way.  tests/ui/test_message_log.py
    compares the two, cell by cell."""

    def render_lines(self, crop: Region) -> list[Strip]:
        if not self.vertical or self.screen.styles.scrollbar_color.a == 0 or not _plain(self):
            return super().render_lines(crop)
        # ScrollBar.render's renderable: its colours, sizes and position, as
        # its __rich_console__ would draw them at this size
        painter = self.render()
        assert isinstance(painter, ScrollBarRender) and isinstance(painter.style, Style)
        width, height = self.size
        bar = painter.render_bar(
            size=height, virtual_size=painter.virtual_size, window_size=painter.window_size,
            position=painter.position, thickness=width, vertical=True,
            back_color=painter.style.bgcolor or RichColor.parse("#555555"),
            bar_color=painter.style.color or RichColor.parse("bright_magenta"))
        base = self.rich_style
        _, background = self.background_colors
        filters = self.get_line_filters()
        drawn: dict[int, Strip] = {}
        rows = []
        for segment in bar.segments[crop.y:crop.bottom]:
            strip = drawn.get(id(segment))
            if strip is None:
                strip = drawn[id(segment)] = filtered(
                    Strip([RichSegment(segment.text, base + segment.style)], width), filters, background)
            rows.append(strip)
        if crop.column_span != (0, width):
            left, right = crop.column_span
            rows = [row.crop(left, right) for row in rows]
        return rows


class PlainDrawing(Widget):
    """Mixed into a Line-API scroll view, after ``ScrollView`` (Textual 8.2.8
    takes a widget's default CSS and type names along each class's first
    base: first, this would hide ScrollView's): its vertical scrollbar is a
    :class:`PlainScrollBar`, and :meth:`base_style` keeps the widget's own
    style between frames."""

    _base_style: Style | None = None

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """What Textual 8.2.8's ``Widget.vertical_scrollbar`` does, with
        :class:`PlainScrollBar`."""
        made = self._vertical_scrollbar
        if made is not None:
            return made
        self._vertical_scrollbar = bar = PlainScrollBar(
            vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
        bar.display = False
        self.app._start_widget(self, bar)
        return bar

    def base_style(self) -> Style:
        """``rich_style``, computed again only after a style change: it
        walks the ancestors' styles (~20 µs), and every row is laid over it
        (44 rows of the nick list: 0.9 of its 2.3 ms)."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None


class PlainBackground(Widget):
    """Mixed into a container or screen, after its Textual class (see
    :class:`PlainDrawing`): rows that are only its background are made
    once, not each through the styles cache (Textual 8.2.8).

    The compositor asks every widget in view for all its rows, a container
    covered by its children too, and a layout pass empties the styles
    cache of every widget resized: a window switch drew the screen's 48
    background rows, the body's and the main area's 44 each — 119 rows
    through ``StylesCache.render_line`` per layout, a quarter of its time
    (headless profile, 160x48).  When the widget would draw ``Blank`` (a
    container without keylines; a screen of a solid colour) and
    :func:`_plain` holds, each row is the same strip, kept for its width,
    colours and line filters.  tests/ui/test_app.py compares it with
    Textual's, cell by cell."""

    _blank_rows: tuple[tuple[Any, ...], Strip] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        blank = self.render()
        if not isinstance(blank, Blank) or not _plain(self):
            return super().render_lines(crop)
        width = self.region.width
        _, background = self.background_colors
        filters = self.get_line_filters()
        key = (width, blank._rich_style, background, *filters)
        kept = self._blank_rows
        if kept is None or kept[0] != key:
            kept = self._blank_rows = (key, filtered(Strip.blank(width, blank._rich_style), filters, background))
        row = kept[1]
        if crop.column_span != (0, width):
            row = row.crop(*crop.column_span)
        return [row] * crop.height


class PlainHorizontal(Horizontal, PlainBackground):
    """``Horizontal``, its background drawn by :class:`PlainBackground`."""


class PlainVertical(Vertical, PlainBackground):
    """``Vertical``, its background drawn by :class:`PlainBackground`."""


def set_virtual_size(widget: Widget, size: Size) -> None:
    """``widget.virtual_size = size``, without a layout pass of the whole
    screen.  Textual 8.2.8: ``virtual_size`` is reactive with
    ``layout=True``: each change lays the screen out again and redraws
    every widget in it — joining a room of 1,000, the message log, the
    containers and the scrollbars were drawn again at each of the nick
    list's rebuilds (30 layouts, ~1,000 log rows); a room's window opening
    (the log narrower, the nick list shown) was laid out twice.  A scroll
    view whose size does not follow its content (neither width nor height
    ``auto``) needs only what ``Widget._scroll_update`` does: the
    scrollbars' visibility (reactive with ``layout=True`` itself: when a
    scrollbar appears or goes, the layout comes as before), their sizes,
    the scroll offset clamped.  The widget's own content is not redrawn:
    the caller refreshes (or scrolls) as it would have."""
    old = widget.virtual_size
    if size == old:
        return
    width, height = widget.styles.width, widget.styles.height
    if width is None or width.is_auto or height is None or height.is_auto or not widget.container_size:
        widget.virtual_size = size
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)


_size_updated = Widget._size_updated


def no_second_layout() -> None:
    """A layout pass does not ask for another (idempotent; Textual 8.2.8).

    ``Screen._refresh_layout`` tells every widget its new geometry through
    ``Widget._size_updated``, which stores the virtual size by assignment:
    the reactive's ``layout=True`` then asks for a layout of the whole
    screen again, for a size that very pass computed — each window switch
    and each resize was laid out (and the screen drawn) twice: opening a
    room's window 11 + 5–7 ms under tmux, keys typed meanwhile waiting for
    both.  The scroll pass (``layout=False``) already stores it without;
    here the full pass does too.  Nothing watches ``virtual_size``; a
    scrollable widget's scrollbars are updated by ``_size_updated`` itself
    (``_scroll_update``), and a scrollbar that appears or goes still asks
    for its layout."""
    if getattr(Widget._size_updated, "parlons", False):
        return

    def size_updated(self: Widget, size: Size, virtual_size: Size, container_size: Size,
                     layout: bool = True) -> bool:
        return _size_updated(self, size, virtual_size, container_size, layout=False)

    size_updated.parlons = True  # type: ignore[attr-defined]
    Widget._size_updated = size_updated  # type: ignore[method-assign]


def within_layout(widget: Widget, respond: Callable[[], None]) -> None:
    """Run ``respond`` (``widget``'s answer to a new size: content made for
    it) inside the layout pass that tells it, from an override of
    ``_size_updated``, so that the frame this pass draws shows it.

    Textual 8.2.8: ``Screen._refresh_layout`` calls ``_size_updated`` on
    each widget, draws, and only then posts Resize; ``Compositor.reflow``
    has marked the visible region of every widget whose geometry changed as
    dirty (``_dirty_regions``), so the pass draws all of it.  A repaint
    asked for of such a widget or of its scrollbars would be a second frame
    of the same rows: ``refresh()`` sets ``_repaint_required``, the
    widget's next idle posts an Update, and the screen draws the widget
    again at its next tick — for a refresh made here (``respond``'s), and
    for one made before this pass whose Update is still on its way (a
    window switch: the log was given its lines, then the screen laid out).
    Both are dropped (:func:`drop_covered_updates`).  A part this pass does
    not draw whole keeps its repaint."""
    respond()
    now = get_time()
    for part in (widget, widget._vertical_scrollbar, widget._horizontal_scrollbar):
        if part is not None and _drawn_by_this_layout(part):
            part._repaint_required = False
            _drawn_whole_at[part] = now


def _drawn_by_this_layout(widget: Widget) -> bool:
    """The whole visible region of ``widget`` is to be drawn by the screen's
    next compositor refresh (Textual 8.2.8: ``Compositor._dirty_regions``)."""
    compositor = widget.screen._compositor
    try:
        geometry = compositor.find_widget(widget)
    except NoWidget:
        return False
    visible = geometry.clip.intersection(geometry.region)
    return any(region.contains_region(visible) for region in compositor._dirty_regions)


# widget -> when a layout pass (about to draw it whole) took its new size
_drawn_whole_at: weakref.WeakKeyDictionary[Widget, float] = weakref.WeakKeyDictionary()


def drop_covered_updates() -> None:
    """An Update (Textual 8.2.8: ``messages.Update``, what a widget's
    ``refresh()`` becomes at its next idle) made before a layout pass that
    drew the widget whole (:func:`within_layout`) is not drawn again
    (idempotent)."""
    if getattr(Screen._on_update, "parlons", False):
        return
    on_update = Screen._on_update

    async def _on_update(self: Screen, message: messages.Update) -> None:
        drawn_at = _drawn_whole_at.get(message.widget)
        if drawn_at is not None and message.time < drawn_at:
            message.stop()
            message.prevent_default()
            return
        await on_update(self, message)

    _on_update.parlons = True  # type: ignore[attr-defined]
    Screen._on_update = _on_update  # type: ignore[method-assign]


def act_as(app: App) -> None:
    """Let the running task use ``app``'s widgets.  Textual 8.2.8 finds the
    app of a widget being composed through the ``active_app`` context
    variable (``textual._context``), which a task copies from where it was
    created: a task the core started before the app existed (the accounts
    start while the face loads: a signed first presence asking the key's
    passphrase) has none, and pushing a screen from it fails with
    ``NoActiveAppError``.  Set in the task's own context: no other task
    sees it."""
    active_app.set(app)


def closing(app: App) -> bool:
    """The app is shutting down: nothing more to draw.  ``App.exit()`` sets
    ``_exit``; ``App._shutdown`` (the end of ``run_test``, and of a run
    after its loop) clears ``_running`` before it removes the screens'
    widgets one by one — work due meanwhile finds them gone."""
    return bool(app._exit) or not app._running


def call_after(node: DOMNode, delay: float, callback: Callable[[], Any]) -> asyncio.TimerHandle:
    """``node.set_timer(delay, callback)`` that is never dropped (8.2.8).

    Textual's one-shot ``Timer`` (``skip=True``, ``textual/timer.py:_run``)
    reads the clock twice as it starts; when more than ``delay`` passes
    between the two reads — a GIL switch to the key reader or the store's
    thread (5 ms), a garbage collection — it counts its only tick as missed
    and ends without calling back.  Measured: the message log's follow (and
    so the last lines of a flood) and the app's model→screen sync stayed
    pending for good.  Here asyncio's own timer posts ``callback`` to the
    node's queue: it runs once, in order with the node's messages, unless
    the app is closing by then (:func:`closing`: the screens are being torn
    down); the handle's ``cancel()`` stops it."""
    app = node.app

    def unless_exiting() -> Any:
        if not closing(app):
            return callback()  # a coroutine is awaited by the node's call_later
        return None

    return asyncio.get_running_loop().call_later(delay, node.call_later, unless_exiting)


# -- drawing ---------------------------------------------------------------------

# Strip's caches, as Textual 8.2.8's Strip.__init__ makes them: name → maxsize.
STRIP_CACHES = {"_divide_cache": 4, "_crop_cache": 16, "_style_cache": 16, "_filter_cache": 4,
                "_line_length_cache": 4, "_crop_extend_cache": 4, "_offsets_cache": 4}
_strip_init = Strip.__init__


def lazy_strip_caches() -> None:
    """A ``Strip``'s caches are made when first used (idempotent; Textual
    8.2.8).  ``Strip.__init__`` makes seven ``FIFOCache`` objects (seven
    dicts) for every strip, and a frame makes hundreds of strips that are
    cut, joined or written once: at each follow of a flood the 44 new rows,
    the scrollbar's, and the pieces ``Strip.divide`` cuts every row into
    (W2 profile: ``FIFOCache.__init__`` was the frame's largest item of its
    own, ~10 %).  Now ``__init__`` sets the same plain fields and each cache
    slot stays empty until a method reads it: the slot's ``AttributeError``
    reaches ``__getattr__``, which makes that cache with Textual's size.
    What this relies on: the caches are slots only ``strip.py`` reads, by
    these names (``STRIP_CACHES``; tests/unit/test_textual_private.py checks
    them against a strip Textual's own ``__init__`` makes)."""
    if getattr(Strip.__init__, "parlons", False):
        return

    def __init__(self: Strip, segments: Iterable[Any], cell_length: int | None = None) -> None:
        self._segments = list(segments)
        self._cell_length = cell_length
        self._render_cache = None
        self._link_ids = None
        self._cell_count = None

    def __getattr__(self: Strip, name: str) -> Any:
        size = STRIP_CACHES.get(name)
        if size is None:
            raise AttributeError(name)
        cache: FIFOCache[Any, Any] = FIFOCache(size)
        setattr(self, name, cache)
        return cache

    __init__.parlons = True  # type: ignore[attr-defined]
    Strip.__init__ = __init__  # type: ignore[method-assign]
    Strip.__getattr__ = __getattr__  # type: ignore[attr-defined]


class _CursorMoves:
    """``Control.move_to`` as the compositor's frames use it, made once per
    cell: Rich builds each one afresh (a ``Control``, its codes, their
    text), once per piece of each row written.  Writing out a flood's frame
    at 160x48 took 0.9 ms, half of it these (0.5 ms now)."""

    move_to = staticmethod(functools.lru_cache(maxsize=1024)(Control.move_to))  # (a few cells per row)


def cursor_moves_made_once() -> None:
    """The compositor's frames take their cursor moves from
    :class:`_CursorMoves` (idempotent; Textual 8.2.8: ``textual._compositor``
    uses its module's ``Control`` for ``Control.move_to`` only).  A
    ``Control`` is not changed once made: the same one serves every frame."""
    _compositor_module.Control = _CursorMoves  # type: ignore[misc,assignment]  # (a stand-in, for its move_to)


def draw_only_what_shows() -> None:
    """A partial frame asks only the widgets it shows for their rows
    (idempotent; Textual 8.2.8).  ``Compositor._get_renders`` picks the
    widgets of a partial update by their *clip* (the region of the container
    that clips them): every widget of the body overlaps a frame of the log,
    so at each follow of a flood the nick list beside the log (and the
    containers behind both) drew all their rows, and ``_render_chops`` cut
    them up, for cells the frame never writes (``ChopsUpdate`` writes only
    the dirty spans, all inside the crop).  Here a widget is asked when the
    visible part of its region (region ∩ clip) overlaps the crop; the rows
    asked for are the same (that visible part, relative to the region), in
    the same order (front to back: the first strip for a cut wins).  A full
    frame (no crop) goes Textual's way."""
    if getattr(Compositor._get_renders, "parlons", False):
        return
    get_renders = Compositor._get_renders

    def _get_renders(self: Compositor, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not crop:
            yield from get_renders(self, crop)
            return
        overlaps = crop.overlaps
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if shown.width and shown.height and overlaps(shown):
                yield region, clip, widget.render_lines(
                    Region(shown.x - region.x, shown.y - region.y, shown.width, shown.height))

    _get_renders.parlons = True  # type: ignore[attr-defined]
    _get_renders.textual = get_renders  # type: ignore[attr-defined]  # (tests compare the two)
    Compositor._get_renders = _get_renders  # type: ignore[method-assign]


def draw_soon(widget: Widget, then: Callable[[], None] | None = None, *, alone: bool = False,
              after: asyncio.Future | None = None) -> None:
    """Draw ``widget`` (and whatever else waits to be drawn) at the next turn
    of the loop, not at the screen's next tick (Textual 8.2.8).  A widget's
    ``refresh()`` reaches the screen through three messages (the widget's
    Idle posts ``Update`` to the screen, whose Idle resumes its update
    timer), then waits for the timer's next tick — up to a frame (8 ms at
    120 fps) after the key, more when the loop is busy with a flood between
    the hops.  Here the screen takes ``widget`` into ``_dirty_widgets`` and
    runs ``_on_timer_update`` (what the tick runs: the layout if one is due,
    then the compositor for the dirty widgets) from one callback; the
    messages still come and find nothing left, or draw it once more.  One
    draw per screen is pending at a time; none once the screen is not
    current or the app is closing.  ``then()`` runs after that draw (or
    the decision not to draw).

    ``alone`` (a typed key's echo): the other widgets waiting to be drawn
    wait for the screen's next tick, and so does a scroll due (a flood's
    follow: the log's rows, 4–8 ms of frame under tmux; the widgets a key
    draws do not move with another's scroll), unless a layout is due (it
    draws what it moves) — W7's first key after the Enter of /join was
    drawn with the message log at its new width (2–5 ms), the log's own
    redraw after the room window's layout.  One request that is not
    ``alone`` makes the whole draw so (PageUp's: its scroll is drawn).

    ``after`` (Enter: what the line it submitted shows first): the draw waits
    until that future is done, but no more than :data:`AFTER_AT_MOST` — the
    cleared line and the command's output (or our message) in one frame,
    not the one at once and the other at the screen's tick, ~20 ms after
    the Enter.  A draw already pending does not wait."""
    screen = widget.screen
    pending = _pending_draws.get(screen)
    if pending is None:
        pending = _pending_draws[screen] = _PendingDraw({widget}, [], alone)
        app = widget.app

        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None

        def draw() -> None:
            if timer is not None:
                timer.cancel()
            request = _pending_draws.pop(screen, None)
            if request is None:
                return
            if screen.is_current and not closing(app):
                mine = {w for w in request.widgets if w.is_mounted}
                later: set[Widget] = set()
                scroll_later = False
                if request.alone and not screen._layout_required:
                    later = screen._dirty_widgets - mine
                    screen._dirty_widgets.difference_update(later)
                    scroll_later, screen._scroll_required = screen._scroll_required, False
                screen._dirty_widgets.update(mine)
                _draw(screen)
                if later or scroll_later:  # at the next tick (the timer's; stopped by the draw)
                    screen._dirty_widgets.update(later)
                    screen._scroll_required = screen._scroll_required or scroll_later
                    screen._update_timer.resume()
            for callback in request.thens:
                callback()

        if after is not None and not after.done():
            after.add_done_callback(lambda _done: loop.call_soon(draw))
            timer = loop.call_later(AFTER_AT_MOST, draw)
        else:
            loop.call_soon(draw)
    pending.widgets.add(widget)
    pending.alone = pending.alone and alone
    if then is not None and then not in pending.thens:
        pending.thens.append(then)


AFTER_AT_MOST = 0.012  # seconds a draw waits for ``after`` (keys typed meanwhile wait with it)

_screen_tick = Screen._on_timer_update  # Textual's own (hold_frames_with wraps the class's)

LAYOUT_SOON_WITHIN = 0.05  # seconds: the layout a switch asks for comes within a few turns of the loop


def lay_out_soon(widget: Widget) -> None:
    """The layout ``widget``'s screen is asked for next (within
    LAYOUT_SOON_WITHIN) is drawn at the next turn of the loop with
    ``widget``, not at the screen's next tick (a window switch: the room's
    nick list appears beside a narrower log).  A widget's layout request
    reaches the screen as a message once the widget is idle; the screen then
    waits for its update timer — up to a frame: /join's room window was laid
    out 20 ms after its sync, and W7's first key, typed once the Enter's line
    had cleared, waited for that layout in its own frame.  Textual 8.2.8:
    ``Screen._on_layout`` sets ``_layout_required`` and resumes the timer;
    wrapped once, on the class."""
    screen = widget.screen
    _layouts_soon[screen] = (weakref.ref(widget), time.monotonic() + LAYOUT_SOON_WITHIN)
    if getattr(Screen._on_layout, "parlons", False):
        return
    original = Screen._on_layout

    async def _on_layout(self: Screen, message: messages.Layout) -> None:
        await original(self, message)
        wanted = _layouts_soon.get(self)
        if wanted is None:
            return
        widget, until = wanted[0](), wanted[1]
        if widget is None or not widget.is_mounted or time.monotonic() > until:
            del _layouts_soon[self]
        elif self._layout_required:
            del _layouts_soon[self]
            asyncio.get_running_loop().call_soon(_lay_out_now, self)

    _on_layout.parlons = True  # type: ignore[attr-defined]
    Screen._on_layout = _on_layout  # type: ignore[method-assign]


def _lay_out_now(screen: Screen) -> None:
    """The layout still due, drawn now.  A tick of the screen's timer may
    have drawn it first (its callback was queued before ours): nothing is
    left to draw then — drawing the widget anyway, as draw_soon would, drew
    the log a second time after the layout's frame (a test caught it under
    load)."""
    if screen.is_current and screen._layout_required and not closing(screen.app):
        _draw(screen)


# screen → (the widget to draw with its next layout, until when); neither
# kept alive by it (the widget holds its screen: a strong one would keep both)
_layouts_soon: weakref.WeakKeyDictionary[Screen, tuple[weakref.ref[Widget], float]] = weakref.WeakKeyDictionary()


def hold_frames_with(hold: Callable[[Screen], float]) -> None:
    """A screen's ticks draw nothing while ``hold(screen)`` > 0 (a key on its
    way: its own frame, :func:`draw_soon`, goes first); a tick with a layout
    due draws as ever (idempotent; Textual 8.2.8: ``Screen._update_timer``
    calls ``_on_timer_update`` at each tick until a draw pauses it)."""
    global _frame_hold
    _frame_hold = hold
    time_frames()


def time_frames() -> None:
    """Count the main thread's CPU time in the screens' frames (idempotent):
    :func:`frames_cpu`.  The same wrapper of ``Screen._on_timer_update`` as
    :func:`hold_frames_with`; :func:`draw_soon` and :func:`lay_out_soon`
    draw through it too."""
    if getattr(Screen._on_timer_update, "parlons", False):
        return

    def _on_timer_update(self: Screen) -> None:
        if not self._layout_required and _frame_hold(self) > 0:
            return  # the timer ticks again
        _draw(self)

    _on_timer_update.parlons = True  # type: ignore[attr-defined]
    Screen._on_timer_update = _on_timer_update  # type: ignore[method-assign]


def frames_cpu() -> float:
    """CPU seconds the main thread has spent drawing frames (a screen's
    tick: the compositor's update, written out) since :func:`time_frames`;
    the difference between two readings is what the frames between them
    cost, a wait for a CPU or the interpreter lock left out."""
    return _frames_cpu


_frames_cpu = 0.0


def _draw(screen: Screen) -> None:
    global _frames_cpu
    began = time.thread_time()
    try:
        _screen_tick(screen)
    finally:
        _frames_cpu += time.thread_time() - began


def _no_frame_hold(_screen: Screen) -> float:
    return 0.0


_frame_hold: Callable[[Screen], float] = _no_frame_hold


@dataclass
class _PendingDraw:
    widgets: set[Widget]
    thens: list[Callable[[], None]]
    alone: bool  # every request for it was a key's echo


# screen → the draw draw_soon has scheduled for it
_pending_draws: dict[Widget, _PendingDraw] = {}
