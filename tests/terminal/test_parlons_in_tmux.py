"""Parlons in a real terminal (tmux): keys as a terminal sends them, the
exit status, and what is left of the terminal afterwards."""

from __future__ import annotations

from tests.harness.terminal import online_with_bob_window, screen_shows, start_parlons, title
from tests.harness.wait import until


async def test_window_keys_help_unknown_command_and_quit(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    start_parlons(tmux, tmp_path, prosody, jid, password, probe_after_exit=True, debug=True)
    await screen_shows(tmux, f"{jid}: online")

    bob.send(jid, "hello from bob")
    bob_name = bob.jid.split("@")[0]
    await screen_shows(tmux, f"2:{bob_name}")

    tmux.send_keys("M-2")  # legacy encoding: ESC 2
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    await screen_shows(tmux, "hello from bob")
    tmux.send_keys("M-1")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    tmux.send_keys("C-n")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("C-p")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    assert "Search for commands" not in tmux.capture()  # Ctrl+P did not open the command palette (the welcome names it)
    tmux.send_keys("M-Right")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("M-Left")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    bob.send(jid, "activity please")
    await until(lambda: "[Act: 2]" in tmux.capture(), timeout=5)
    tmux.send_keys("M-a")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("M-1")
    await until(lambda: "1:status" in title(tmux), timeout=5)

    tmux.type_line("/help")
    screen = await screen_shows(tmux, "Type /help COMMAND")
    # the list is longer than the screen (rooms, bookmarks...): its top is a page up
    tmux.send_keys("PPage")
    screen += await screen_shows(tmux, "/connect")
    tmux.send_keys("NPage")
    for name in ("/connect", "/disconnect", "/reconnect", "/quit", "/window", "/close", "/clear",
                 "/help", "/msg", "/query"):
        assert name in screen

    tmux.send_keys("M-2")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.type_line("/nosuch")
    await screen_shows(tmux, "Unknown command /nosuch (try /help)")
    tmux.type_line("//barrier")
    await until(lambda: bob.bodies(), timeout=5)
    assert bob.bodies() == ["/barrier"]

    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0
    assert tmux.mouse_modes_on() == []
    assert not tmux.terminal_modes()["alternate_on"]
    assert not tmux.bracketed_paste_left_on()

    # --debug logs every stanza to the file (never the terminal), the SASL exchange redacted
    log_text = (tmp_path / "state" / "parlons" / "parlons.log").read_text()
    assert "<auth" in log_text and "/barrier" in log_text
    assert password not in log_text
    import base64
    sasl_plain = base64.b64encode(f"\0{jid.split('@')[0]}\0{password}".encode()).decode()
    assert sasl_plain not in log_text


async def test_alt_digit_in_the_kitty_encoding(prosody, make_account, make_peer, tmux, tmp_path):
    """Under the kitty keyboard protocol Alt+2 arrives as CSI 50;3u."""
    jid, password = make_account("alice")
    bob = await make_peer()
    bob_name = await online_with_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    tmux.send_keys("-l", "\x1b[50;3u")  # kitty: key '2' with the Alt modifier
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("-l", "\x1b[49;3u")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0



async def test_an_idle_parlons_writes_nothing_to_its_terminal(prosody, make_account, tmux, tmp_path):
    """Online, nothing happening: nothing is written to the terminal. The
    input line's cursor does not blink by default — Textual draws its own,
    so blinking was the line redrawn twice a second (~400 bytes a second
    over SSH, a tmux window with monitor-activity never quiet), where Irssi
    and Poezio write nothing. What the pane's program writes is read as
    tmux gets it (pipe-pane): a second and a half goes by without a byte."""
    from time import monotonic

    from tests.harness.tmux import SESSION

    jid, password = make_account("alice")
    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: online")
    written = tmp_path / "written"
    tmux.tmux("pipe-pane", "-o", "-t", SESSION, f"cat > {written}")
    seen = {"size": -1, "since": monotonic()}

    def quiet_for_a_while() -> bool:
        size = written.stat().st_size if written.exists() else 0
        if size != seen["size"]:
            seen["size"], seen["since"] = size, monotonic()
        return monotonic() - seen["since"] >= 1.5

    await until(quiet_for_a_while, timeout=10, interval=0.02,
                message=lambda: f"{seen['size']} bytes written, the last {monotonic() - seen['since']:.2f} s ago")
    assert tmux.wait_for_text(f"{jid}: online")  # (still running)
