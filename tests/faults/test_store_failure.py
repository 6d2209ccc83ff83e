"""The history store on a full disk: a real filesystem that runs out of
space under Parlons (a small tmpfs mounted for the test), so SQLite fails
with its genuine SQLITE_FULL. What arrives is still shown, what is typed
still leaves, the user is told once, and what was said meanwhile is
written as soon as there is room again."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.harness.client import headless_client, run, status_text, window_text
from tests.harness.rooms import joined, open_room, room_name
from tests.harness.wait import until
from tui.core.model import LineKind

WARNING = "history cannot be written"


class SmallDisk:
    """A 4 MiB tmpfs mounted at ``path``; ``fill()`` takes its last free
    byte (the next write fails with ENOSPC), ``free()`` gives it back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"
        path.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(path)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"the disk-full tests mount a small tmpfs and need root for it: {result.stderr.strip()}")

    def fill(self) -> None:
        chunk = b"\0" * 65536
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while True:
                try:
                    os.write(fd, chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    if len(chunk) == 1:
                        return
                    chunk = chunk[: len(chunk) // 2]
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    @contextlib.contextmanager
    def full(self):
        """Full inside the block; room again after it, however it ends."""
        self.fill()
        try:
            yield
        finally:
            self.free()

    def unmount(self) -> None:
        if subprocess.run(["umount", str(self.path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(self.path)], check=True)


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path / "disk")
    try:
        yield disk
    finally:
        disk.unmount()


def messages(window) -> list[str]:
    return [l.body for l in window.lines if l.kind in (LineKind.INCOMING, LineKind.OUTGOING)]


def warnings(client) -> list[str]:
    return [l.body for l in client.windows.status.lines if WARNING in l.body]


async def test_a_full_disk_loses_no_chat_message_warns_once_and_writing_resumes(
        small_disk, prosody, make_account, make_peer):
    jid, password = make_account("alice")
    bob, carol = await make_peer(), await make_peer()
    async with headless_client(prosody, jid, password, small_disk.path) as alice:
        chat = alice.account.chat
        bob.send(jid, "before the disk filled")
        window = await until(lambda: chat.find_window(bob.jid), message=lambda: status_text(alice))
        await until(lambda: messages(window) == ["before the disk filled"], message=lambda: window_text(window))

        with small_disk.full():
            bob.send(jid, "full 1")
            bob.send(jid, "full 2")
            await until(lambda: messages(window) == ["before the disk filled", "full 1", "full 2"],
                        message=lambda: window_text(window) + "\n--\n" + status_text(alice))
            carol.send(jid, "a new conversation on a full disk")  # opens its window
            carol_window = await until(lambda: chat.find_window(carol.jid), message=lambda: status_text(alice))
            await until(lambda: messages(carol_window) == ["a new conversation on a full disk"],
                        message=lambda: window_text(carol_window))
            await run(alice, "answer on a full disk", window)
            await until(lambda: bob.bodies() == ["answer on a full disk"], message=lambda: status_text(alice))
            assert messages(window) == ["before the disk filled", "full 1", "full 2", "answer on a full disk"]
            assert len(warnings(alice)) == 1, status_text(alice)
            assert "full" in warnings(alice)[0]  # SQLite's own reason: "database or disk is full"

        bob.send(jid, "after the disk was freed")
        await until(lambda: messages(window)[-1:] == ["after the disk was freed"], message=lambda: window_text(window))
        await until(lambda: chat.serial.pending() == 0)
        stored = [r.body for r in await chat.history.db.latest(bob.jid, 20)]
        assert stored == ["before the disk filled", "full 1", "full 2", "answer on a full disk",
                          "after the disk was freed"]
        assert [r.body for r in await chat.history.db.latest(carol.jid, 20)] == ["a new conversation on a full disk"]
        assert len(warnings(alice)) == 1, status_text(alice)


async def test_a_full_disk_loses_no_room_line_warns_once_and_writing_resumes(
        small_disk, prosody, make_account, make_peer):
    jid, password = make_account("alice")
    room = room_name(prosody, "full")
    bob = await make_peer()
    await open_room(bob, room, "bob")
    async with headless_client(prosody, jid, password, small_disk.path) as alice:
        window, _model = await joined(alice, room)
        said = f"said-{uuid.uuid4().hex[:4]}"
        bob.send(room, f"{said} before", mtype="groupchat")
        await until(lambda: f"{said} before" in messages(window), message=lambda: window_text(window))

        with small_disk.full():
            bob.send(room, f"{said} full 1", mtype="groupchat")
            bob.send(room, f"{said} full 2", mtype="groupchat")
            await until(lambda: messages(window)[-2:] == [f"{said} full 1", f"{said} full 2"],
                        message=lambda: window_text(window))
            await run(alice, f"{said} answer", window)
            await until(lambda: f"{said} answer" in bob.bodies(), message=lambda: status_text(alice))
            assert len(warnings(alice)) == 1, status_text(alice)

        bob.send(room, f"{said} after", mtype="groupchat")
        await until(lambda: messages(window)[-1:] == [f"{said} after"], message=lambda: window_text(window))
        await until(lambda: alice.account.chat.serial.pending() == 0)
        stored = [r.body for r in await alice.account.store.db.latest(room, 20) if r.body.startswith(said)]
        assert stored == [f"{said} before", f"{said} full 1", f"{said} full 2", f"{said} answer", f"{said} after"]
        assert messages(window).count(f"{said} answer") == 1
        assert len(warnings(alice)) == 1, status_text(alice)
