"""End-to-end encryption schemes: one package each, registered with the
message pipeline (tui/xmpp/conversation/encryption.py) by name.

``register_schemes()`` makes every scheme available to every account; the
client calls it once. A scheme whose library is missing says so when it is
chosen, never at start-up.
"""

from __future__ import annotations


def register_schemes() -> None:
    """Register every scheme Parlons ships (idempotent)."""
    from . import otr, ox, pgp

    otr.register()
    pgp.register()
    ox.register()
