"""A conversation — 1:1 or a room — as the client and the commands see it.

Found from a window (:meth:`tui.xmpp.account.accounts.Account.conversation`),
so callers never branch on the window's kind to send, correct, page back or
choose encryption.
"""

from __future__ import annotations

from typing import Protocol

from ...core.model import Line
from ...core.windows import Window
from .errors import ConversationError
from .pipeline import MessagePipeline

__all__ = ["Conversation", "ConversationError", "WindowConversation"]


class Conversation(Protocol):
    window: Window

    @property
    def jid(self) -> str:
        """The other side: a bare JID, a room, or room@service/nick."""
        ...

    async def send(self, text: str, *, action: bool = False) -> Line:
        """Stored, shown, sent (encrypted if the conversation uses a scheme)."""
        ...

    async def correct_last(self, text: str) -> Line | None:
        """XEP-0308: our last message here, replaced; None when there is none."""
        ...

    def last_own_line(self) -> Line | None:
        """The line Up brings back for correcting."""
        ...

    async def load_older(self) -> int:
        """One page of older history (store, then archive); how many lines."""
        ...

    def typed(self, text: str) -> None:
        """The input line changed (chat states, where there are any)."""
        ...

    def typing_text(self) -> str:
        """"bob is typing…" for the status bar, or ""."""
        ...

    def use_encryption(self, scheme: str | None) -> None:
        """Send with ``scheme`` from now on (None: in clear); EncryptionError if it cannot."""
        ...

    @property
    def encryption(self) -> str | None:
        """The scheme chosen for what we send, or None (in clear)."""
        ...

    @property
    def encryption_state(self) -> str | None:
        """What the status bar shows ("OTR verified", "rot13"), or None: in clear."""
        ...

    def encryption_offered(self) -> list[str]:
        """What the other side is known to offer ("OTR", "PGP (key known)")."""
        ...


class WindowConversation:
    """What every conversation does alike: it is a window's, and its
    messages take a pipeline whose encryption stage it chooses."""

    def __init__(self, window: Window, pipeline: MessagePipeline) -> None:
        self.window = window
        self.pipeline = pipeline

    @property
    def jid(self) -> str:
        return self.window.target or ""

    def use_encryption(self, scheme: str | None) -> None:
        self.pipeline.encryption.use(self.pipeline.peer(self.jid), scheme)

    @property
    def encryption(self) -> str | None:
        return self.pipeline.encryption.used_for(self.jid, self.pipeline.rooms)

    def encryption_offered(self) -> list[str]:
        return self.pipeline.encryption.offers(self.jid)

    @property
    def encryption_state(self) -> str | None:
        return self.pipeline.encryption.state(self.jid, self.pipeline.rooms)
