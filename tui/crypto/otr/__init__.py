"""OTR v2 for 1:1 conversations, on python-potr (imported lazily: an
optional dependency) running on pycryptodome (:mod:`.compat`).

:mod:`.scheme` is the scheme the message pipeline uses; :mod:`.session`
potr's account and contexts; :mod:`.files` the key and trust files;
:mod:`.policy` manual | opportunistic | always.
"""

from __future__ import annotations

NAME = "otr"
TAG_BASE = " \t  \t\t\t\t \t \t \t  "  # potr.proto.MESSAGE_TAG_BASE: "I speak OTR"


def may_be_otr(stanza) -> bool:
    """What OtrScheme.recognises looks at (a "?OTR" message, or the whitespace
    tag, in a 1:1 message), answered without potr: the scheme — potr and
    pycryptodome — is made on the first such message, or on /otr, not on
    the first message of any kind."""
    if stanza["type"] == "groupchat":
        return False
    body = stanza["body"] or ""
    return body.startswith("?OTR") or TAG_BASE in body


def _factory(host):
    from .scheme import OtrScheme

    return OtrScheme(host)


def register() -> None:
    from tui.xmpp.conversation import encryption

    encryption.register(NAME, _factory, may_be=may_be_otr)
