"""OTR v2 for 1:1 conversations, on python-potr (imported lazily: an
optional dependency) running on pycryptodome (:mod:`.compat`).

:mod:`.scheme` is the scheme the message pipeline uses; :mod:`.session`
potr's account and contexts; :mod:`.files` the key and trust files;
:mod:`.policy` manual | opportunistic | always.
"""

from __future__ import annotations

from tui.xmpp.stanza_reads import message_type, sub_text

NAME = "otr"
TAG_BASE = " \t  \t\t\t\t \t \t \t  "  # potr.proto.MESSAGE_TAG_BASE: "I speak OTR"
MARK = "?OTR"  # how every OTR message's body starts


def one_to_one_body(stanza) -> str | None:
    """The body of a message that is not a room's (slixmpp's reading, from
    the XML at once: tui/xmpp/stanza_reads.py); None for a room's: OTR is
    between two, "?OTR" said in a room is just text."""
    if message_type(stanza) == "groupchat":
        return None
    return sub_text(stanza, "body")


def may_be_otr(stanza) -> bool:
    """What OtrScheme.recognises looks at (a "?OTR" message, or the whitespace
    tag, in a 1:1 message), answered without potr: the scheme — potr and
    pycryptodome — is made on the first such message, or on /otr, not on
    the first message of any kind.  Asked of every message received."""
    body = one_to_one_body(stanza)
    return body is not None and (body.startswith(MARK) or TAG_BASE in body)


def _factory(host):
    from .scheme import OtrScheme

    return OtrScheme(host)


def register() -> None:
    from tui.xmpp.conversation import encryption

    encryption.register(NAME, _factory, may_be=may_be_otr)
