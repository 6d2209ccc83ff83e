"""XEP-0004 data forms as plain data: no slixmpp, no Textual.

A server hands us a form (room configuration, registration, ad-hoc
commands); the user fills it in; we send back a *submission*. This module
is the model both sides share: ``tui/xmpp/forms.py`` converts slixmpp's
``Form`` stanza to and from it, ``screens/form_screen.py`` edits it.

What the server wrote for people to read (title, instructions, labels,
descriptions, option labels) is untrusted and sanitised here, once.
Values are kept exactly as received: they go back to the server, and a
form must survive the round trip unchanged unless the user changed it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field as dc_field

from ..text import sanitize, sanitize_line

FIELD_TYPES = (
    "boolean", "fixed", "hidden", "jid-multi", "jid-single", "list-multi",
    "list-single", "text-multi", "text-private", "text-single",
)
MULTI_VALUE_TYPES = frozenset({"jid-multi", "list-multi", "text-multi", "hidden"})
FORM_TYPES = ("form", "submit", "cancel", "result")
_TRUE = frozenset({"1", "true"})


@dataclass
class FormOption:
    value: str
    label: str = ""

    def __post_init__(self) -> None:
        self.label = sanitize_line(self.label)

    @property
    def shown(self) -> str:
        """What a person reads: the label, else the value (sanitised)."""
        return self.label or sanitize_line(self.value)


@dataclass
class FormField:
    var: str = ""  # a fixed field may have none
    type: str = "text-single"
    label: str = ""
    description: str = ""
    required: bool = False
    options: list[FormOption] = dc_field(default_factory=list)
    values: list[str] = dc_field(default_factory=list)

    def __post_init__(self) -> None:
        # XEP-0004 §3.3: a field without a type is text-single; an unknown
        # type is treated the same way (a text box is the safe fallback).
        if self.type not in FIELD_TYPES:
            self.type = "text-single"
        self.label = sanitize_line(self.label)
        self.description = sanitize(self.description)

    @property
    def shown_label(self) -> str:
        return self.label or sanitize_line(self.var)

    @property
    def value(self) -> str:
        """The first value, or "" (single-value types)."""
        return self.values[0] if self.values else ""

    @value.setter
    def value(self, text: str) -> None:
        self.values = [text] if text != "" else []

    @property
    def checked(self) -> bool:
        """A boolean field's value ("1"/"true" are true, anything else false)."""
        return self.value.strip().lower() in _TRUE

    @checked.setter
    def checked(self, on: bool) -> None:
        self.values = ["1" if on else "0"]

    @property
    def editable(self) -> bool:
        return self.type not in ("fixed", "hidden")

    @property
    def is_empty(self) -> bool:
        return not any(v.strip() for v in self.values)


@dataclass
class DataForm:
    type: str = "form"
    title: str = ""
    instructions: list[str] = dc_field(default_factory=list)
    fields: list[FormField] = dc_field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = sanitize_line(self.title)
        self.instructions = [sanitize(line) for line in self.instructions]

    def field(self, var: str) -> FormField | None:
        for candidate in self.fields:
            if candidate.var == var:
                return candidate
        return None

    @property
    def form_type(self) -> str:
        """The FORM_TYPE hidden field's value (what kind of form this is)."""
        found = self.field("FORM_TYPE")
        return found.value if found is not None else ""

    def missing_required(self) -> list[FormField]:
        """Required fields the user left empty (a boolean always has a value)."""
        return [f for f in self.fields
                if f.required and f.editable and f.type != "boolean" and f.is_empty]

    def copy(self) -> "DataForm":
        return copy.deepcopy(self)

    def submission(self) -> "DataForm":
        """The form to send back (XEP-0004 §3.2): type "submit", every field
        with a var and its values; fixed fields and everything meant for
        people (labels, descriptions, options) stay behind."""
        fields = [
            FormField(var=f.var, type=f.type, values=list(f.values))
            for f in self.fields if f.var and f.type != "fixed"
        ]
        return DataForm(type="submit", fields=fields)
