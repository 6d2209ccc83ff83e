"""Blog drafts kept on disk: private, atomic, coalesced, bounded."""

from __future__ import annotations

import asyncio
import json
import stat

from tui.store.drafts import (
    MAX_DRAFT_CHARS, MAX_DRAFTS, MAX_FILE_BYTES, NEW_POST, Draft, DraftFile, comment_key, describe, drafts_path,
    edit_key, kept_drafts,
)


async def test_a_draft_is_kept_privately_and_read_back_by_the_next_start(tmp_path):
    path = drafts_path(tmp_path, "Alice@Example.org")
    assert path == tmp_path / "drafts" / "alice@example.org.json"
    drafts = await DraftFile(path, clock=lambda: 1234.0).load()
    kept = drafts.put(NEW_POST, Draft(title="T", tags="a, b", body="line 1\nline 2", access="presence",
                                      comments=False))
    assert kept.saved == 1234.0
    await drafts.flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = await DraftFile(path).load()
    assert again.get(NEW_POST) == kept
    assert again.get(edit_key("x")) is None


async def test_typing_coalesces_writes_and_the_file_ends_with_the_newest_text(tmp_path):
    drafts = await DraftFile(drafts_path(tmp_path, "a@b")).load()
    for n in range(200):
        drafts.put(NEW_POST, Draft(body="x" * n + "y"))
    await drafts.flush()
    assert 1 <= drafts.writes < 200
    assert (await DraftFile(drafts.path).load()).get(NEW_POST).body == "x" * 199 + "y"


async def test_empty_drafts_and_dropped_ones_leave_the_file(tmp_path):
    drafts = await DraftFile(drafts_path(tmp_path, "a@b")).load()
    drafts.put(NEW_POST, Draft(body="soon gone"))
    drafts.put(comment_key("bob@x", "e1"), Draft(body="a comment"))
    drafts.put(NEW_POST, Draft(body="  "))
    drafts.drop(comment_key("bob@x", "e1"))
    await drafts.flush()
    assert json.loads(drafts.path.read_text()) == {}


async def test_bounds_on_size_and_count(tmp_path):
    drafts = await DraftFile(drafts_path(tmp_path, "a@b")).load()
    drafts.put(NEW_POST, Draft(body="z" * (MAX_DRAFT_CHARS + 10)))
    for n in range(MAX_DRAFTS + 5):
        drafts.put(edit_key(str(n)), Draft(body=str(n)))
    await drafts.flush()
    again = await DraftFile(drafts.path).load()
    assert again.get(NEW_POST) is None  # the oldest went
    assert again.get(edit_key(str(MAX_DRAFTS + 4))).body == str(MAX_DRAFTS + 4)
    drafts = await DraftFile(drafts_path(tmp_path, "c@d")).load()
    assert len(drafts.put(NEW_POST, Draft(body="z" * (MAX_DRAFT_CHARS + 10))).body) == MAX_DRAFT_CHARS


async def test_a_damaged_or_huge_file_is_not_read_and_bad_entries_are_skipped(tmp_path):
    path = drafts_path(tmp_path, "a@b")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert (await DraftFile(path).load()).get(NEW_POST) is None
    path.write_text(json.dumps({NEW_POST: {"body": 3}, "edit:1": {"body": "ok", "unknown": 1}, "x": []}))
    loaded = await DraftFile(path).load()
    assert loaded.get(NEW_POST) is None and loaded.get("edit:1").body == "ok"
    path.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    assert (await DraftFile(path).load()).get("edit:1") is None


async def test_a_failed_write_is_said_once_and_memory_keeps_the_draft(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    drafts = await DraftFile(blocker / "drafts" / "a.json").load()  # its parent cannot be made
    drafts.put(NEW_POST, Draft(body="kept in memory"))
    await drafts.flush()
    assert drafts.error and "cannot keep the draft" in drafts.error
    assert drafts.get(NEW_POST).body == "kept in memory"


async def test_without_a_data_dir_drafts_live_in_memory():
    drafts = await DraftFile(None).load()
    drafts.put(NEW_POST, Draft(body="b"))
    await asyncio.wait_for(drafts.flush(), 1)
    assert drafts.get(NEW_POST).body == "b" and drafts.writes == 0


def test_tags_as_typed_become_a_list_once_each():
    assert Draft(tags=" xmpp, TUI ,,xmpp , tui,blog ").tag_list() == ["xmpp", "TUI", "blog"]


async def test_what_is_kept_is_said_at_start_up(tmp_path):
    assert await kept_drafts(tmp_path, "a@b") is None
    drafts = await DraftFile(drafts_path(tmp_path, "a@b")).load()
    drafts.put(NEW_POST, Draft(body="x"))
    drafts.put(edit_key("e1"), Draft(body="y"))
    drafts.put(comment_key("bob@x", "b1"), Draft(body="z"))
    await drafts.flush()
    assert await kept_drafts(tmp_path, "a@b") == ("unfinished blog drafts kept: a new entry (/blog post), "
                                                  "an edit of entry e1 (/blog edit e1), a comment")
    assert describe([edit_key("1"), edit_key("2"), comment_key("a", "1"), comment_key("a", "2")]) == (
        "unfinished blog drafts kept: 2 edits (/blog edit ID), 2 comments")
