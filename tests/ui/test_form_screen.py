"""The XEP-0004 form screen under Pilot: keyboard-only editing, submit,
required fields, cancel, untrusted labels; and the app's ``edit_form`` hook."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Checkbox, Input, Select, SelectionList, TextArea

from screens.form_screen import FormScreen
from screens import textual_private
from tests.harness.app import running_app
from tests.harness.forms import every_field_form
from tests.harness.wait import until
from tui.core.forms import DataForm, FormField
from tui.xmpp.forms import form_from_stanza, form_to_stanza, submission_stanza

_NO_RESULT = object()


class FormHost(App):
    """Just enough app to show the screen and keep what it dismissed with."""

    def __init__(self, form: DataForm) -> None:
        super().__init__()
        self.form = form
        self.result = _NO_RESULT

    def on_mount(self) -> None:
        self.push_screen(FormScreen(self.form), self._done)

    def _done(self, result) -> None:
        self.result = result


def screen_text(app: App) -> str:
    return "\n".join(textual_private.screen_lines(app))


def sample_form() -> DataForm:
    return form_from_stanza(every_field_form())


async def test_keyboard_only_edit_and_submit_returns_the_new_values():
    form = sample_form()
    app = FormHost(form)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        assert isinstance(screen, FormScreen)
        assert isinstance(app.focused, Checkbox)  # the first field (persistent) has the keys
        await pilot.press("space")  # boolean: on → off
        await pilot.press("tab")
        assert isinstance(app.focused, Input) and app.focused.value == "Lounge"
        await pilot.press("end", *["backspace"] * 6, *"Bar")
        for _ in range(4):  # secret, desc, owner, admins
            await pilot.press("tab")
        await pilot.press("tab")
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "down", "enter")  # open, next option, choose
        await until(lambda: app.focused is not None and app.screen is screen)
        await pilot.press("ctrl+s")
        await until(lambda: app.result is not _NO_RESULT, message="the screen was not dismissed")
    result = app.result
    assert isinstance(result, DataForm)
    assert result.field("persistent").values == ["0"]
    assert result.field("name").values == ["Bar"]
    assert result.field("whois").values == ["anyone"]
    # untouched fields come back exactly as they came
    for var in ("FORM_TYPE", "secret", "desc", "owner", "admins", "roles"):
        assert result.field(var) == form.field(var), var
    assert form.field("name").value == "Lounge"  # the caller's form is not modified


async def test_an_untouched_form_comes_back_unchanged():
    form = sample_form()
    form.field("whois").values = ["moderators"]  # the first option (Textual's Select.BLANK == 0)
    app = FormHost(form)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("ctrl+s")
        await until(lambda: app.result is not _NO_RESULT)
    assert app.result == form


async def test_text_multi_list_multi_and_submit_button():
    app = FormHost(sample_form())
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        screen.query_one("#field-6", TextArea).text = "one\ntwo\nthree\n"
        screen.query_one("#field-8", TextArea).text = " c@localhost \n\n"
        roles = screen.query_one("#field-10", SelectionList)
        roles.focus()
        await pilot.press("down", "space")  # participant on (moderator was highlighted first)
        await pilot.click("#form-submit")
        await until(lambda: app.result is not _NO_RESULT)
    result = app.result
    assert result.field("desc").values == ["one", "two", "three"]
    assert result.field("admins").values == ["c@localhost"]
    assert result.field("roles").values == ["moderator", "participant", "visitor"]


async def test_required_field_left_empty_says_so_and_stays_open():
    app = FormHost(sample_form())
    async with app.run_test(size=(100, 60)) as pilot:
        screen = app.screen
        name = screen.query_one("#field-4", Input)
        name.value = ""
        await pilot.press("ctrl+s")
        await until(lambda: "Required" in screen.error_text)
        assert screen.error_text == "Required: Name"
        assert app.screen is screen and app.result is _NO_RESULT
        assert app.focused is name  # the keys go where the work is
        await pilot.press(*"Back")
        await pilot.press("ctrl+s")
        await until(lambda: app.result is not _NO_RESULT)
    assert app.result.field("name").values == ["Back"]


async def test_escape_cancels_with_none():
    app = FormHost(sample_form())
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("escape")
        await until(lambda: app.result is not _NO_RESULT)
    assert app.result is None


async def test_labels_with_markup_like_text_render_literally():
    app = FormHost(sample_form())
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        # title, boolean label, description, fixed text: exactly as written
        for literal in ("Room [b]config[/b]", "[b]x[/b] [@click=app.quit]y[/]",
                        "[red]shown[/red] to people", "General [b]settings[/b]", "Fill [i]this[/i] in"):
            assert literal in text, literal
        assert "\x1b" not in text and "\u202e" not in text
        screen = app.screen
        # option labels, which Select/SelectionList would parse as markup if given a str
        screen.query_one("#field-9", Select).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "[b]Moderators[/b]" in screen_text(app)
        assert str(screen.query_one("#field-3", Checkbox).label).startswith("[b]x[/b]")


async def test_text_private_is_masked_and_hidden_is_not_shown():
    app = FormHost(sample_form())
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#field-5", Input).password is True
        text = screen_text(app)
        assert "s3cret" not in text
        assert "muc#roomconfig" not in text  # the hidden FORM_TYPE


async def test_app_edit_form_hook_returns_the_filled_form(alice):
    form = DataForm(title="Hook test", fields=[
        FormField(var="FORM_TYPE", type="hidden", values=["urn:test"]),
        FormField(var="topic", label="Topic", values=["old"]),
        FormField(var="open", type="boolean", label="Open", values=["0"]),
    ])
    async with running_app(alice.config) as (app, pilot):
        # the way a command calls it: client.ui, awaited from a task
        pending = asyncio.ensure_future(app.client.ui.edit_form(form))
        await until(lambda: isinstance(app.screen, FormScreen))
        topic = app.screen.query_one("#field-1", Input)
        await until(lambda: app.focused is topic)  # the form focuses its first field once mounted
        topic.value = "new"
        await pilot.press("tab", "space", "ctrl+s")
        filled = await asyncio.wait_for(pending, 5)
        assert filled.field("topic").values == ["new"]
        assert filled.field("open").checked is True
        assert filled.field("FORM_TYPE").values == ["urn:test"]
        # cancelled → None, and the main screen has the keys again
        pending = asyncio.ensure_future(app.client.ui.edit_form(form))
        await until(lambda: isinstance(app.screen, FormScreen))
        await pilot.press("escape")
        assert await asyncio.wait_for(pending, 5) is None
        await until(lambda: app.screen is app.main)

        # awaited inside the app's own message loop it would freeze the UI: refused
        refused = []

        async def inline() -> None:
            try:
                await app.edit_form(form)
            except RuntimeError as exc:
                refused.append(str(exc))

        app.call_later(inline)
        await until(lambda: refused)
        assert "message loop" in refused[0] and app.screen is app.main


def _normal(xml) -> tuple:
    """A form's XML as comparable data (child order within a field aside)."""
    ns = "{jabber:x:data}"
    fields = []
    for field in xml.findall(f"{ns}field"):
        fields.append((
            dict(field.attrib),
            [v.text or "" for v in field.findall(f"{ns}value")],
            [(o.get("label"), o.findtext(f"{ns}value")) for o in field.findall(f"{ns}option")],
            field.find(f"{ns}required") is not None,
            field.findtext(f"{ns}desc"),
        ))
    return (xml.get("type"), xml.findtext(f"{ns}title"),
            [i.text for i in xml.findall(f"{ns}instructions")], fields)


async def test_prosody_room_configuration_round_trips_and_is_accepted(prosody, make_peer):
    owner = await make_peer()
    room = f"cfg-{owner.jid.split('@')[0]}@{prosody.muc_domain}"
    muc = owner.plugin["xep_0045"]
    await muc.join_muc_wait(room, "owner", timeout=5)  # a new room, locked until configured
    stanza = await muc.get_room_config(room, timeout=5)
    data = form_from_stanza(stanza)
    kinds = {f.type for f in data.fields}
    assert {"boolean", "fixed", "hidden", "list-multi", "list-single", "text-single", "text-private"} <= kinds, kinds
    assert _normal(form_to_stanza(data).xml) == _normal(stanza.xml)  # nothing lost either way

    app = FormHost(data)
    async with app.run_test(size=(100, 60)) as pilot:
        index = next(i for i, f in enumerate(data.fields) if f.var == "muc#roomconfig_roomname")
        app.screen.query_one(f"#field-{index}", Input).value = "Configured [b]here[/b]"
        await pilot.press("ctrl+s")
        await until(lambda: app.result is not _NO_RESULT)
    await muc.set_room_config(room, submission_stanza(app.result), timeout=5)  # Prosody accepts it
    again = form_from_stanza(await muc.get_room_config(room, timeout=5))
    assert again.field("muc#roomconfig_roomname").values == ["Configured [b]here[/b]"]
    # everything else as it was
    def others(form):
        return [(f.var, f.values) for f in form.fields if f.var != "muc#roomconfig_roomname"]

    assert others(again) == others(data)
