"""The XMPP services, on slixmpp — imported here first, without its debug
log's highlighter (tui/lean_imports.py)."""

from ..lean_imports import import_slixmpp

import_slixmpp()
