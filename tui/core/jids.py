"""JIDs as plain text: the few ways the client takes one apart.

Plain string work, no slixmpp (a ``slixmpp.JID`` passes as ``str(jid)``):
used on JIDs that already came through slixmpp or the config, and on
what the user typed once :func:`looks_like_jid` said it has the shape.
"""

from __future__ import annotations


def bare_jid(jid: str) -> str:
    """``Local@Domain/resource`` → ``local@domain``: the resource dropped,
    lower-cased (bare JIDs are compared that way throughout the client)."""
    return jid.partition("/")[0].lower()


def local_part(jid: str) -> str:
    """The part before ``@``; the whole text when that is empty (no ``@``,
    or a malformed ``@domain``), so a name made from it is never blank."""
    return jid.partition("@")[0] or jid


def display_name(jid: str) -> str:
    """A short name for a JID when the roster has none: its local part
    (for a room occupant, ``room@service/nick``, the nick)."""
    bare, slash, nick = jid.partition("/")
    return nick if slash and nick else local_part(bare)


def looks_like_jid(text: str) -> bool:
    """``name@server`` (a resource may follow), no spaces: worth treating
    as a JID rather than as a nick or a word."""
    local, at, domain = text.partition("@")
    return bool(at and local and domain) and " " not in text
