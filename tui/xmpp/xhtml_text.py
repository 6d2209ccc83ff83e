"""(X)HTML from the network as plain text: what a reader would see, none
of the markup (no tags, attributes, scripts or styles), ready for
:func:`tui.text.sanitize`.

XHTML comes as an element tree (already parsed by the XML stream) and is
walked without recursion; escaped HTML goes through the standard library's
tolerant parser. Both feed the same collector.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

_BREAKS = {"br": 1, "li": 1, "tr": 1, "dt": 1, "dd": 1, "hr": 2, "ul": 2, "ol": 2, "dl": 2,
           "p": 2, "div": 1, "pre": 2, "blockquote": 2, "table": 2, "figure": 2,
           "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2}
_HIDDEN = {"script", "style", "head", "template"}
_SPACES = re.compile(r"\s+")


class _PlainText:
    """Collects the text of an (X)HTML fragment: whitespace folded as a
    browser would, blocks on their own lines, a link's address after its
    text. Nothing of the markup survives."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._hidden = 0
        self._pre = 0
        self._links: list[tuple[str, int]] = []  # (href, length of parts at <a>)

    def start(self, tag: str, attrs: dict) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        self._break(_BREAKS.get(tag, 0), hard=tag == "br")
        if tag == "li":
            self.parts.append("• ")
        elif tag == "pre":
            self._pre += 1
        elif tag == "a":
            self._links.append((attrs.get("href") or "", len(self.parts)))
        elif tag == "img" and attrs.get("alt"):
            self.data(f"[{attrs['alt']}]")

    def end(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            shown = "".join(self.parts[start:])
            if href and href not in shown and not href.startswith("#"):
                self.parts.append(f" <{href}>" if shown.strip() else href)
        self._break(_BREAKS.get(tag, 0) if tag != "br" else 0)

    def data(self, text: str | None) -> None:
        if text and not self._hidden:
            self.parts.append(text if self._pre else _SPACES.sub(" ", text))

    def _break(self, count: int, hard: bool = False) -> None:
        if not count:
            return
        text = "".join(self.parts)
        if not text.strip() and not hard:
            return
        have = len(text) - len(text.rstrip("\n"))
        self.parts.append("\n" * max(0, count - have))

    def text(self) -> str:
        lines = [line.strip(" ") for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def xhtml_text(element: ET.Element) -> str:
    """The plain text of an XHTML element tree (iterative: hostile nesting is
    only deep, never a RecursionError)."""
    out = _PlainText()

    def tag(e: ET.Element) -> str:
        return e.tag.rpartition("}")[2].lower() if isinstance(e.tag, str) else ""

    out.start(tag(element), element.attrib)
    out.data(element.text)
    stack = [(element, iter(element))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            out.end(tag(parent))
            if stack:
                out.data(parent.tail)
            continue
        out.start(tag(child), child.attrib)
        out.data(child.text)
        stack.append((child, iter(child)))
    return out.text()


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _PlainText()

    def handle_starttag(self, tag, attrs):
        self.out.start(tag, dict(attrs))

    def handle_endtag(self, tag):
        self.out.end(tag)

    def handle_data(self, data):
        self.out.data(data)


def html_text(markup: str) -> str:
    """The plain text of escaped HTML (``type="html"``)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return parser.out.text()
