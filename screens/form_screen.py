"""Edit a XEP-0004 data form (room configuration, registration...).

One widget per field type: Checkbox (boolean), Input (text-single,
jid-single; masked for text-private), TextArea (text-multi, jid-multi, one
value per line), Select (list-single), SelectionList (list-multi); fixed
fields are plain text, hidden ones are not shown. Tab / Shift+Tab move
between fields, Ctrl+S (or the Submit button) dismisses with the filled
form, Escape with None.

Everything the server wrote (title, instructions, labels, descriptions,
option labels, values) is untrusted: it reaches the screen only as ``Text``
objects, never as markup — Select, SelectionList and Checkbox parse a plain
``str`` label as markup, so they get ``Text`` too.

A field the user did not touch goes back exactly as it came (what is shown
is sanitised, what is sent is the original), so a form survives the round
trip unchanged.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from .field_keys import FIELD_FOCUS_BINDINGS

from tui.core.forms import DataForm, FormField, FormOption
from tui.text import sanitize, sanitize_line


def _options_with_values(field: FormField) -> list[FormOption]:
    """The field's options plus any current value the options lack (a server
    may send one): every value is shown, so none is lost silently."""
    options = list(field.options)
    known = {option.value for option in options}
    options += [FormOption(value=v) for v in field.values if v not in known]
    return options


class FormScreen(ModalScreen[DataForm | None]):
    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen #form-body {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
    }
    FormScreen .form-label {
        margin-top: 1;
        text-style: bold;
    }
    FormScreen .form-desc {
        color: $text-muted;
    }
    FormScreen .form-fixed {
        margin-top: 1;
    }
    FormScreen TextArea {
        height: 5;
    }
    FormScreen SelectionList {
        height: auto;
        max-height: 8;
    }
    FormScreen #form-error {
        color: $error;
        height: auto;
    }
    FormScreen #form-buttons {
        height: auto;
        margin-top: 1;
    }
    """

    BINDINGS = [
        # priority: Ctrl+S submits even from inside a TextArea
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("escape", "cancel", "Cancel", show=False),
        *FIELD_FOCUS_BINDINGS,
    ]

    def __init__(self, form: DataForm, title: str | None = None) -> None:
        super().__init__()
        self.form = form
        self.heading = sanitize_line(title) if title else form.title
        self._widgets: dict[int, Widget] = {}  # field index → its editor
        self._options: dict[int, list[FormOption]] = {}

    # -- building ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-body"):
            yield Static(Text(self.heading or "Form", style="bold"), id="form-title")
            for line in self.form.instructions:
                yield Static(Text(line), classes="form-instructions")
            for index, field in enumerate(self.form.fields):
                yield from self._compose_field(index, field)
            yield Static(Text(""), id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(Text("Submit (Ctrl+S)"), variant="primary", id="form-submit")
                yield Button(Text("Cancel (Esc)"), id="form-cancel")

    def _compose_field(self, index: int, field: FormField) -> ComposeResult:
        if field.type == "hidden":
            return
        if field.type == "fixed":
            yield Static(Text("\n".join(sanitize(v) for v in field.values)), classes="form-fixed")
            return
        label = Text(field.shown_label)
        if field.required:
            label.append(" *", style="bold")
        if field.type != "boolean":  # a checkbox carries its own label
            yield Static(label, classes="form-label")
        yield self._editor(index, field, label)
        if field.description:
            yield Static(Text(field.description), classes="form-desc")

    def _editor(self, index: int, field: FormField, label: Text) -> Widget:
        widget_id = f"field-{index}"
        kind = field.type
        if kind == "boolean":
            widget: Widget = Checkbox(label, field.checked, id=widget_id, classes="form-boolean")
        elif kind in ("text-multi", "jid-multi"):
            widget = TextArea(self._shown_lines(field), id=widget_id, soft_wrap=True)
        elif kind == "list-single":
            options = self._options[index] = _options_with_values(field)
            initial = self._initial_index(field, options)
            # option keys are strings: Textual's Select.BLANK is False, which equals 0
            widget = Select(
                [(Text(option.shown), f"option-{i}") for i, option in enumerate(options)],
                value=f"option-{initial}" if initial is not None else Select.NULL,
                allow_blank=not field.required or initial is None,
                prompt="(choose)", id=widget_id,
            )
        elif kind == "list-multi":
            options = self._options[index] = _options_with_values(field)
            chosen = set(field.values)
            widget = SelectionList(
                *(Selection(Text(option.shown), i, option.value in chosen) for i, option in enumerate(options)),
                id=widget_id,
            )
        else:  # text-single, jid-single, text-private
            widget = Input(value=self._shown_line(field), password=kind == "text-private", id=widget_id)
        self._widgets[index] = widget
        return widget

    @staticmethod
    def _initial_index(field: FormField, options: list[FormOption]) -> int | None:
        for i, option in enumerate(options):
            if field.values and option.value == field.values[0]:
                return i
        return None

    @staticmethod
    def _shown_line(field: FormField) -> str:
        return sanitize_line(field.value)

    @staticmethod
    def _shown_lines(field: FormField) -> str:
        return "\n".join(sanitize_line(v) for v in field.values)

    def on_mount(self) -> None:
        first = next(iter(self._widgets.values()), None)
        (first or self.query_one("#form-submit", Button)).focus()

    # -- reading back ---------------------------------------------------------------
    def filled(self) -> DataForm:
        """A copy of the form with what the user changed."""
        result = self.form.copy()
        for index, widget in self._widgets.items():
            self._read(index, result.fields[index], widget)
        return result

    def _read(self, index: int, field: FormField, widget: Widget) -> None:
        kind = field.type
        if isinstance(widget, Checkbox):
            if widget.value != field.checked:
                field.checked = widget.value
        elif isinstance(widget, TextArea):
            if widget.text != self._shown_lines(field):
                lines = widget.text.split("\n")
                if kind == "jid-multi":
                    lines = [line.strip() for line in lines if line.strip()]
                elif lines and lines[-1] == "":
                    lines = lines[:-1]  # the final newline is not an empty value
                field.values = lines
        elif isinstance(widget, Select):
            options = self._options[index]
            chosen = widget.value
            before = self._initial_index(field, options)
            if not isinstance(chosen, str):  # nothing chosen
                if before is not None:
                    field.values = []
            elif chosen != f"option-{before}":
                field.values = [options[int(chosen.removeprefix("option-"))].value]
        elif isinstance(widget, SelectionList):
            options = self._options[index]
            chosen = [options[i].value for i in sorted(widget.selected)]
            if set(chosen) != set(field.values):
                field.values = chosen
        elif isinstance(widget, Input):
            if widget.value != self._shown_line(field):
                field.value = widget.value

    # -- actions ------------------------------------------------------------------------
    @property
    def error_text(self) -> str:
        return str(self.query_one("#form-error", Static).render())

    def _show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(message))

    def action_submit(self) -> None:
        filled = self.filled()
        missing = filled.missing_required()
        if missing:
            names = ", ".join(f.shown_label for f in missing)
            self._show_error(f"Required: {names}")
            index = filled.fields.index(missing[0])
            widget = self._widgets.get(index)
            if widget is not None:
                widget.focus()
            return
        self.dismiss(filled)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "form-submit":
            self.action_submit()
        elif event.button.id == "form-cancel":
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in a one-line field moves on, like Tab (submitting by
        # accident with half the form unseen would be worse).
        event.stop()
        self.focus_next()
