"""The light markdown a blog entry is written in, as XHTML for Movim and Libervia.

What the composer accepts (nothing more, so what is typed stays readable as
plain text, which is also what the entry's ``type="text"`` content carries):

- paragraphs, separated by a blank line; a single newline is a line break;
- lists: lines starting with ``- ``, ``* `` or ``+ `` (bullets), ``1. `` or
  ``1) `` (numbered);
- block quotes (``> ``) and fenced code (a line of three backquotes before
  and after);
- inline: ``*emphasis*`` or ``_emphasis_``, ``**strong**``, `` `code` ``,
  ``[text](https://…)`` and bare http(s) URLs as links.

:func:`parse` gives blocks; :func:`to_xhtml` builds the XHTML ``<div/>`` as
elements: user text only ever becomes element text or an attribute value
(ElementTree escapes it), never markup. Links go out only for schemes a
reader can follow safely (http, https, xmpp, mailto); anything else stays
text. Linear time: inline spans are bounded, nothing backtracks further.
Pure: no slixmpp, no Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union
from xml.etree import ElementTree as ET

NS_XHTML = "http://www.w3.org/1999/xhtml"
LINK_SCHEMES = ("http://", "https://", "xmpp:", "mailto:")
_NESTING = 3  # emphasis inside a link inside strong…: deeper is text


# -- the document ------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """A run of inline text. ``kind``: "text", "em", "strong", "code",
    "link" (``url`` set), "break" (a line break)."""

    kind: str
    text: str = ""
    children: tuple["Span", ...] = ()
    url: str = ""


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple[Span, ...], ...]


@dataclass(frozen=True)
class Quote:
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str


Block = Union[Paragraph, ListBlock, Quote, CodeBlock]


@dataclass
class _Builder:
    blocks: list[Block] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the paragraph being read
    items: list[str] = field(default_factory=list)  # the list being read
    ordered: bool = False
    quote: list[str] = field(default_factory=list)

    def close(self) -> None:
        if self.lines:
            self.blocks.append(Paragraph(_paragraph_spans(self.lines)))
            self.lines = []
        if self.items:
            self.blocks.append(ListBlock(self.ordered, tuple(inline(item) for item in self.items)))
            self.items = []
        if self.quote:
            self.blocks.append(Quote(tuple(parse("\n".join(self.quote), _depth=1))))
            self.quote = []


_BULLET = re.compile(r"[-*+][ \t]+(\S.*)")
_NUMBERED = re.compile(r"\d{1,9}[.)][ \t]+(\S.*)")
_FENCE = "```"


def parse(text: str, *, _depth: int = 0) -> list[Block]:
    """The blocks of ``text`` (see the module's docstring)."""
    builder = _Builder()
    fenced: list[str] | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if fenced is not None:
            if line.strip() == _FENCE:
                builder.blocks.append(CodeBlock("\n".join(fenced)))
                fenced = None
            else:
                fenced.append(raw)
            continue
        stripped = line.strip()
        if stripped.startswith(_FENCE):
            builder.close()
            fenced = []
            continue
        if not stripped:
            builder.close()
            continue
        if stripped.startswith(">") and _depth == 0:
            if not builder.quote:
                builder.close()
            builder.quote.append(stripped[1:].removeprefix(" "))
            continue
        if builder.quote:
            builder.close()
        bullet, numbered = _BULLET.fullmatch(stripped), _NUMBERED.fullmatch(stripped)
        item = bullet or numbered
        if item is not None:
            ordered = numbered is not None
            if builder.lines or (builder.items and builder.ordered != ordered):
                builder.close()
            builder.ordered = ordered
            builder.items.append(item.group(1))
        elif builder.items and raw[:1] in (" ", "\t"):
            builder.items[-1] += " " + stripped  # an item's continued line
        else:
            if builder.items:
                builder.close()
            builder.lines.append(stripped)
    if fenced is not None:  # an unclosed fence runs to the end
        builder.blocks.append(CodeBlock("\n".join(fenced)))
    builder.close()
    return builder.blocks


def _paragraph_spans(lines: list[str]) -> tuple[Span, ...]:
    spans: list[Span] = []
    for number, line in enumerate(lines):
        if number:
            spans.append(Span("break"))
        spans.extend(inline(line))
    return tuple(spans)


# Every span is bounded (no unbounded lazy run): a hostile or huge line costs
# at most a few hundred steps per position.
_INLINE = re.compile(
    r"`(?P<code>[^`\n]{1,300})`"
    r"|\*\*(?P<strong>[^*\n]{1,300}?)\*\*"
    r"|\*(?P<em>[^*\s](?:[^*\n]{0,298}[^*\s])?)\*"
    r"|(?<![\w])_(?P<em2>[^_\s](?:[^_\n]{0,298}[^_\s])?)_(?![\w])"
    r"|\[(?P<label>[^\[\]\n]{1,300})\]\((?P<href>(?:[^()\s]|\([^()\s]{0,200}\)){1,2048})\)"
    r"|(?P<url>(?:https?://|xmpp:)[^\s<>\"'`]{1,2048})"
)
_KINDS = ("code", "strong", "em", "em2", "label", "url")
_TRAILING = ".,;:!?'\""


def _trim_url(url: str) -> str:
    """Sentence punctuation after a bare URL, and a closing parenthesis it
    does not open, are not part of it."""
    while url:
        if url[-1] in _TRAILING:
            url = url[:-1]
        elif url[-1] == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def linkable(url: str) -> bool:
    lowered = url.lower()
    return any(lowered.startswith(scheme) and len(url) > len(scheme) for scheme in LINK_SCHEMES)


def inline(text: str, *, _depth: int = 0) -> tuple[Span, ...]:
    """The inline spans of one line of text."""
    spans: list[Span] = []
    plain: list[str] = []

    def flush() -> None:
        if plain:
            spans.append(Span("text", "".join(plain)))
            plain.clear()

    position = 0
    while position < len(text):
        match = _INLINE.search(text, position)
        if match is None:
            break
        start, end = match.span()
        kind = next(name for name in _KINDS if match.group(name) is not None)
        if kind == "url":
            url = _trim_url(match.group("url"))
            end = start + len(url)
            if not linkable(url):
                plain.append(text[position:end])
                position = end
                continue
        plain.append(text[position:start])
        if kind == "code":
            flush()
            spans.append(Span("code", match.group("code")))
        elif kind in ("strong", "em", "em2"):
            inner = match.group(kind)
            flush()
            spans.append(Span("strong" if kind == "strong" else "em", inner, _nested(inner, _depth)))
        elif kind == "label":
            label, href = match.group("label"), match.group("href")
            if linkable(href):
                flush()
                spans.append(Span("link", label, _nested(label, _depth), url=href))
            else:
                plain.append(match.group(0))
        elif kind == "url":
            flush()
            spans.append(Span("link", url, (Span("text", url),), url=url))
        position = end
    plain.append(text[position:])
    flush()
    return tuple(span for span in spans if span.kind != "text" or span.text)


def _nested(text: str, depth: int) -> tuple[Span, ...]:
    if depth + 1 >= _NESTING:
        return (Span("text", text),)
    return inline(text, _depth=depth + 1)


# -- XHTML ----------------------------------------------------------------------------------
def _x(tag: str) -> str:
    return f"{{{NS_XHTML}}}{tag}"


def _append_text(parent: ET.Element, text: str) -> None:
    """Text after the last child of ``parent`` (or inside it): ElementTree
    escapes it when the stanza is written."""
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _spans_into(parent: ET.Element, spans: tuple[Span, ...]) -> None:
    for span in spans:
        if span.kind == "text":
            _append_text(parent, span.text)
        elif span.kind == "break":
            ET.SubElement(parent, _x("br"))
        elif span.kind == "code":
            ET.SubElement(parent, _x("code")).text = span.text
        elif span.kind == "link":
            _spans_into(ET.SubElement(parent, _x("a"), {"href": span.url}), span.children)
        else:  # em, strong
            _spans_into(ET.SubElement(parent, _x(span.kind)), span.children)


def _blocks_into(parent: ET.Element, blocks: list[Block] | tuple[Block, ...]) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            _spans_into(ET.SubElement(parent, _x("p")), block.spans)
        elif isinstance(block, ListBlock):
            element = ET.SubElement(parent, _x("ol" if block.ordered else "ul"))
            for item in block.items:
                _spans_into(ET.SubElement(element, _x("li")), item)
        elif isinstance(block, Quote):
            _blocks_into(ET.SubElement(parent, _x("blockquote")), block.blocks)
        else:
            ET.SubElement(ET.SubElement(parent, _x("pre")), _x("code")).text = block.text


def to_xhtml(text: str) -> ET.Element:
    """``<div xmlns="http://www.w3.org/1999/xhtml">…</div>`` for ``text``."""
    div = ET.Element(_x("div"))
    _blocks_into(div, parse(text))
    return div


# -- plain text (what a reader without XHTML sees of a span) ------------------------------------
def span_text(spans: tuple[Span, ...]) -> str:
    """The text of spans as a reader shows it: a link as "label <url>" when
    the label is not the URL itself."""
    parts: list[str] = []
    for span in spans:
        if span.kind == "break":
            parts.append("\n")
        elif span.kind == "link":
            label = span_text(span.children)
            parts.append(label if label == span.url else f"{label} <{span.url}>")
        elif span.kind in ("em", "strong"):
            parts.append(span_text(span.children))
        else:
            parts.append(span.text)
    return "".join(parts)
