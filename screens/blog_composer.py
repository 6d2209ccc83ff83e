"""The blog composer: write an entry (or a comment) with a preview, keep the draft.

Opened by ``/blog post`` (``/blog edit ID``, ``/blog comment ID``) through
``ParlonsApp.compose_blog`` with a :class:`tui.store.drafts.Composition`.
An entry has a title, tags (comma-separated, completed from tags already
used: → takes the suggestion), a body in light markdown
(:mod:`tui.xmpp.blog.markdown`), who may read it and whether it takes
comments; the preview beside it shows the entry as it will read. A comment
is only a body: Enter posts it, Alt+Enter or Ctrl+J adds a line.

Ctrl+S publishes (the screen is dismissed with the :class:`Draft`); Ctrl+X
Ctrl+E — or a line ``/edit`` in the body — opens the body in $VISUAL/$EDITOR,
as the input line does. Every change goes to ``composition.keep`` (the
draft file, written off the loop), so a crash or a quit loses nothing; Esc
closes at once when there is nothing to lose, else asks: keep the draft for
later, drop it, or go on writing.

Text reaches the screen only as ``Text`` objects (labels hold brackets:
``[text](url)``), and the preview is built from the parsed blocks, never
from markup.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static, TextArea

from .field_keys import FIELD_FOCUS_BINDINGS

from tui.core.blog import ACCESS_MODELS
from tui.store.drafts import Composition, Draft
from tui.text import sanitize, sanitize_line
from tui.xmpp.blog.markdown import Block, CodeBlock, ListBlock, Paragraph, Quote, Span, parse

from . import editor
from .widgets.input_line import NEWLINE_KEYS

CHORD_SECONDS = 1.0  # Ctrl+X then Ctrl+E within this: the external editor
EDIT_LINE = "/edit"
READERS = {"open": "anyone", "presence": "my contacts"}
BODY_HINT = "Text — *emphasis*, **strong**, - lists, [text](https://…), `code`; Ctrl+X Ctrl+E: $EDITOR"


# -- tags ----------------------------------------------------------------------------------
class TagSuggester(Suggester):
    """Completes the tag being typed (after the last comma) from tags already used."""

    def __init__(self, tags: Callable[[], tuple[str, ...]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = tags  # asked at each suggestion: the tags known by then

    async def get_suggestion(self, value: str) -> str | None:
        head, comma, typed = value.rpartition(",")
        stem = typed.lstrip()
        if not stem:
            return None
        taken = {t.strip().lower() for t in head.split(",")} if comma else set()
        for tag in self.tags():
            if tag.lower().startswith(stem.lower()) and tag.lower() != stem.lower() and tag.lower() not in taken:
                return value[:len(value) - len(stem)] + tag
        return None


# -- the preview -----------------------------------------------------------------------------
_SPAN_STYLES = {"em": "italic", "strong": "bold", "code": "reverse"}


def _spans(text: Text, spans: tuple[Span, ...], style: str = "") -> None:
    for span in spans:
        if span.kind == "text":
            text.append(span.text, style or None)
        elif span.kind == "break":
            text.append("\n")
        elif span.kind == "code":
            text.append(span.text, f"{style} reverse".strip())
        elif span.kind == "link":
            _spans(text, span.children, f"{style} underline".strip())
            label = "".join(child.text for child in span.children if child.kind == "text")
            if label != span.url:
                text.append(f" <{span.url}>", "dim")
        else:
            _spans(text, span.children, f"{style} {_SPAN_STYLES[span.kind]}".strip())


def _blocks(text: Text, blocks: list[Block] | tuple[Block, ...], indent: str = "") -> None:
    for number, block in enumerate(blocks):
        if number:
            text.append("\n\n" if not indent else f"\n{indent}\n")
        text.append(indent, "dim")
        if isinstance(block, Paragraph):
            _spans(text, block.spans)
        elif isinstance(block, ListBlock):
            for n, item in enumerate(block.items, 1):
                if n > 1:
                    text.append("\n" + indent, "dim")
                text.append(f"{n}. " if block.ordered else "• ")
                _spans(text, item)
        elif isinstance(block, Quote):
            _blocks(text, block.blocks, indent + "│ ")
        elif isinstance(block, CodeBlock):
            text.append(block.text, "reverse")


def preview(draft: Draft, kind: str) -> Text:
    """The entry as readers will see it (plain ``Text``: user text is never markup)."""
    text = Text()
    body = sanitize(draft.body).strip()
    if kind != "comment":
        title = sanitize_line(draft.title).strip()
        if title:
            text.append(title + "\n", "bold")
        tags = draft.tag_list()
        facts = [f"readable by {READERS.get(draft.access, draft.access)} ({draft.access})",
                 "comments open" if draft.comments else "no comments"]
        if tags:
            facts.insert(0, " ".join("#" + sanitize_line(tag) for tag in tags))
        text.append(" · ".join(facts) + "\n\n", "dim")
    if body and (kind == "comment" or not draft.title.strip()):
        # a short post (or a comment) is its text alone, in <title/>: no formatting goes out
        text.append(body)
        if kind != "comment":
            text.append("\n\n(no title: published as a short post, in plain text)", "dim italic")
    elif body:
        _blocks(text, parse(body))
    elif kind == "comment" or not draft.title.strip():
        text.append("(nothing written yet)", "dim italic")
    return text


# -- the body ----------------------------------------------------------------------------------
class BodyArea(TextArea):
    """The body: Ctrl+X Ctrl+E (or a line ``/edit``) opens $EDITOR; for a
    comment, Enter posts and Alt+Enter / Ctrl+J add a line."""

    def __init__(self, text: str, *, comment: bool, **kwargs) -> None:
        super().__init__(text, soft_wrap=True, show_line_numbers=False, **kwargs)
        self.comment = comment
        self._armed_at: float | None = None

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if not isinstance(screen, BlogComposerScreen):
            return
        armed, self._armed_at = self._armed_at, None
        if event.key == "ctrl+x" and self.selection.is_empty:
            self._armed_at = time.monotonic()
            event.stop()
            event.prevent_default()
        elif event.key == "ctrl+e" and armed is not None and time.monotonic() - armed <= CHORD_SECONDS:
            event.stop()
            event.prevent_default()
            screen.action_edit_external()
        elif event.key == "enter" and self._line_is_edit():
            event.stop()
            event.prevent_default()
            self._remove_line(self.cursor_location[0])
            screen.action_edit_external()
        elif self.comment and event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
        elif self.comment and event.key == "enter":
            event.stop()
            event.prevent_default()
            screen.action_publish()

    def _remove_line(self, row: int) -> None:
        """Remove line ``row`` and its line break."""
        document = self.document
        if row + 1 < document.line_count:
            self.delete((row, 0), (row + 1, 0))
        elif row > 0:
            self.delete((row - 1, len(document.get_line(row - 1))), (row, len(document.get_line(row))))
        else:
            self.delete((0, 0), (0, len(document.get_line(0))))

    def _line_is_edit(self) -> bool:
        return self.document.get_line(self.cursor_location[0]).strip() == EDIT_LINE


# -- asking before a draft is dropped --------------------------------------------------------
class DropDraftPrompt(ModalScreen[str | None]):
    """Esc on a draft: "keep" it for later, "discard" it, or None: go on writing."""

    DEFAULT_CSS = """
    DropDraftPrompt { align: center middle; }
    DropDraftPrompt #drop-box { width: 64; height: auto; border: round $warning; padding: 0 1; }
    DropDraftPrompt #drop-buttons { height: auto; margin-top: 1; }
    DropDraftPrompt Button { margin-right: 1; }
    """
    BINDINGS = [
        Binding("k", "answer('keep')", "Keep for later", id="blog.compose.keep_draft"),
        Binding("d", "answer('discard')", "Discard", id="blog.compose.discard_draft"),
        Binding("escape,c", "answer(None)", "Go on writing", id="blog.compose.go_on"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="drop-box"):
            yield Static(Text("Close the composer? This draft is not published."), id="drop-question")
            with Horizontal(id="drop-buttons"):
                yield Button(Text("Keep for later (k)"), id="keep", variant="primary")
                yield Button(Text("Discard (d)"), id="discard", variant="error")
                yield Button(Text("Go on writing (Esc)"), id="go-on")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"keep": "keep", "discard": "discard"}.get(event.button.id or ""))

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)


# -- the composer --------------------------------------------------------------------------------
class BlogComposerScreen(ModalScreen[Draft | None]):
    DEFAULT_CSS = """
    BlogComposerScreen { align: center middle; }
    BlogComposerScreen #composer { width: 100%; height: 100%; border: round $accent; padding: 0 1; }
    BlogComposerScreen #composer-heading { text-style: bold; height: auto; }
    BlogComposerScreen #composer-notice { height: auto; color: $text-muted; }
    BlogComposerScreen #composer-notice.error { color: $error; }
    BlogComposerScreen #columns { height: 1fr; }
    BlogComposerScreen #fields { width: 1fr; height: 100%; }
    BlogComposerScreen #preview-box { width: 1fr; height: 100%; border-left: solid $panel; padding: 0 1; }
    BlogComposerScreen .field-label { color: $text-muted; height: auto; }
    BlogComposerScreen #body { height: 1fr; min-height: 4; }
    BlogComposerScreen.comment #body { height: 1fr; }
    BlogComposerScreen #options { height: auto; }
    BlogComposerScreen RadioSet { layout: horizontal; height: auto; }
    BlogComposerScreen #composer-keys { height: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+s", "publish", "Publish", priority=True, id="blog.compose.publish"),
        Binding("escape", "close", "Close", id="blog.compose.close"),
        *FIELD_FOCUS_BINDINGS,
    ]

    keeps_its_keys = True  # PgUp/PgDn, Alt+digits, Ctrl+N/P edit here (ParlonsApp.check_action)

    def __init__(self, composition: Composition) -> None:
        super().__init__(classes=composition.kind)
        self.composition = composition
        self.kind = composition.kind
        self._editing = False
        self._last = composition.draft  # the text last kept
        self._preview_task: asyncio.Task | None = None
        self._preview_wanted: Draft | None = None

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        draft, comment = self.composition.draft, self.kind == "comment"
        with Vertical(id="composer"):
            yield Static(Text(sanitize_line(self.composition.heading)), id="composer-heading")
            yield Static(Text(self._opening_notice()), id="composer-notice")
            with Horizontal(id="columns"):
                with Vertical(id="fields"):
                    if not comment:
                        yield Static(Text("Title"), classes="field-label")
                        yield Input(draft.title, id="title", placeholder="(none: a short post)")
                        yield Static(Text("Tags, comma-separated (→ takes a suggestion)"),
                                     classes="field-label")
                        yield Input(draft.tags, id="tags", suggester=TagSuggester(self.composition.tags))
                    yield Static(Text(BODY_HINT if not comment else
                                      "Comment — Enter posts, Alt+Enter adds a line; Ctrl+X Ctrl+E: $EDITOR"),
                                 classes="field-label")
                    yield BodyArea(draft.body, comment=comment, id="body")
                    if not comment:
                        editing = self.kind == "edit"  # an edit keeps the entry's node and comments
                        yield Static(Text("Who may read your blog (all of it: one access model per blog) "
                                          "· comments" if not editing else
                                          "Readers and comments are set when an entry is published"),
                                     classes="field-label")
                        with Horizontal(id="options"):
                            with RadioSet(id="access", disabled=editing):
                                for model in ACCESS_MODELS:
                                    yield RadioButton(Text(READERS.get(model, model)), value=draft.access == model,
                                                      id=f"access-{model}")
                            yield Checkbox(Text("comments"), draft.comments, id="comments", disabled=editing)
                if not comment:
                    with VerticalScroll(id="preview-box"):
                        yield Static(preview(draft, self.kind), id="preview")
            yield Static(Text("Ctrl+S publish · Esc close (asks before dropping a draft) · "
                              "Tab next field" if not comment else
                              "Enter or Ctrl+S post · Esc close (asks before dropping a draft)"),
                         id="composer-keys")

    def _opening_notice(self) -> str:
        if self.composition.restored:
            saved = self.composition.draft.saved
            when = datetime.fromtimestamp(saved).strftime("%Y-%m-%d %H:%M") if saved else "before"
            return f"Your draft from {when} is back. Esc then d drops it."
        return "Drafts are kept as you type: a crash or a quit loses nothing."

    def on_mount(self) -> None:
        self.query_one("#title" if self.kind == "post" else "#body").focus()
        body = self.query_one(BodyArea)
        body.move_cursor(body.document.end)

    # -- the draft ---------------------------------------------------------------------------
    def draft(self) -> Draft:
        """What the composer holds now."""
        start = self.composition.draft
        if self.kind == "comment":
            return Draft(body=self.query_one(BodyArea).text, access=start.access, comments=start.comments)
        pressed = self.query_one("#access", RadioSet).pressed_button
        access = (pressed.id or "").removeprefix("access-") if pressed is not None else start.access
        return Draft(title=self.query_one("#title", Input).value, tags=self.query_one("#tags", Input).value,
                     body=self.query_one(BodyArea).text, access=access or start.access,
                     comments=self.query_one("#comments", Checkbox).value)

    def _changed(self) -> None:
        if not self.is_mounted:
            return
        draft = self.draft()
        if draft.same_text(self._last):  # widgets say "changed" when mounted too
            return
        self._last = draft
        kept = self.composition.keep(draft)
        if kept.saved:
            stamp = datetime.fromtimestamp(kept.saved).strftime("%H:%M:%S")
            self._notice(f"Draft kept at {stamp}")
        if self.kind != "comment":
            self._schedule_preview(draft)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the app's input-line handler is not for these
        self._changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._changed()

    def _schedule_preview(self, draft: Draft) -> None:
        """The preview follows the text, parsed off the loop (a long body
        never delays a key): one rendering at a time, of the newest text."""
        self._preview_wanted = draft
        if self._preview_task is None or self._preview_task.done():
            self._preview_task = asyncio.get_running_loop().create_task(self._render_previews())

    async def _render_previews(self) -> None:
        while self._preview_wanted is not None:
            draft, self._preview_wanted = self._preview_wanted, None
            rendered = await asyncio.to_thread(preview, draft, self.kind)
            if not self.is_mounted:
                return
            self.query_one("#preview", Static).update(rendered)

    def _notice(self, text: str, error: bool = False) -> None:
        notice = self.query_one("#composer-notice", Static)
        notice.update(Text(sanitize_line(text)))
        notice.set_class(error, "error")

    # -- actions -----------------------------------------------------------------------------
    def action_publish(self) -> None:
        draft = self.draft()
        if not draft.body.strip() and (self.kind == "comment" or not draft.title.strip()):
            self._notice("Nothing to publish yet", error=True)
            return
        policy = getattr(self.app, "paste_policy", None)
        if policy is not None and policy.has_password(f"{draft.title}\n{draft.tags}\n{draft.body}"):
            self._notice("This text holds your password: not published", error=True)
            return
        self.dismiss(draft)

    def action_close(self) -> None:
        draft = self.draft()
        if draft.is_empty() or (not self.composition.restored and draft.same_text(self.composition.start)):
            self.composition.discard()  # nothing to lose
            self.dismiss(None)
            return

        def answered(answer: str | None) -> None:
            if answer == "discard":
                self.composition.discard()
            if answer is not None:
                self.dismiss(None)

        self.app.push_screen(DropDraftPrompt(), answered)

    def action_edit_external(self) -> None:
        # a worker: the editor must not be awaited inside the message loop
        self.run_worker(self._edit_external(), group="blog-editor", exclusive=True, exit_on_error=False)

    async def _edit_external(self) -> None:
        if self._editing:
            return
        body = self.query_one(BodyArea)
        runner = getattr(self.app, "editor_runner", None) or editor.suspended_runner(self.app)
        self._editing = True
        try:
            text = await editor.edit_text(body.text, runner)
        except editor.EditorError as exc:
            self._notice(str(exc), error=True)
            return
        finally:
            self._editing = False
        body.text = text
        body.move_cursor(body.document.end)
        body.focus()
