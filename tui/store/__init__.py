"""Local storage: the per-account message history (SQLite, WAL, FTS5).

See :mod:`tui.store.history` for the API; nothing here imports slixmpp or Textual.
"""

from .database import HistoryError
from .history import HistoryClosed, HistoryStore, history_path
from .records import StoredMessage

__all__ = ["HistoryClosed", "HistoryError", "HistoryStore", "StoredMessage", "history_path"]
