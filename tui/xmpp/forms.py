"""slixmpp's XEP-0004 ``Form`` stanza ⇄ the plain model of ``tui.core.forms``.

Both directions work on the XML itself rather than slixmpp's field
accessors: those convert values on the way (booleans become True/False,
text-multi is split and re-joined, var-less fixed fields collapse into one
dict key), and a form must come back exactly as it went out unless the user
changed something.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from slixmpp.plugins.xep_0004.stanza import FieldOption, Form, FormField as FieldStanza
from slixmpp.xmlstream import register_stanza_plugin

from ..core.forms import FORM_TYPES, DataForm, FormField, FormOption
from ..text import xml_safe

NS = "jabber:x:data"

# What the xep_0004 plugin registers when it loads; done here too so the
# conversion works before (or without) a client.
register_stanza_plugin(FieldStanza, FieldOption, iterable=True)
register_stanza_plugin(Form, FieldStanza, iterable=True)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _field_from_xml(element: ET.Element) -> FormField:
    options = [
        FormOption(value=_text(option.find(_q("value"))), label=option.get("label", ""))
        for option in element.findall(_q("option"))
    ]
    return FormField(
        var=element.get("var", ""),
        type=element.get("type") or "text-single",
        label=element.get("label", ""),
        description=_text(element.find(_q("desc"))),
        required=element.find(_q("required")) is not None,
        options=options,
        values=[_text(value) for value in element.findall(_q("value"))],
    )


def form_from_stanza(form: Form | ET.Element) -> DataForm:
    """The model of a ``<x xmlns='jabber:x:data'/>`` (a stanza or bare XML)."""
    xml = form.xml if isinstance(form, Form) else form
    form_type = xml.get("type", "form")
    return DataForm(
        type=form_type if form_type in FORM_TYPES else "form",
        title=_text(xml.find(_q("title"))),
        instructions=[_text(line) for line in xml.findall(_q("instructions"))],
        fields=[_field_from_xml(child) for child in xml.findall(_q("field"))],
    )


def form_to_stanza(data: DataForm) -> Form:
    """A slixmpp ``Form`` carrying ``data``. A submission carries only vars,
    values and the type of hidden fields (slixmpp's own convention)."""
    for_people = data.type in ("form", "result")
    root = ET.Element(_q("x"), {"type": data.type})
    if for_people and data.title:
        ET.SubElement(root, _q("title")).text = xml_safe(data.title)
    if for_people:
        for line in data.instructions:
            ET.SubElement(root, _q("instructions")).text = xml_safe(line)
    for item in data.fields:
        attrs = {}
        if item.var:
            attrs["var"] = item.var
        if for_people or item.type == "hidden":
            attrs["type"] = item.type
        if for_people and item.label:
            attrs["label"] = xml_safe(item.label)
        element = ET.SubElement(root, _q("field"), attrs)
        if for_people:
            if item.description:
                ET.SubElement(element, _q("desc")).text = xml_safe(item.description)
            if item.required:
                ET.SubElement(element, _q("required"))
        for value in item.values:
            ET.SubElement(element, _q("value")).text = xml_safe(value)
        if for_people:
            for option in item.options:
                opt = ET.SubElement(element, _q("option"), {"label": option.label} if option.label else {})
                ET.SubElement(opt, _q("value")).text = xml_safe(option.value)
    return Form(xml=root)


def submission_stanza(data: DataForm) -> Form:
    """What to send when the user submitted ``data``."""
    return form_to_stanza(data.submission())
