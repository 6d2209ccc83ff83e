"""Untrusted text is data: one sanitiser at the model boundary.

Everything that arrives from the network (bodies, nicks, topics, status texts,
error texts) passes through :func:`sanitize` before it enters the core model.
Everything we send passes through :func:`xml_safe` so that slixmpp never
serialises a character XML 1.0 forbids (the server would drop the stream).
"""

from __future__ import annotations

import re

# ESC is shown as a visible symbol so that a hostile "\x1b]0;T\x07" reads as
# "␛]0;T" rather than silently vanishing or reaching the terminal.
_VISIBLE_ESC = "\u241b"  # SYMBOL FOR ESCAPE

# C0 controls except TAB (09) and LF (0A); CR is folded into LF first.
_C0 = "".join(chr(c) for c in range(0x00, 0x20) if c not in (0x09, 0x0A, 0x1B))
_C1 = "".join(chr(c) for c in range(0x80, 0xA0))
_DEL = "\x7f"

# Bidirectional controls that can reorder what is displayed (Trojan Source):
# LRE RLE PDF LRO RLO (U+202A..E) and LRI RLI FSI PDI (U+2066..9).  Implicit
# marks (LRM/RLM/ALM) cannot reorder surrounding text and are left alone.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# Invisible characters with no place in chat text that only hide things:
# ZERO WIDTH SPACE, WORD JOINER and the invisible operators (U+2060..4),
# the deprecated format controls (U+206A..F) and ZERO WIDTH NO-BREAK SPACE
# (BOM). They make "alice" and "al\u200bice" look the same, and terminals
# disagree on their width (a row then shifts). ZWNJ/ZWJ (U+200C/D) stay:
# scripts (Persian, Indic) and emoji sequences need them.
_ZERO_WIDTH = "\u200b\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d\u206e\u206f\ufeff"

_DELETE_TABLE: dict[int, str | None] = {ord(c): None for c in _C0 + _C1 + _DEL + _BIDI + _ZERO_WIDTH}
_DELETE_TABLE[0x1B] = _VISIBLE_ESC

# Characters XML 1.0 does not allow at all (surrogates cannot be in a str that
# came from valid UTF-8, but a Python str can hold them, so strip them too).
_XML_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
)


def sanitize(text: str | None) -> str:
    """Return ``text`` safe to show in a terminal: no control sequences, no
    bidi overrides, no invisible zero-width characters, newlines normalised
    to ``\\n``."""
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_DELETE_TABLE)


def sanitize_line(text: str | None) -> str:
    """Like :func:`sanitize` for one-line fields (nicks, titles, status):
    newlines and tabs become spaces."""
    return sanitize(text).replace("\n", " ").replace("\t", " ")


def xml_safe(text: str) -> str:
    """Strip what XML 1.0 forbids from text we are about to send."""
    return _XML_INVALID.sub("", text)


def xml_escape(text: str, quotes: bool = False) -> str:
    """``text`` as XML character data (and, with ``quotes``, as an attribute
    value); xml.sax.saxutils.escape's rules, without importing it: it pulls
    in urllib.request, http.client and email (~10 ms, ~1 MiB at start-up)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("'", "&apos;") if quotes else text
