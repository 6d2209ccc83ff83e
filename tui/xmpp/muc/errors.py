"""What can go wrong with rooms, said in one line each."""

from __future__ import annotations

# re-exported for muc/service.py and muc/messages.py until they import it from core.jids
from ..conversation.errors import ConversationError

# error condition of a refused join (XEP-0045 7.2) -> what it means for the user
JOIN_ERRORS = {
    "not-authorized": "a password is required, or it is wrong (/join {room} PASSWORD)",
    "forbidden": "you are banned from this room",
    "registration-required": "the room is members-only and you are not a member",
    "item-not-found": "the room does not exist (and this service does not create rooms on join)",
    "service-unavailable": "the room is full, or the service refuses new occupants",
    "not-allowed": "the service does not let you create this room",
    "conflict": "your nick is already in use in this room",
    "jid-malformed": "that nick is not acceptable",
    "remote-server-not-found": "the room's server cannot be reached",
}


class MucError(ConversationError):
    """A room operation that failed; ``str()`` is one line for the user."""


class JoinRefused(MucError):
    def __init__(self, condition: str, text: str = "") -> None:
        super().__init__(condition)
        self.condition = condition
        self.text = text

