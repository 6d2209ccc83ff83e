"""Tab between a form's fields keeps the typed order (screens/field_keys.py).

A fast typist's, or an SSH link's, "Tab then letters" arrives in one
terminal write: every letter after the Tab belongs to the next field."""

from __future__ import annotations

from tests.harness.terminal import NewBlogDraft
from tests.harness.wait import until


async def test_keys_after_a_tab_in_one_write_go_to_the_next_field(prosody, make_account, tmux, tmp_path):
    jid, password = make_account("alice")
    draft = await NewBlogDraft.open(tmux, tmp_path, prosody, jid, password)
    tmux.send_in_one_write("Quick title\txmpp tags\tand the body")
    await until(lambda: draft.kept().get("body") == "and the body", message=lambda: f"{draft.kept()}")
    assert (draft.kept()["title"], draft.kept()["tags"]) == ("Quick title", "xmpp tags")
