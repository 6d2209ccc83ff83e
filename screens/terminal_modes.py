"""Ask the terminal whether it brackets pastes (DECRQM, ``CSI ? 2004 $ p``).

A terminal that answers "mode 2004 is set" wraps every paste in
``ESC[200~ … ESC[201~``, so a burst of keys from it is typing, never a paste
(see tui.paste).  Knowing it before the first paste keeps keys bunched by a
slow link or by our own stall from being taken for one.  Many terminals
answer (xterm, VTE, kitty, foot, WezTerm, iTerm2); tmux 3.3a does not
(measured: no reply to DECRQM 2004, 2026 or 1049), nor do terminals without
the mode — then nothing changes.

Textual 8.2.8 (checked against it) sends DECRQM for modes 2026 and 2048 only
and drops any other mode report in its parser.  So, through the private
APIs of :mod:`screens.textual_private`: the replies ``CSI ? 2004 ; Ps $ y``
are added to the parser's sequence table as a key name of ours, those keys
are taken out of the stream before they reach the app (noting the answer
per app), and the question is written through the app's driver.
"""

from __future__ import annotations

import weakref

from textual import events

from .textual_private import KeyName, add_escape_sequences, driver_of, take_keys_before_the_app

BRACKETED_PASTE = 2004
QUERY = f"\x1b[?{BRACKETED_PASTE}$p"
REPLY_KEY = "parlons-decrqm-2004-"  # + Ps
# DECRPM Ps: 0 not recognised, 1 set, 2 reset, 3 permanently set, 4 permanently reset
MODE_SET = (1, 3)

_answers: "weakref.WeakKeyDictionary[object, int]" = weakref.WeakKeyDictionary()
_asked: "weakref.WeakSet[object]" = weakref.WeakSet()


def reply_sequences() -> dict[str, tuple[KeyName]]:
    return {f"\x1b[?{BRACKETED_PASTE};{ps}$y": (KeyName(f"{REPLY_KEY}{ps}"),) for ps in range(5)}


def _take_reply(app, key: events.Key) -> bool:
    """On the input thread: a reply is noted, and is no key."""
    if not key.key.startswith(REPLY_KEY):
        return False
    _answers[app] = int(key.key[len(REPLY_KEY):])
    return True


def install() -> None:
    """Teach the parser the replies and take them out of the key stream
    (idempotent; call before the app runs)."""
    add_escape_sequences(reply_sequences())
    take_keys_before_the_app(_take_reply)


def ask(app) -> None:
    """Send the question once per app, to a real terminal only."""
    driver = driver_of(app)
    if driver is None or app.is_headless or app in _asked:
        return
    _asked.add(app)
    driver.write(QUERY)
    driver.flush()


def brackets_pastes(app) -> bool:
    """Has the terminal said that bracketed paste is on?"""
    return _answers.get(app) in MODE_SET
