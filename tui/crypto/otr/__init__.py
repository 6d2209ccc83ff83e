"""OTR v2 for 1:1 conversations, on python-potr (imported lazily: an
optional dependency) running on pycryptodome (:mod:`.compat`).

:mod:`.scheme` is the scheme the message pipeline uses; :mod:`.session`
potr's account and contexts; :mod:`.files` the key and trust files;
:mod:`.policy` manual | opportunistic | always.
"""

from __future__ import annotations

NAME = "otr"
TAG_BASE = " \t  \t\t\t\t \t \t \t  "  # potr.proto.MESSAGE_TAG_BASE: "I speak OTR"
MARK = "?OTR"  # how every OTR message's body starts


def may_be_otr(stanza) -> bool:
    """What OtrScheme.recognises looks at (a "?OTR" message, or the whitespace
    tag, in a 1:1 message), answered without potr: the scheme — potr and
    pycryptodome — is made on the first such message, or on /otr, not on
    the first message of any kind.  Asked of every message received, so
    the stanza's XML is read first (a third of its cost in a 1:1 flood):
    the body slixmpp picks (by language) is one of the ``<body/>`` elements,
    so when none holds "?OTR" or the tag, the answer is no."""
    xml = stanza.xml
    if xml.get("type") == "groupchat":  # (what stanza["type"] reads: the attribute, else "normal")
        return False
    if not any(MARK in text or TAG_BASE in text
               for body in xml.iterfind(f"{{{stanza.namespace}}}body") if (text := body.text)):
        return False
    body = stanza["body"] or ""
    return body.startswith(MARK) or TAG_BASE in body


def _factory(host):
    from .scheme import OtrScheme

    return OtrScheme(host)


def register() -> None:
    from tui.xmpp.conversation import encryption

    encryption.register(NAME, _factory, may_be=may_be_otr)
