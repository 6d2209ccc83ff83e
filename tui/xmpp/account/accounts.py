"""All configured accounts: their sessions and per-account services."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Awaitable, Callable

from ...core.jids import bare_jid
from ...core.events import EncryptionChanged, EventBus
from ...core.model import Line, LineKind
from ...core.serial import SerialRunner
from ...core.windows import Window, WindowList
from ..chat.conversation import ChatConversation
from ..conversation.encryption import Encryption, Peer, SchemeHost
from ..conversation.history import StoreSlot
from ..conversation.protocol import Conversation
from ..muc.conversation import RoomConversation
from .backoff import Backoff
from ..blog.service import BlogService
from ..muc.bookmarks import BookmarksService
from ..chat.service import ChatService
from ..muc.service import MucService
from .presence import PresenceService
from .roster import RosterService
from ..muc.selfping import SelfPing
from .session import AccountSession, ConnectionSettings

log = logging.getLogger(__name__)

AskSecret = Callable[[str], Awaitable[str | None]]


class Account:
    """One account: its session and the services that use it."""

    def __init__(self, settings: ConnectionSettings, windows: WindowList, bus: EventBus,
                 backoff: Backoff | None = None, ask_secret: AskSecret | None = None) -> None:
        self.session = AccountSession(settings, windows, bus, backoff=backoff)
        self.data_dir: Path | None = None  # where this account keeps its files (open_history sets it)
        # What conversations and rooms share: the store, the encryption
        # schemes, and one queue (stored before shown, nothing overtakes).
        self.store = StoreSlot(lambda text, kind: windows.status_line(f"{self.jid}: {text}", kind))
        self.encryption = Encryption(self.jid, SchemeHost(
            self.jid.lower(), send=self._send_for_scheme, say=self._say_for_scheme,
            ready=lambda jid: self.chat.encryption_ready(jid),
            changed=lambda jid: bus.emit(EncryptionChanged(self.jid, jid)),
            use=lambda jid, name: self.encryption.use(Peer(self.jid.lower(), jid), name),
            me=lambda: str(self.session.xmpp.boundjid) if self.session.xmpp is not None else "",
            xmpp=lambda: self.session.xmpp if self.session.online else None))
        if ask_secret is not None:
            self.encryption.host.ask_secret = ask_secret
        self.serial = SerialRunner(f"chat {self.jid}")
        self.chat = ChatService(self.session, windows, bus, self.store, self.encryption, self.serial)
        self.roster = RosterService(self.session, windows, bus, self.serial)
        self.presence = PresenceService(self.session, bus, self.encryption)
        self.muc = MucService(self.session, windows, bus, self.store, self.encryption, self.serial)
        # XEP-0410: notice a silent drop from a room, rejoin
        self.selfping = SelfPing(self.session, self.muc.rooms, self.muc.wanted,
                                 say=self.muc.say, changed=self.muc.changed, join=self.muc.join)
        self.bookmarks = BookmarksService(self.session, windows, bus)
        self.bookmarks.on_autojoin = self._join_bookmarked_room
        # only rooms' occupants get private-message windows: rooms we are in, or have bookmarked
        self.chat.is_room = lambda jid: self.muc.is_room(jid) or self.bookmarks.get(jid) is not None
        self.blog = BlogService(self.session, windows, bus, self.store)  # XEP-0277 microblogs
        # a contact the roster shows offline confirms nothing until back: no "no answer" for it
        self.chat.is_offline = lambda jid: (contact := self.roster.model.get(jid)) is not None and not contact.online

    def _join_bookmarked_room(self, room: str, nick: str | None, password: str | None):
        """The bookmarks → MUC seam: looked up at call time, so it works
        whichever service is created first (and says so when there is none)."""
        muc = getattr(self, "muc", None)
        if muc is None:
            log.info("%s: no MUC service, not joining bookmarked room %s", self.jid, room)
            return None
        return muc.join(room, nick=nick, password=password)

    @property
    def jid(self) -> str:
        return self.session.jid

    # -- what encryption schemes reach (SchemeHost) ---------------------------------------
    def _send_for_scheme(self, to: str, body: str) -> None:
        """A scheme's own protocol message: not stored here, not archived or copied there."""
        xmpp = self.session.xmpp
        if xmpp is None or not self.session.online:
            return
        msg = xmpp.make_message(mto=to, mbody=body, mtype="chat")
        for hint in ("no-permanent-store", "no-copy"):  # XEP-0334
            msg.xml.append(msg.xml.makeelement(f"{{urn:xmpp:hints}}{hint}", {}))
        msg.xml.append(msg.xml.makeelement("{urn:xmpp:carbons:2}private", {}))  # XEP-0280
        msg.send()

    def _say_for_scheme(self, jid: str, text: str, error: bool = False) -> None:
        """A scheme's line in the conversation with ``jid`` (bare or full), else the status window."""
        kind = LineKind.ERROR if error else LineKind.EVENT
        window = self.chat.find_window(jid.lower()) or self.chat.find_window(bare_jid(jid))
        if window is not None:
            self.session.windows.add_line(window, Line(text, kind))
        else:
            self.session.windows.status_line(f"{jid}: {text}", kind)

    def conversation(self, window: Window) -> Conversation | None:
        """The conversation ``window`` shows (1:1 or a room), or None."""
        if window.account != self.jid:
            return None
        if window.peer_jid:
            return ChatConversation(self.chat, window)
        if window.room_jid:
            return RoomConversation(self.muc, window)
        return None

    async def open_history(self, data_dir: Path) -> None:
        """Open this account's history store (before connecting: the catch-up
        on connect needs it). A store that cannot open is said, not fatal."""
        path = data_dir
        try:
            from ...store.history import HistoryStore, history_path

            self.encryption.host.data_dir = data_dir  # keys live beside the history
            self.data_dir = data_dir
            path = history_path(data_dir, self.jid)
            self.store.put(await HistoryStore.open(path))
        except Exception as exc:
            log.exception("cannot open history %s", path)
            self.session.windows.status_line(
                f"{self.jid}: history unavailable ({type(exc).__name__}: {exc}); messages are not kept")

    async def close(self) -> None:
        self.chat.close()
        self.muc.messages.close()
        await self.serial.close()
        await self.store.close()


class Accounts:
    def __init__(self, windows: WindowList, bus: EventBus, ask_secret: AskSecret | None = None) -> None:
        self.windows = windows
        self.bus = bus
        self.ask_secret = ask_secret  # what a scheme's host.ask_secret calls (the Client's)
        self._by_jid: dict[str, Account] = {}

    def add(self, settings: ConnectionSettings, backoff: Backoff | None = None) -> Account:
        account = Account(settings, self.windows, self.bus, backoff, self.ask_secret)
        self._by_jid[account.jid] = account
        return account

    def __iter__(self):
        return iter(self._by_jid.values())

    def __len__(self) -> int:
        return len(self._by_jid)

    def get(self, jid: str) -> Account | None:
        return self._by_jid.get(jid)

    def for_window(self, window: Window) -> Account | None:
        """The account a window belongs to; the first account for the status window."""
        if window.account and window.account in self._by_jid:
            return self._by_jid[window.account]
        return next(iter(self._by_jid.values()), None)

    def resolve(self, name: str | None, window: Window) -> Account | None:
        """An account named by (a prefix of) its JID, else the window's account."""
        if not name:
            return self.for_window(window)
        matches = [a for jid, a in self._by_jid.items() if jid == name or jid.startswith(name)]
        return matches[0] if len(matches) == 1 else None

    async def disconnect_all(self, message: str = "") -> None:
        await asyncio.gather(
            *(a.session.disconnect(message) for a in self), return_exceptions=True
        )
        await asyncio.gather(*(a.close() for a in self), return_exceptions=True)
