"""The terminal's input thread (screens/terminal_input.py) on a real
pseudo-terminal: it sleeps until there is input, still gives a lone Escape
up as the key, stops at once when told, and reports a hang-up."""

from __future__ import annotations

import os
import threading
import tty

import pytest
from textual import events

from screens.terminal_input import ExitFlag, read_terminal
from screens.textual_private import terminal_parser
from tests.harness.proc import wake_ups
from tests.harness.wait import until


class Reader:
    """read_terminal on the slave side of a pty, in its own thread; the test
    is the terminal (the master side)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.flag = ExitFlag()
        self.messages: list[object] = []
        self.ended = 0
        self.thread = threading.Thread(target=read_terminal, args=(
            self.slave, self.flag, terminal_parser(), self.messages.append, self._ended))
        self.thread.start()

    def _ended(self) -> None:
        self.ended += 1

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def keys(self) -> list[str]:
        return [m.key for m in self.messages if isinstance(m, events.Key)]

    def wake_ups(self) -> int:
        return wake_ups(task=self.thread.native_id)

    def close(self) -> None:
        self.flag.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the input thread did not stop"
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.flag.close()


@pytest.fixture
def reader():
    r = Reader()
    yield r
    r.close()


async def test_keys_arrive_and_a_lone_escape_becomes_the_key_without_more_input(reader):
    reader.type(b"ab")
    await until(lambda: reader.keys() == ["a", "b"], timeout=5, message="a and b")
    reader.type(b"\x1b")  # nothing after it: the parser's wait for a sequence ends
    await until(lambda: reader.keys() == ["a", "b", "escape"], timeout=5, message="the Escape")
    reader.type(b"\x1b[A")  # a whole sequence is one key
    await until(lambda: reader.keys()[3:] == ["up"], timeout=5, message="Up")


async def test_it_sleeps_while_nothing_comes(reader):
    reader.type(b"a")
    await until(lambda: reader.keys() == ["a"], timeout=5, message="a")
    before = reader.wake_ups()
    threading.Event().wait(0.5)  # idle: the interval is what is tested
    # Textual's own thread woke every 0.1 s (5 times here); this one not at all
    assert reader.wake_ups() - before <= 1
    reader.type(b"b")
    await until(lambda: reader.keys() == ["a", "b"], timeout=5, message="b after the pause")


async def test_the_exit_flag_wakes_it_from_its_sleep(reader):
    reader.type(b"a")
    await until(lambda: reader.keys() == ["a"], timeout=5, message="a")
    reader.flag.set()  # nothing typed since: only the flag can wake it
    reader.thread.join(timeout=5)
    assert not reader.thread.is_alive() and reader.ended == 0


async def test_what_was_typed_before_the_exit_flag_is_read(reader):
    reader.type(b"xy")
    reader.flag.set()
    reader.thread.join(timeout=5)
    assert not reader.thread.is_alive()
    assert reader.keys() == ["x", "y"] and reader.ended == 0


async def test_a_hang_up_is_reported_once_and_the_thread_ends(reader):
    reader.type(b"a")
    await until(lambda: reader.keys() == ["a"], timeout=5, message="a")
    os.close(reader.master)  # the terminal goes away (what ssh or tmux dying does to a pty)
    await until(lambda: not reader.thread.is_alive(), timeout=5, message="the thread ended")
    assert reader.ended == 1 and reader.keys() == ["a"]


async def test_bytes_that_are_not_utf8_become_a_replacement_character(reader):
    reader.type(b"a\xff\xfeb")
    await until(lambda: len(reader.keys()) == 4, timeout=5, message="four keys")
    characters = [m.character for m in reader.messages if isinstance(m, events.Key)]
    assert characters == ["a", "\ufffd", "\ufffd", "b"] and reader.thread.is_alive()
