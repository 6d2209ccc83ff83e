"""Profanity (Debian's 0.13, libotr 4.1 / gpgme / OMEMO) as a real peer, driven under tmux.

The interop peer the encryption issue asks for: a client built on the C
libraries other people use (libotr, not potr). It runs in its own tmux
server with a throwaway HOME, logs in to the test Prosody (accepting the
per-run CA's certificate once, as its prompt offers), and is driven by
typing commands. Waits are asynchronous: a Parlons client in the same
event loop keeps running while we wait for Profanity's screen.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from tests.harness.tmux import TmuxDriver
from tests.harness.wait import until

PROFANITY = "profanity"  # installed by `make test` with the other system tools


class Profanity:
    def __init__(self, server, jid: str, password: str) -> None:
        self.server = server
        self.jid = jid
        self.password = password
        self.home = Path(tempfile.mkdtemp(prefix="prof", dir="/tmp"))  # short: sockets live under it
        self.tmux = TmuxDriver()

    async def start(self, timeout: float = 20.0) -> "Profanity":
        for sub in (".config/profanity", ".local/share"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.tmux.start([PROFANITY], env={
            "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local/share")}, width=200, height=50)
        await self.wait_for("Type '/help'", timeout=timeout)
        await self.command(f"/connect {self.jid} server 127.0.0.1 port {self.server.c2s_port}")
        await self.wait_for("password", timeout=timeout)
        self.tmux.send_text(self.password)
        self.tmux.send_keys("Enter")
        await self.wait_for("/tls allow", timeout=timeout)  # the per-run CA is nobody's: accept it once
        await self.command("/tls allow")
        await self.wait_for("logged in successfully", timeout=timeout)
        return self

    async def command(self, text: str) -> None:
        """Type ``text`` and Enter, once the screen shows it (a typed line, not a paste)."""
        self.tmux.send_text(text)
        await self.wait_for(text[-30:])
        self.tmux.send_keys("Enter")

    def screen(self) -> str:
        return self.tmux.capture(history=True)

    async def wait_for(self, text_or_regex: str | re.Pattern[str], timeout: float = 20.0) -> str:
        pattern = text_or_regex if isinstance(text_or_regex, re.Pattern) else re.compile(re.escape(text_or_regex))
        await until(lambda: pattern.search(self.screen()) is not None, timeout=timeout,
                    message=lambda: f"Profanity's screen never showed {pattern.pattern!r}:\n{self.screen()}")
        return self.screen()

    def log(self, last: int = 3000) -> str:
        """The end of Profanity's own log (for a failure message)."""
        path = self.home / ".local/share/profanity/logs/profanity.log"
        try:
            return path.read_text(errors="replace")[-last:]
        except OSError as exc:
            return f"(no log: {exc})"

    def stop(self) -> None:
        try:
            self.tmux.kill()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)
