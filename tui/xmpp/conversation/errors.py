"""The one error a conversation raises for the user."""


class ConversationError(Exception):
    """What the user asked cannot be done in this conversation now; str() says why."""
