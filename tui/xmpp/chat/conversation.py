"""A 1:1 conversation (or a private one with a room occupant) as a :class:`Conversation`."""

from __future__ import annotations

from ...core.corrections import last_own_chat_line
from ...core.model import Line
from ...core.windows import Window
from ..conversation.protocol import ConversationError, WindowConversation
from .service import ChatService


class ChatConversation(WindowConversation):
    def __init__(self, chat: ChatService, window: Window) -> None:
        super().__init__(window, chat.pipeline)
        self.chat = chat

    async def send(self, text: str, *, action: bool = False) -> Line:
        return await self.chat.send(self.jid, text, action=action)

    async def correct_last(self, text: str) -> Line | None:
        if not self.chat.session.online:
            raise ConversationError("Cannot correct while offline")
        return await self.chat.correct_last(self.window, text)

    def last_own_line(self) -> Line | None:
        return last_own_chat_line(self.window.lines)

    async def load_older(self) -> int:
        return await self.chat.load_older(self.window)

    def typed(self, text: str) -> None:
        self.chat.states.user_typed(self.jid, text)

    def typing_text(self) -> str:
        state = self.chat.states.theirs.get(self.jid)
        name = self.chat.name_of(self.jid)
        if state == "composing":
            return f"{name} is typing…"
        if state == "paused":
            return f"{name} stopped typing"
        return ""
