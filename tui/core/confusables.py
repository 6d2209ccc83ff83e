"""Confusable nicks: who in a room is made to look like someone else.

Pure functions, no Textual, no slixmpp.  In the spirit of Unicode TR39
("skeletons"): two strings that *look* the same get the same skeleton, so
impersonation ("gοffⅰ" with a Greek omicron and a roman numeral one for
"goffi", "b\u043eb" with a Cyrillic o, "bo\u200bb" with a zero-width space)
is found with one dict lookup per nick — never by comparing every pair.

The skeleton of a string is computed in this order:

1. NFKC: compatibility forms fold to what they look like (fullwidth
   ``ｂｏｂ``, mathematical ``𝐛𝐨𝐛``, roman numeral ``ⅰ``, ligatures);
2. invisible characters go (format characters, category Cf: zero-width
   space/joiners, word joiner, BOM, bidi marks, soft hyphen; variation
   selectors, the combining grapheme joiner, Hangul fillers), and leading
   and trailing spaces;
3. homoglyphs map to the Latin letter they imitate (:data:`HOMOGLYPHS`),
   upper case first, then after
4. case folding the lower-case ones: **case-only differences are
   confusable** ("Bob" vs "bob" read as the same person in a nick list).

Python's standard library has no confusables table and Parlons adds no
dependency, so :data:`HOMOGLYPHS` is a compact table of the common
Cyrillic, Greek, Armenian and IPA look-alikes of Latin letters (the full
TR39 table has ~6,000 entries, mostly rare scripts).  Digits are *not*
mapped (``0``/``o``, ``1``/``l``): terminal fonts are monospaced and draw
them distinctly, and mapping them would flag many honest nicks.

Which of two same-skeleton nicks is the impostor?  :func:`disguise` grades
how much a nick hides: 0 it is what it shows, 1 a single-script homoglyph
(all-Cyrillic "раура"), 2 invisible characters, compatibility forms or mixed
scripts.  Among occupants sharing a skeleton the least disguised are taken
as genuine and the others imitate them; when several are equally disguised
(e.g. only case differs) each is flagged as imitating another — nobody can
tell who is genuine.  Against ``others`` (roster contact names and JID
localparts) only disguised nicks are flagged: a plain "bob" in a room may
well be our contact Bob.  A legit non-Latin nick ("Дмитрий") is flagged
only when it imitates someone.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable

# Characters that render as nothing (beyond category Cf, caught generically).
_INVISIBLE_OTHER = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers (render blank)
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))  # variation selectors
)

# Look-alike → Latin.  Upper-case entries apply before case folding (Cyrillic
# "В" looks like "B", its lower case "в" does not look like "b").
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q",
    "Ԝ": "W", "Ү": "Y", "Ӏ": "I",
    # Cyrillic small
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
    "ɡ": "g",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek small
    "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "α": "a", "υ": "u", "ϲ": "c",
    "ϳ": "j", "χ": "x", "γ": "y",
    # Armenian
    "օ": "o", "ս": "u", "ո": "n", "հ": "h", "զ": "q", "ց": "g",
    # Latin look-alikes from IPA and friends
    "ı": "i", "ɑ": "a", "ɩ": "i", "ʏ": "y", "ɪ": "i", "ᴏ": "o", "ꮃ": "w",
}
_HOMOGLYPH_TABLE = str.maketrans(HOMOGLYPHS)

_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _is_invisible(char: str) -> bool:
    return char in _INVISIBLE_OTHER or unicodedata.category(char) == "Cf"


@lru_cache(maxsize=16384)
def skeleton(text: str) -> str:
    """What ``text`` looks like, reduced: equal skeletons = confusable."""
    if text.isascii():  # most nicks: NFKC changes nothing, no invisible, no homoglyph
        return text.strip().lower()
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if not _is_invisible(c)).strip()
    folded = folded.translate(_HOMOGLYPH_TABLE).casefold().translate(_HOMOGLYPH_TABLE)
    # NFKC once more: case folding can produce compatibility forms again.
    return unicodedata.normalize("NFKC", folded)


@lru_cache(maxsize=16384)
def scripts_of(text: str) -> frozenset[str]:
    """The scripts among Latin/Cyrillic/Greek that letters of ``text`` use."""
    found = set()
    for char in text:
        if char.isascii():
            if char.isalpha():
                found.add("LATIN")
            continue
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for script in _SCRIPTS:
            if name.startswith(script):
                found.add(script)
                break
    return frozenset(found)


def mixed_script(text: str) -> bool:
    """Letters from more than one of Latin, Cyrillic, Greek ("gοffi")."""
    return len(scripts_of(text)) > 1


def has_invisible(text: str) -> bool:
    return any(_is_invisible(c) for c in text)


@lru_cache(maxsize=16384)
def disguise(text: str) -> int:
    """How much ``text`` hides what it is: 0 it is what it shows; 1 a
    homoglyph in a single script (all-Cyrillic "раура" reads as "paypa");
    2 invisible characters, compatibility forms, padding or mixed scripts."""
    if text.isascii():
        return 0 if text == text.strip() and text.isprintable() else 2
    if (unicodedata.normalize("NFKC", text) != text or text != text.strip()
            or has_invisible(text) or mixed_script(text)):
        return 2
    return 1 if text.translate(_HOMOGLYPH_TABLE) != text else 0


def is_plain(text: str) -> bool:
    return disguise(text) == 0


def describe(nick: str) -> list[str]:
    """Why ``nick`` looks odd, for /whois: [] when it is plain."""
    reasons = []
    if has_invisible(nick):
        reasons.append("invisible characters")
    if mixed_script(nick):
        reasons.append("mixed scripts (" + ", ".join(sorted(s.title() for s in scripts_of(nick))) + ")")
    if unicodedata.normalize("NFKC", nick) != nick:
        reasons.append("compatibility characters")
    if not mixed_script(nick) and nick.translate(_HOMOGLYPH_TABLE) != nick and scripts_of(nick) != {"LATIN"}:
        reasons.append("letters that look Latin")
    return reasons


def find_confusables(nicks: Iterable[str], others: Iterable[str] = ()) -> dict[str, str]:
    """For each suspicious nick, the name it imitates.

    ``nicks``: a room's occupants; ``others``: names we trust to be someone
    (roster contacts' names, JID localparts).  O(len(nicks) + len(others)):
    everything is indexed by skeleton.
    """
    groups: dict[str, list[str]] = {}
    for nick in nicks:
        groups.setdefault(skeleton(nick), []).append(nick)
    trusted: dict[str, str] = {}
    for name in others:
        if name:
            trusted.setdefault(skeleton(name), name)

    found: dict[str, str] = {}
    for key, members in groups.items():
        if len(members) > 1:
            # the least disguised are the candidates for genuine; the rest imitate them
            least = min(disguise(n) for n in members)
            genuine = sorted((n for n in members if disguise(n) == least), key=str.casefold)
            for nick in members:
                if disguise(nick) > least:
                    found[nick] = genuine[0]
            if len(genuine) > 1:  # e.g. only case differs: nobody can be told apart
                for index, nick in enumerate(genuine):
                    found[nick] = genuine[index - 1] if index else genuine[1]
        known = trusted.get(key)
        if known is not None:
            for nick in members:
                if nick != known and nick not in found and disguise(nick) > 0:
                    found[nick] = known
    return found


def flag_occupants(occupants: dict, others: Iterable[str] = ()) -> bool:
    """Set ``confusable_with`` on every occupant of a room (``Room.occupants``:
    nick → Occupant); True when a flag changed.  O(occupants + others)."""
    found = find_confusables(occupants, others)
    changed = False
    for nick, occupant in occupants.items():
        imitated = found.get(nick)
        if occupant.confusable_with != imitated:
            occupant.confusable_with = imitated
            changed = True
    return changed
