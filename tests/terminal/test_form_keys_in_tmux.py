"""Tab between a form's fields keeps the typed order (screens/field_keys.py).

A fast typist's, or an SSH link's, "Tab then letters" arrives in one
terminal write: every letter after the Tab belongs to the next field."""

from __future__ import annotations

import json

from tests.harness.terminal import screen_shows, start_parlons
from tests.harness.wait import until
from tui.store.drafts import NEW_POST, drafts_path


async def test_keys_after_a_tab_in_one_write_go_to_the_next_field(prosody, make_account, tmux, tmp_path):
    jid, password = make_account("alice")
    drafts = drafts_path(tmp_path / "data" / "parlons", jid)
    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: online")
    tmux.type_line("/blog post")
    await screen_shows(tmux, "New blog entry")
    tmux.send_in_one_write("Quick title\txmpp tags\tand the body")

    def kept() -> dict:
        return json.loads(drafts.read_text()).get(NEW_POST, {}) if drafts.exists() else {}

    await until(lambda: kept().get("body") == "and the body", message=lambda: f"{kept()}")
    assert (kept()["title"], kept()["tags"]) == ("Quick title", "xmpp tags")
