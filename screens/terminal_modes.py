"""Ask the terminal whether it brackets pastes (DECRQM, ``CSI ? 2004 $ p``).

A terminal that answers "mode 2004 is set" wraps every paste in
``ESC[200~ … ESC[201~``, so a burst of keys from it is typing, never a paste
(see tui.paste).  Knowing it before the first paste keeps keys bunched by a
slow link or by our own stall from being taken for one.  Many terminals
answer (xterm, VTE, kitty, foot, WezTerm, iTerm2); tmux 3.3a does not
(measured: no reply to DECRQM 2004, 2026 or 1049), nor do terminals without
the mode — then nothing changes.

Textual 8.2.8 (checked against it) sends DECRQM for modes 2026 and 2048 only
and drops any other mode report in its parser.  So, private API, all here:
the replies ``CSI ? 2004 ; Ps $ y`` are added to the parser's sequence table
(``textual._ansi_sequences.ANSI_SEQUENCES_KEYS``) as a key name of ours, and
``textual.driver.Driver.process_message`` (the parser's callback, in the
input thread) is wrapped to take those keys out of the stream and note the
answer per app; the question is written through ``app._driver``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from textual import _ansi_sequences, events
from textual.driver import Driver

BRACKETED_PASTE = 2004
QUERY = f"\x1b[?{BRACKETED_PASTE}$p"
REPLY_KEY = "parlons-decrqm-2004-"  # + Ps
# DECRPM Ps: 0 not recognised, 1 set, 2 reset, 3 permanently set, 4 permanently reset
MODE_SET = (1, 3)

_answers: "weakref.WeakKeyDictionary[object, int]" = weakref.WeakKeyDictionary()
_asked: "weakref.WeakSet[object]" = weakref.WeakSet()


@dataclass(frozen=True)
class _KeyName:
    """Quacks like a ``textual.keys.Keys`` member: the parser reads ``.value``."""

    value: str


def reply_sequences() -> dict[str, tuple[_KeyName]]:
    return {f"\x1b[?{BRACKETED_PASTE};{ps}$y": (_KeyName(f"{REPLY_KEY}{ps}"),) for ps in range(5)}


def install() -> None:
    """Teach the parser the replies and take them out of the key stream
    (idempotent; call before the app runs)."""
    _ansi_sequences.ANSI_SEQUENCES_KEYS.update(reply_sequences())
    if getattr(Driver.process_message, "_parlons_modes", False):
        return
    original = Driver.process_message

    def process_message(driver: Driver, message) -> None:
        if isinstance(message, events.Key) and message.key.startswith(REPLY_KEY):
            _answers[driver._app] = int(message.key[len(REPLY_KEY):])
            return
        original(driver, message)

    process_message._parlons_modes = True  # type: ignore[attr-defined]
    Driver.process_message = process_message  # type: ignore[method-assign]


def ask(app) -> None:
    """Send the question once per app, to a real terminal only."""
    driver = getattr(app, "_driver", None)
    if driver is None or app.is_headless or app in _asked:
        return
    _asked.add(app)
    driver.write(QUERY)
    driver.flush()


def brackets_pastes(app) -> bool:
    """Has the terminal said that bracketed paste is on?"""
    return _answers.get(app) in MODE_SET
