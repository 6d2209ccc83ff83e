"""XEP-0004 forms for tests: a slixmpp-built form with every field type."""

from __future__ import annotations

from slixmpp.plugins.xep_0004.stanza import Form

HOSTILE = "[b]x[/b] [@click=app.quit]y[/] \x1b]0;pwned\x07\u202eevil"


def every_field_form() -> Form:
    """A slixmpp-built form with one field of every type (and hostile text)."""
    form = Form()
    form["type"] = "form"
    form["title"] = "Room [b]config[/b]"
    form["instructions"] = "Fill [i]this[/i] in\nSecond line"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
    form.add_field(ftype="fixed", value="General [b]settings[/b]")
    form.add_field(ftype="fixed", value="Second section")
    form.add_field(var="persistent", ftype="boolean", label=HOSTILE, value=True)
    form.add_field(var="name", ftype="text-single", label="Name", desc="[red]shown[/red] to people",
                   required=True, value="Lounge")
    form.add_field(var="secret", ftype="text-private", label="Password", value="s3cret")
    form.add_field(var="desc", ftype="text-multi", label="Description", value="line one\nline two")
    form.add_field(var="owner", ftype="jid-single", label="Owner", value="alice@localhost")
    form.add_field(var="admins", ftype="jid-multi", label="Admins", value=["a@localhost", "b@localhost"])
    form.add_field(var="whois", ftype="list-single", label="Who sees JIDs", value="moderators",
                   options=[{"label": "[b]Moderators[/b]", "value": "moderators"},
                            {"label": "Anyone", "value": "anyone"}])
    form.add_field(var="roles", ftype="list-multi", label="Roles", value=["moderator", "visitor"],
                   options=[{"label": "Moderator", "value": "moderator"},
                            {"label": "Participant", "value": "participant"},
                            {"label": "Visitor", "value": "visitor"}])
    return form
