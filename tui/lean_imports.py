"""Libraries imported without what they load for nothing (issue 14, W1).

slixmpp's ``xmlstream.tostring`` builds, when imported, a pygments
highlighter for its debug log (pygments, its XML lexer and the five lexers
that one pulls in: ~2.8 MiB of the process and ~20 ms of the start, on the
way to "online").  Parlons writes slixmpp's debug log to its log file only
(tui/logging_setup.py), where terminal colours have no place, and slixmpp
falls back to the plain text when pygments cannot be imported.  So slixmpp
is imported first, with pygments made unimportable for that import only (by
``tui.xmpp``, the package every module of ours that uses slixmpp is in or
imports first): whatever asks for pygments later (rich's syntax
highlighting, Textual's) imports it as usual.
"""

from __future__ import annotations

import sys


def import_slixmpp() -> None:
    """Import slixmpp, without its debug log's highlighter. Idempotent."""
    if "slixmpp" in sys.modules:
        return
    hidden = "pygments" not in sys.modules
    if hidden:
        sys.modules["pygments"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import slixmpp  # noqa: F401
    finally:
        if hidden and sys.modules.get("pygments", False) is None:
            del sys.modules["pygments"]
