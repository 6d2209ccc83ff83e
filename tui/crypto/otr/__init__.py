"""OTR v2 for 1:1 conversations, on python-potr (imported lazily: an
optional dependency) running on pycryptodome (:mod:`.compat`).

:mod:`.scheme` is the scheme the message pipeline uses; :mod:`.session`
potr's account and contexts; :mod:`.files` the key and trust files;
:mod:`.policy` manual | opportunistic | always.
"""

from __future__ import annotations

NAME = "otr"


def _factory(host):
    from .scheme import OtrScheme

    return OtrScheme(host)


def register() -> None:
    from tui.xmpp.conversation import encryption

    encryption.register(NAME, _factory)
