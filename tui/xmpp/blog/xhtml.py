"""(X)HTML from the network as plain text: what a reader would see, none
of the markup (no tags, attributes, scripts or styles), ready for
:func:`tui.text.sanitize`.

Anyone's server can push this to us (a contact's blog), and it runs on the
event loop, so every step is linear in the input and the work is bounded:

- XHTML comes as an element tree (already parsed by the XML stream) and is
  walked without recursion; below MAX_DEPTH nested elements a subtree is
  read as bare text (ElementTree's own iterative ``itertext``).
- Escaped HTML (``type="html"``) is cut at MAX_HTML_CHARS and read by a
  small scanner of ours: the standard library's ``HTMLParser`` is quadratic
  on unclosed constructs (``<a b="`` repeated: 240 KB took 200 s in 3.11).
- The text stops growing at MAX_TEXT_CHARS (a trailing "[…]" says so), and
  the walk stops there too.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ...core.blog import Block, Run

MAX_TEXT_CHARS = 32 * 1024  # of text kept: a long article, not a stanza-sized flood
MAX_HTML_CHARS = 256 * 1024  # of escaped HTML read (a stanza is about that big)
MAX_DEPTH = 100  # nested elements whose tags still count (blocks, links, hidden)
MAX_BLOCKS = 1000  # paragraphs, items... of styled content (each is a few lines on screen)
TRUNCATED = "\n[…]"

_BREAKS = {"br": 1, "li": 1, "tr": 1, "dt": 1, "dd": 1, "hr": 2, "ul": 2, "ol": 2, "dl": 2,
           "p": 2, "div": 1, "pre": 2, "blockquote": 2, "table": 2, "figure": 2,
           "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2}
_HIDDEN = {"script", "style", "head", "template"}
_SPACES = re.compile(r"\s+")


class _Full(Exception):
    """The text reached MAX_TEXT_CHARS: stop reading."""


class _PlainText:
    """Collects the text of an (X)HTML fragment: whitespace folded as a
    browser would, blocks on their own lines, a link's address after its
    text. Nothing of the markup survives.

    Linear: what a break needs to know about the text so far (is there any,
    how many newlines end it) is kept up to date, never recomputed; only the
    outermost link is followed (HTML does not nest links), so its text is
    joined once."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._size = 0
        self._any_text = False  # anything but whitespace so far
        self._newlines = 0  # how many "\n" end the text so far
        self._hidden = 0
        self._pre = 0
        self._link: tuple[str, int] | None = None  # (href, len(parts) at the outermost <a>)
        self._links_open = 0
        self.truncated = False

    def _append(self, piece: str) -> None:
        if not piece:
            return
        room = MAX_TEXT_CHARS - self._size
        if len(piece) > room:
            piece, self.truncated = piece[:room], True
        self.parts.append(piece)
        self._size += len(piece)
        body = piece.rstrip("\n")
        self._newlines = self._newlines + len(piece) if not body else len(piece) - len(body)
        if not self._any_text and not body.isspace() and body:
            self._any_text = True
        if self.truncated:
            raise _Full

    def start(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        self._break(_BREAKS.get(tag, 0), hard=tag == "br")
        if tag == "li":
            self._append("• ")
        elif tag == "pre":
            self._pre += 1
        elif tag == "a":
            self._links_open += 1
            if self._links_open == 1:
                self._link = (attrs.get("href") or "", len(self.parts))
        elif tag == "img" and attrs.get("alt"):
            self.data(f"[{attrs['alt']}]")

    def end(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag == "a" and self._links_open:
            self._links_open -= 1
            if self._links_open == 0 and self._link is not None:
                (href, start), self._link = self._link, None
                shown = "".join(self.parts[start:])
                if href and not href.startswith("#") and href not in shown:
                    self._append(f" <{href}>" if shown.strip() else href)
        self._break(_BREAKS.get(tag, 0) if tag != "br" else 0)

    def data(self, text: str | None) -> None:
        if text and not self._hidden:
            self._append(text if self._pre else _SPACES.sub(" ", text))

    def _break(self, count: int, hard: bool = False) -> None:
        if not count or (not self._any_text and not hard):
            return
        self._append("\n" * max(0, count - self._newlines))

    def text(self) -> str:
        lines = [line.strip(" ") for line in "".join(self.parts).split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        return text + TRUNCATED if self.truncated else text


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2].lower() if isinstance(element.tag, str) else ""


def _walk(element: ET.Element, out) -> None:
    out.start(_tag(element), element.attrib)
    out.data(element.text)
    stack = [(element, iter(element))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            out.end(_tag(parent))
            if stack:
                out.data(parent.tail)
            continue
        if len(stack) >= MAX_DEPTH:
            # too deep for its tags to matter: its text, read iteratively
            out.data("".join(child.itertext()))
            out.data(child.tail)
            continue
        out.start(_tag(child), child.attrib)
        out.data(child.text)
        stack.append((child, iter(child)))


def xhtml_text(element: ET.Element) -> str:
    """The plain text of an XHTML element tree (iterative: hostile nesting is
    only deep, never a RecursionError; bounded, see the module doc)."""
    out = _PlainText()
    try:
        _walk(element, out)
    except _Full:
        pass
    return out.text()


# -- escaped HTML --------------------------------------------------------------------
# A start tag up to its ">", quotes respected. Every character is taken by one
# branch, so a failed match has run to the end of the input: nothing after an
# unclosed "<tag" is a tag either, and the scan ends there (as a browser drops
# an unclosed tag at the end of a document) — no position is scanned twice.
_START_TAG_REST = re.compile(r"""[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>""")
_TAG_NAME = re.compile(r"[A-Za-z][^\s/>]*")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_MARKUP = re.compile(r"<[A-Za-z/!?]")
# Numeric references beyond U+10FFFF: int() of thousands of digits raises.
_HUGE_CHARREF = re.compile(r"&#(?:[xX]0*[0-9A-Fa-f]{7,}|0*[0-9]{8,});?")


def _unescape(text: str) -> str:
    import html  # on the first escaped HTML post: its entity table is ~0.4 MiB (W1's RSS)

    return html.unescape(_HUGE_CHARREF.sub("\ufffd", text))


def _attributes(inside: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(inside):
        name = match.group(1).lower()
        if name in ("href", "alt", "src") and name not in found:
            value = next((v for v in match.group(2, 3, 4) if v is not None), "")
            found[name] = _unescape(value)
    return found


def _scan_html(markup: str, out) -> None:
    position, end = 0, len(markup)
    while position < end:
        found = _MARKUP.search(markup, position)
        if found is None:
            out.data(_unescape(markup[position:]))
            return
        start = found.start()
        if start > position:
            out.data(_unescape(markup[position:start]))
        kind = markup[start + 1]
        if markup.startswith("<!--", start):
            close = markup.find("-->", start + 4)
            position = end if close < 0 else close + 3
        elif kind in "!?":  # doctype, processing instruction, bogus comment
            close = markup.find(">", start + 2)
            position = end if close < 0 else close + 1
        elif kind == "/":
            close = markup.find(">", start + 2)
            name = _TAG_NAME.match(markup, start + 2)
            if name is not None and close >= 0:
                out.end(name.group().lower())
            position = end if close < 0 else close + 1
        else:
            name = _TAG_NAME.match(markup, start + 1)
            assert name is not None  # _MARKUP matched "<" and a letter here
            rest = _START_TAG_REST.match(markup, name.end())
            if rest is None:
                return  # an unclosed tag runs to the end
            tag = name.group().lower()
            out.start(tag, _attributes(markup[name.end():rest.end() - 1]))
            position = rest.end()
            if tag in ("script", "style") and not markup[rest.end() - 2] == "/":
                closing = re.compile(rf"</{tag}\s*>", re.IGNORECASE).search(markup, position)
                position = end if closing is None else closing.end()
                out.end(tag)


def html_text(markup: str) -> str:
    """The plain text of escaped HTML (``type="html"``), bounded (see the module doc)."""
    out = _PlainText()
    try:
        _scan_html(markup[:MAX_HTML_CHARS], out)
    except _Full:
        pass
    return out.text()


# -- with their looks: blocks of styled runs (the blog pane renders them) -------------------
_STYLE_OF = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "cite": "italic", "var": "italic",
             "dfn": "italic", "u": "underline", "ins": "underline", "s": "strike", "del": "strike",
             "strike": "strike", "code": "code", "tt": "code", "kbd": "code", "samp": "code"}
_HEADING_LEVEL = {f"h{n}": n for n in range(1, 7)}
_BLOCK_TAGS = {"p", "div", "li", "dt", "dd", "pre", "blockquote", "ul", "ol", "dl", "table", "tr",
               "figure", "figcaption", "section", "article", "header", "footer", "aside", "nav", "main",
               "address", "details", "summary", "hr", *_HEADING_LEVEL}


class _Blocks:
    """Collects an (X)HTML fragment as :class:`~tui.core.blog.Block` s of
    styled :class:`~tui.core.blog.Run` s, with the same start/data/end calls
    and the same bounds as :class:`_PlainText` (linear, MAX_TEXT_CHARS)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._runs: list[tuple[frozenset[str], list[str]]] = []  # the block being read: looks, pieces
        self._size = 0
        self.truncated = False
        self._styles: dict[str, int] = {}
        self._hidden = self._pre = self._quote = self._heading = 0
        self._lists: list[list] = []  # [ordered, items so far]
        self._marker, self._indent = "", 0  # of the list item being read
        self._links_open = 0
        self._link: tuple[str, list[str]] | None = None  # href, its text so far
        self._last = ""  # the last piece of text appended to the block
        self._looks_now: frozenset[str] | None = None

    def _looks(self) -> frozenset[str]:
        if self._looks_now is None:  # worked out again only when a style opened or closed
            looks = {style for style, count in self._styles.items() if count}
            self._looks_now = frozenset(looks | {"link"} if self._links_open else looks)
        return self._looks_now

    def _append(self, text: str, looks: frozenset[str]) -> None:
        if not text:
            return
        room = MAX_TEXT_CHARS - self._size
        if len(text) > room:
            text, self.truncated = text[:room], True
        self._size += len(text)
        if self._link is not None:
            self._link[1].append(text)
        if self._runs and self._runs[-1][0] == looks:
            self._runs[-1][1].append(text)  # joined once, at the end of the block (linear)
        else:
            self._runs.append((looks, [text]))
        self._last = text
        if self.truncated:
            raise _Full

    def data(self, text: str | None) -> None:
        if not text or self._hidden:
            return
        if not self._pre:
            text = _SPACES.sub(" ", text)
            if not self._runs or self._last.endswith(("\n", " ")):
                text = text.lstrip(" ")
        self._append(text, self._looks())

    def flush(self) -> None:
        runs = [Run("".join(pieces), looks) for looks, pieces in self._runs]
        self._runs, self._last = [], ""
        while runs and not runs[-1].text.strip():
            runs.pop()
        if runs and any(run.text.strip() for run in runs):
            if not self._pre:
                runs[-1] = Run(runs[-1].text.rstrip(), runs[-1].styles)
            kind = "code" if self._pre else "heading" if self._heading else "item" if self._marker else "paragraph"
            self._add(Block(kind, tuple(runs), self._heading, self._marker, self._quote,
                            self._indent if self._marker else len(self._lists)))
            self._marker = ""

    def _add(self, block: Block) -> None:
        if len(self.blocks) >= MAX_BLOCKS:
            self.truncated = True
            raise _Full
        self.blocks.append(block)

    def start(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if tag == "br":
            self._append("\n", frozenset())
            return
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag == "blockquote":
            self._quote += 1
        elif tag in ("ul", "ol"):
            self._lists.append([tag == "ol", 0])
        elif tag == "li":
            if self._lists and self._lists[-1][0]:
                self._lists[-1][1] += 1
                self._marker = f"{self._lists[-1][1]}. "
            else:
                self._marker = "• "
            self._indent = max(0, len(self._lists) - 1)
        elif tag == "pre":
            self._pre += 1
        elif tag in _HEADING_LEVEL:
            self._heading = _HEADING_LEVEL[tag]
        elif tag == "hr":
            self._add(Block("rule", ()))
        elif tag in _STYLE_OF:
            self._styles[_STYLE_OF[tag]] = self._styles.get(_STYLE_OF[tag], 0) + 1
            self._looks_now = None
        elif tag == "a":
            self._links_open += 1
            self._looks_now = None
            if self._links_open == 1:
                self._link = (attrs.get("href") or "", [])
        elif tag == "img":
            alt, src = (attrs.get("alt") or "").strip(), (attrs.get("src") or "").strip()
            self._append(f"[{alt or 'image'}]", self._looks() | {"image"})
            if src:
                self._append(f" <{src}>", frozenset({"url"}))

    def end(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag in _STYLE_OF:
            style = _STYLE_OF[tag]
            self._styles[style] = max(0, self._styles.get(style, 0) - 1)
            self._looks_now = None
        elif tag == "a" and self._links_open:
            self._links_open -= 1
            self._looks_now = None
            if self._links_open == 0 and self._link is not None:
                (href, text), self._link = self._link, None
                shown = "".join(text)
                href = href.strip()
                if href and not href.startswith("#") and href not in shown:
                    self._append(f" <{href}>" if shown.strip() else href, frozenset({"url"}))
        if tag in _BLOCK_TAGS:
            self.flush()
        if tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag in _HEADING_LEVEL:
            self._heading = 0

    def result(self) -> tuple[Block, ...]:
        try:
            self.flush()  # what was read of the last block (all of it, or up to the limit)
        except _Full:
            pass
        if self.truncated:
            self.blocks.append(Block("paragraph", (Run(TRUNCATED.strip()),)))
        return tuple(self.blocks)


def xhtml_blocks(element: ET.Element) -> tuple[Block, ...]:
    """An XHTML element tree as styled blocks (bounded like :func:`xhtml_text`)."""
    out = _Blocks()
    try:
        _walk(element, out)
    except _Full:
        pass
    return out.result()


def html_blocks(markup: str) -> tuple[Block, ...]:
    """Escaped HTML (``type="html"``) as styled blocks (bounded like :func:`html_text`)."""
    out = _Blocks()
    try:
        _scan_html(markup[:MAX_HTML_CHARS], out)
    except _Full:
        pass
    return out.result()
