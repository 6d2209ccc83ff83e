"""Tab and Shift+Tab between a form's fields, in the order they were typed.

Textual moves the focus on Tab when the key has bubbled from the focused
field up to the app, while the keys typed next are already forwarded to
the field that still has the focus: a fast typist's (or an SSH link's)
"Tab x" put the "x" in the field being left (measured under tmux at 12 ms
a key: the blog composer's title got the first letters of its tags). A
priority binding is run by the app before it forwards the next key.
Only for screens of fields: the main screen's Tab completes."""

from __future__ import annotations

from textual.binding import Binding

FIELD_FOCUS_BINDINGS = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]
