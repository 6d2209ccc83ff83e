"""SIGKILL with the blog composer open: Parlons (the real app, in a tmux
pane) is killed while an entry is being written. Started again on the same
data dir, it says a draft is kept, and ``/blog post`` opens the composer on
it: nothing typed before the kill is lost."""

from __future__ import annotations

import asyncio
import os
import signal

from tests.harness.terminal import NewBlogDraft, screen_shows, start_parlons
from tests.harness.wait import until


def sigkill(tmux) -> None:
    groups = tmux.pane_groups()
    assert groups
    for group in groups:
        os.killpg(group, signal.SIGKILL)
    assert tmux.wait_for_exit(timeout=10) is None  # killed by a signal, no exit status


async def test_a_blog_draft_survives_kill_9(prosody, make_account, tmux, tmp_path):
    jid, password = make_account("alice")
    draft = await NewBlogDraft.open(tmux, tmp_path, prosody, jid, password)
    await asyncio.to_thread(tmux.type_at_pace, "Half written")
    tmux.send_keys("Tab")
    await asyncio.to_thread(tmux.type_at_pace, "xmpp")
    tmux.send_keys("Tab")
    await asyncio.to_thread(tmux.type_at_pace, "a thought I must not lose")
    await until(lambda: draft.kept().get("body") == "a thought I must not lose", message=lambda: f"{draft.kept()}")
    sigkill(tmux)

    tmux.kill()
    (tmp_path / "config" / "parlons" / "config.toml").unlink()  # start_parlons writes it again, the same
    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: unfinished blog drafts kept: a new entry (/blog post)")
    tmux.type_line("/blog post")
    screen = await screen_shows(tmux, "is back")
    assert "Half written" in screen and "a thought I must not lose" in screen and "xmpp" in screen
