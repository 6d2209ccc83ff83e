"""/blog post, edit and comment without text go through the composer hook
(``client.ui.compose_blog``); what comes back is published, and a draft
the server did not take is kept — tested without a server or a terminal:
an offline account and a UI that answers like the composer."""

from __future__ import annotations

from datetime import datetime, timezone

from tui.client import Client
from tui.core.blog import CommentsLink, Entry
from tui.store.drafts import NEW_POST, Composition, Draft, DraftFile, comment_key, drafts_path, edit_key
from tui.xmpp.account.session import ConnectionSettings

WHEN = datetime(2024, 1, 1, tzinfo=timezone.utc)


class ComposingUi:
    """Answers compose_blog with ``answer`` after recording the composition and
    typing ``typed`` into it (as the screen keeps what is typed)."""

    def __init__(self, answer: Draft | None, typed: Draft | None = None) -> None:
        self.answer, self.typed = answer, typed
        self.compositions: list[Composition] = []

    async def compose_blog(self, composition: Composition) -> Draft | None:
        self.compositions.append(composition)
        if self.typed is not None:
            composition.keep(self.typed)
        return self.answer


def offline_client(tmp_path, ui) -> tuple[Client, object]:
    client = Client()
    client.ui = ui
    account = client.add_account(ConnectionSettings(jid="me@example.org", password="x"))
    account.data_dir = tmp_path
    return client, account


async def kept(tmp_path, key: str) -> Draft | None:
    return (await DraftFile(drafts_path(tmp_path, "me@example.org")).load()).get(key)


async def test_a_post_the_server_did_not_take_stays_a_draft_and_is_offered_back(tmp_path):
    draft = Draft(title="T", tags="a, b", body="text", access="presence", comments=False)
    ui = ComposingUi(draft)
    client, account = offline_client(tmp_path, ui)
    await client.handle_input("/blog post", client.windows.status)
    [composition] = ui.compositions
    assert (composition.kind, composition.restored, composition.draft.access) == ("post", False, "open")
    assert client.windows.status.lines[-1].body == (
        "me@example.org is offline: /connect first — the draft is kept: /blog post opens it again")
    assert (await kept(tmp_path, NEW_POST)).same_text(draft)
    await client.handle_input("/blog post", client.windows.status)
    assert ui.compositions[-1].restored and ui.compositions[-1].draft.same_text(draft)


async def test_closing_the_composer_keeps_what_was_typed_and_a_discard_drops_it(tmp_path):
    ui = ComposingUi(None, typed=Draft(body="half a thought"))
    client, _account = offline_client(tmp_path, ui)
    await client.handle_input("/blog post", client.windows.status)
    assert (await kept(tmp_path, NEW_POST)).body == "half a thought"
    ui.typed = None
    original = ui.compose_blog

    async def discarding(composition):
        composition.discard()
        return await original(composition)

    ui.compose_blog = discarding
    await client.handle_input("/blog post", client.windows.status)
    assert await kept(tmp_path, NEW_POST) is None


async def test_edit_and_comment_open_the_composer_on_the_entry_by_its_id(tmp_path):
    ui = ComposingUi(Draft(title="New", body="changed"))
    client, account = offline_client(tmp_path, ui)
    mine = Entry(id="e1", author="me@example.org", published=WHEN, updated=WHEN, title="Old", body="body",
                 categories=("x", "y"), comments=CommentsLink("pubsub.example.org", "c/e1"))
    theirs = Entry(id="b1", author="bob@example.org", published=WHEN, updated=WHEN, body="bob's",
                   comments=CommentsLink("pubsub.example.org", "c/b1"))
    account.blog.model.put("me@example.org", mine)
    account.blog.model.put("bob@example.org", theirs)
    await client.handle_input("/blog edit e1", client.windows.status)
    composition = ui.compositions[-1]
    assert composition.kind == "edit" and composition.start == composition.draft
    assert (composition.draft.title, composition.draft.tags, composition.draft.body) == ("Old", "x, y", "body")
    assert set(composition.tags()) == {"x", "y"}
    assert (await kept(tmp_path, edit_key("e1"))).body == "changed"  # offline: kept for next time
    await client.handle_input("/blog edit b1", client.windows.status)
    assert "is bob@example.org's: you can edit only your own entries" in client.windows.status.lines[-1].body
    await client.handle_input("/blog comment b1", client.windows.status)
    assert ui.compositions[-1].kind == "comment" and "bob" in ui.compositions[-1].heading
    assert (await kept(tmp_path, comment_key("bob@example.org", "b1"))).body == "changed"
    await client.handle_input("/blog delete nope", client.windows.status)
    assert client.windows.status.lines[-1].body.startswith("No entry nope")


async def test_without_a_ui_the_text_must_be_on_the_line(tmp_path):
    client, _account = offline_client(tmp_path, None)
    await client.handle_input("/blog post", client.windows.status)
    assert "needs the composer: give the text on the line" in client.windows.status.lines[-1].body
