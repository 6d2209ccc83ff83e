"""SIGKILL with unsent messages: Parlons (the real app, in a tmux pane) is
killed while what was typed last never reached the server (the link is cut
and refused by a proxy, so nothing of it was acknowledged). Started again
on the same history, it sends each of those messages exactly once, in the
order typed, and says so; what the server had acknowledged before the
kill is not sent again."""

from __future__ import annotations

import os
import signal
import sqlite3
from types import SimpleNamespace

from tests.harness.proxy import CuttableProxy
from tests.harness.terminal import online_with_bob_window, screen_shows, start_parlons, title
from tests.harness.wait import until
from tui.store.history import history_path
from tui.store.inbox import waiting_rows


def outgoing(history) -> list[tuple[str, str]]:
    """(body, delivery) of our messages in the history file and what waits
    in its inbox (tui/store/inbox.py), oldest first."""
    if not history.exists():
        return []
    with sqlite3.connect(history) as db:
        rows = {rowid: (body, delivery) for rowid, body, delivery in db.execute(
            "SELECT id, body, delivery FROM messages WHERE direction = 'out'")}
    db.close()
    rows |= {rowid: (row["body"], row["delivery"]) for rowid, row in waiting_rows(history).items()
             if row["direction"] == "out"}
    return [rows[rowid] for rowid in sorted(rows)]


def sigkill(tmux) -> None:
    groups = tmux.pane_groups()
    assert groups
    for group in groups:
        os.killpg(group, signal.SIGKILL)
    assert tmux.wait_for_exit(timeout=10) is None  # killed by a signal, no exit status


async def test_what_the_server_never_acknowledged_is_sent_once_after_kill_9(
        prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    history = history_path(tmp_path / "data" / "parlons", jid)
    with CuttableProxy(prosody.host, prosody.c2s_port) as proxy:
        via_proxy = SimpleNamespace(host=proxy.host, c2s_port=proxy.port, ca_file=prosody.ca_file)
        bob_name = await online_with_bob_window(tmux, tmp_path, via_proxy, jid, password, bob)
        tmux.send_keys("M-2")
        await until(lambda: f"2:{bob_name}" in title(tmux), message=lambda: tmux.capture())
        for body in ("acked 1", "acked 2"):
            tmux.type_line(body)
            await until(lambda: bob.bodies()[-1:] == [body], message=lambda: tmux.capture())  # noqa: B023 (polled in this iteration)
        # the server acknowledged both (stream management): they are no longer ours to send
        await until(lambda: outgoing(history) == [("acked 1", "sent"), ("acked 2", "sent")],
                    message=lambda: f"{outgoing(history)}")

        proxy.refuse = True
        proxy.cut()
        unsent = ["typed as the link died", "typed offline 1", "typed offline 2"]
        for body in unsent:
            tmux.type_line(body)
            await until(lambda: [b for b, _ in outgoing(history)][-1:] == [body],  # stored before shown  # noqa: B023 (polled in this iteration)
                        message=lambda: f"{outgoing(history)}")
        assert bob.bodies() == ["acked 1", "acked 2"]
        sigkill(tmux)

        proxy.refuse = False
        tmux.kill()
        (tmp_path / "config" / "parlons" / "config.toml").unlink()  # start_parlons writes it again, the same
        start_parlons(tmux, tmp_path, via_proxy, jid, password)
        await screen_shows(tmux, f"{jid}: online")
        expected = ["acked 1", "acked 2", *unsent]
        await until(lambda: bob.bodies() == expected, timeout=10,
                    message=lambda: f"{bob.bodies()}\n{tmux.capture()}")
        await screen_shows(tmux, "resending 3 messages typed while offline")
        await until(lambda: all(delivery == "sent" for _, delivery in outgoing(history)),
                    message=lambda: f"{outgoing(history)}")
        # a barrier: a second copy of anything would arrive before it
        tmux.type_line(f"/msg {bob.jid} barrier")
        await until(lambda: bob.bodies()[-1:] == ["barrier"], message=lambda: f"{bob.bodies()}")
        assert bob.bodies() == [*expected, "barrier"]
