"""Keys first: a typed key's frame is not the one that redraws the log.

During a flood the message log follows up to ten times a second, and a
frame that redraws it costs 15–25 ms (W4, asyncio's slow-callback log: every callback
over 15 ms during a flood was Textual's screen update).  A key that lands
in the same frame waits for all of it.  So a log redraw due within
:data:`KEY_FRAME` of a key waits until then — the key's frame goes out
alone, small — but never more than :data:`MAX_HOLD` in all (someone typing
without pause still sees the conversation move).

The server's data is the other thing a key waits behind: tui/core/pacing.py
feeds it in slices of 2 ms with a turn of the loop between them, but a key
takes several turns to reach the screen (the loop hearing from the input
thread, the app, the screen, the input line, the frame), each behind a
slice.  From the moment the key is parsed on Textual's input thread, the
next slice waits :data:`KEY_PATH` (:func:`key_on_its_way`, installed by the real
app), or until the key's frame is out (:func:`key_drawn`), if sooner.  Measured (W6, 5,000 presences, keys 40 ms apart): keys
43 / 77 / 181 ms (median / p90 / worst) → 32 / 51 / 71 ms, the storm settled
in 0.97–1.04 s instead of 0.95; 25 ms would give 23 / 44 / 69 ms but cost
W7's join 20 % of its time.

The screen's own frames are the third (:func:`key_on_its_way` again, asked
by the main screen's ticks while the input line has the focus:
``textual_private.hold_frames_with``): a follow that scrolled the log just
before a key drew 4–8 ms of frame at the screen's next tick, between the
key's parse and its own frame, and a key's frame drew the log's pending
scroll with it.  Now the ticks wait while a key is on its way, the key's
frame leaves the scroll to the next tick (``textual_private.draw_soon``),
and a follow due while a key is parsed but not yet at the line waits for
it like one due after a key (:func:`hold`).  W4, 15 runs each way
interleaved: keys during the flood p99 17.9 → 13.1 ms, the worst of a
run 11.7–24.8 → 10.0–16.8 ms (runs over 20 ms 8 → 0).
"""

from __future__ import annotations

from time import monotonic

KEY_FRAME = 0.025  # a frame (16.7 ms at 60 fps) and the time to draw it
MAX_HOLD = 0.1

_last_key = float("-inf")


def key_pressed() -> None:
    """A key reached the input line (the paste guard says so for each)."""
    global _last_key
    _last_key = monotonic()


def last_key() -> float:
    """When the last key was typed (``time.monotonic``); the collector's
    idle clock too (tui/collector.py)."""
    return _last_key


def hold(due_since: float, now: float | None = None) -> float:
    """Seconds a redraw due since ``due_since`` should wait for a key's frame
    (0: go): a key typed, or parsed and still on its way to the line."""
    now = monotonic() if now is None else now
    wait = max(_last_key, _arrived) + KEY_FRAME - now
    if wait <= 0 or now - due_since >= MAX_HOLD:
        return 0.0
    return min(wait, due_since + MAX_HOLD - now)


_arrived = float("-inf")


def key_arrived() -> None:
    """A key is on its way: parsed on Textual's input thread (the real app,
    ``textual_private.hear_keys_on_the_input_thread``: a busy loop takes
    turns to hear of it), or reached the app.  Thread-safe (one float)."""
    global _arrived
    _arrived = monotonic()


KEY_PATH = 0.012  # from a key parsed to its frame: server slices wait

# Textual parses keys on its input thread, which needs the interpreter lock:
# while the loop runs a slice the thread waits for CPython's switch interval
# (5 ms) before it can even make the key's event, once or more per key.
# 1 ms (the real app sets it): W6 key → event median 6.4 -> 1.4 ms, p90
# 13 -> 4 ms.  A thread that does not wait for the lock costs nothing more.
SWITCH_INTERVAL = 0.001


def key_drawn() -> None:
    """The input line's frame is out (``textual_private.draw_soon``): the
    slices need wait no longer — unless a key parsed since has not reached
    the line yet."""
    global _arrived
    if _arrived <= _last_key:
        _arrived = float("-inf")


def key_on_its_way(now: float | None = None) -> float:
    """Seconds the server's next slice, and the main screen's next frame,
    wait for a key on its way (0: go)."""
    now = monotonic() if now is None else now
    wait = _arrived + KEY_PATH - now
    return wait if wait > 0 else 0.0
