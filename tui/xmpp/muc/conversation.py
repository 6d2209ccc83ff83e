"""A room as a :class:`Conversation`."""

from __future__ import annotations

from ...core.corrections import last_own_room_line
from ...core.model import Line
from ...core.windows import Window
from ..conversation.protocol import WindowConversation
from .service import MucService


class RoomConversation(WindowConversation):
    def __init__(self, muc: MucService, window: Window) -> None:
        super().__init__(window, muc.pipeline)
        self.muc = muc

    async def send(self, text: str, *, action: bool = False) -> Line:
        return await self.muc.messages.send(self.jid, text, action=action)  # MucError: not in the room

    async def correct_last(self, text: str) -> Line | None:
        return await self.muc.messages.correct_last(self.window, text)

    def last_own_line(self) -> Line | None:
        room = self.muc.rooms.get(self.jid)
        if room is None or not room.joined:
            return None
        return last_own_room_line(self.window.lines, room.nick)

    async def load_older(self) -> int:
        return await self.muc.load_older(self.window)

    def typed(self, text: str) -> None:
        pass  # no chat states in rooms (yet)

    def typing_text(self) -> str:
        return ""
