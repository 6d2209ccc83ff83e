"""XEP-0004 forms: the plain model and its conversion from/to slixmpp's Form."""

from __future__ import annotations

from slixmpp.plugins.xep_0004.stanza import Form

from tests.harness.forms import every_field_form
from tui.core.forms import FIELD_TYPES, DataForm, FormField, FormOption
from tui.xmpp.forms import form_from_stanza, form_to_stanza, submission_stanza


def test_every_field_type_converts_with_its_data():
    data = form_from_stanza(every_field_form())
    assert data.type == "form"
    assert {f.type for f in data.fields} == set(FIELD_TYPES)
    assert data.title == "Room [b]config[/b]"  # kept literally: the screen never parses it
    assert data.instructions == ["Fill [i]this[/i] in", "Second line"]
    fixed = [f for f in data.fields if f.type == "fixed"]
    assert [f.values for f in fixed] == [["General [b]settings[/b]"], ["Second section"]]  # both, not one
    assert data.form_type == "http://jabber.org/protocol/muc#roomconfig"
    assert data.field("persistent").checked is True
    name = data.field("name")
    assert (name.label, name.required, name.value) == ("Name", True, "Lounge")
    assert name.description == "[red]shown[/red] to people"
    assert data.field("secret").value == "s3cret"
    assert data.field("desc").values == ["line one", "line two"]
    assert data.field("admins").values == ["a@localhost", "b@localhost"]
    whois = data.field("whois")
    assert [(o.label, o.value) for o in whois.options] == [("[b]Moderators[/b]", "moderators"), ("Anyone", "anyone")]
    assert data.field("roles").values == ["moderator", "visitor"]


def test_labels_are_sanitised_values_are_not():
    data = form_from_stanza(every_field_form())
    label = data.field("persistent").label
    assert "\x1b" not in label and "\x07" not in label and "\u202e" not in label
    assert "[b]x[/b]" in label and "[@click=app.quit]" in label  # literal text, not markup
    # a value goes back to the server exactly as it came
    raw = FormField(var="v", values=["a\x1bb"])
    assert raw.values == ["a\x1bb"]


def test_round_trip_through_the_stanza_loses_nothing():
    data = form_from_stanza(every_field_form())
    again = form_from_stanza(form_to_stanza(data))
    assert again == data


def test_submission_carries_vars_and_values_only():
    data = form_from_stanza(every_field_form())
    data.field("name").value = "New name"
    data.field("persistent").checked = False
    stanza = submission_stanza(data)
    assert stanza["type"] == "submit"
    xml = str(stanza)
    assert "label=" not in xml and "<option" not in xml and "<desc" not in xml and "<title" not in xml
    values = stanza.get_values()
    assert values["name"] == "New name"
    assert values["persistent"] == "0"  # no type in a submission: the raw value
    assert values["FORM_TYPE"] == ["http://jabber.org/protocol/muc#roomconfig"]
    assert values["admins"] == ["a@localhost", "b@localhost"]
    assert "" not in stanza.get_fields()  # fixed fields stay behind
    assert stanza.get_fields()["FORM_TYPE"]["type"] == "hidden"


def test_booleans_accept_both_spellings_and_set_as_digits():
    field = FormField(var="b", type="boolean", values=["true"])
    assert field.checked
    field.checked = False
    assert field.values == ["0"]
    assert FormField(var="b", type="boolean", values=["0"]).checked is False
    assert FormField(var="b", type="boolean").checked is False


def test_unknown_or_missing_type_is_text_single():
    assert FormField(var="x", type="bogus").type == "text-single"
    xml = Form()
    xml.add_field(var="plain", value="v")
    assert form_from_stanza(xml).field("plain").type == "text-single"


def test_missing_required_ignores_fixed_hidden_and_booleans():
    form = DataForm(fields=[
        FormField(var="a", required=True, values=[]),
        FormField(var="b", required=True, values=["  "]),
        FormField(var="c", required=True, values=["ok"]),
        FormField(var="d", type="boolean", required=True),
        FormField(var="e", type="hidden", required=True),
        FormField(type="fixed", required=True),
    ])
    assert [f.var for f in form.missing_required()] == ["a", "b"]


def test_option_shows_its_value_without_a_label():
    assert FormOption(value="x\x1b").shown == "x\u241b"
    assert FormOption(value="x", label="Ex").shown == "Ex"
