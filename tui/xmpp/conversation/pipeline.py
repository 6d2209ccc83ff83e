"""The path every message takes, in conversations and rooms alike.

    in:  parse (the service: stanza → facts, senders checked)
         → decrypt (:mod:`.encryption`) → arrival order → store (duplicates refused)
         → show (the service: window, line, activity)
    out: line shown (the service) → store → encrypt → stanza sent

The services own the first and last stages (what a message means in a
conversation or a room); the middle is here, written once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Protocol, TypeVar

from ...core.model import Delivery, Line
from ...core.serial import SerialRunner
from ...core.windows import Window, WindowList
from ...store.records import StoredMessage
from .encryption import DECRYPTIONS_AT_ONCE, Encryption, EncryptionError, Peer
from .history import Kept, MessageHistory
from .message import message_text

log = logging.getLogger(__name__)

class Parsed(Protocol):
    """A parsed message, chat facts or a room message, as the middle stages see it."""
    body: str
    action: bool
    stanza: Any  # the stanza it came in, until decrypted
    encryption: str  # the scheme that decrypted it ("" in clear)
    archived: bool  # read from an archive, not received live
    time: datetime
    delayed: bool

    @property
    def peer(self) -> str: ...


M = TypeVar("M", bound=Parsed)


class MessagePipeline:
    def __init__(self, account: str, history: MessageHistory, encryption: Encryption,
                 windows: WindowList, serial: SerialRunner, *, rooms: bool) -> None:
        self.account = account.lower()
        self.history = history
        self.serial = serial
        self.encryption = encryption
        self.windows = windows
        self.rooms = rooms  # this pipeline carries a room's messages (for the schemes)

    def peer(self, jid: str, *, archived: bool = False) -> Peer:
        return Peer(self.account, jid, room=self.rooms, archived=archived)

    # -- in ---------------------------------------------------------------------------
    def waits(self, message: Parsed) -> bool:
        """May decrypting ``message`` keep it waiting (``Scheme.apart``: gpg,
        a passphrase asked, keys looked up)? Its service then decrypts it
        beside the account's queue. One found in clear is marked so
        (``decrypt`` will not ask the schemes again)."""
        if message.stanza is None:
            return False
        scheme = self.encryption.scheme_for(message.stanza)
        if scheme is None:
            message.stanza = None
            return False
        return bool(getattr(scheme, "apart", False))

    async def decrypt(self, batch: list[M]) -> list[M]:
        """The messages of ``batch`` with their plaintext; those a scheme
        consumed (its protocol messages) are left out."""
        shown: list[M] = []
        for message in batch:
            stanza, message.stanza = message.stanza, None
            if stanza is not None:
                try:
                    result = await self.encryption.decrypt(self.peer(message.peer, archived=message.archived),
                                                           stanza)
                except Exception as exc:  # shown as such, never as the ciphertext's fallback; never lost
                    if isinstance(exc, EncryptionError):
                        log.info("%s: could not decrypt a message from %s: %s", self.account, message.peer, exc)
                    else:  # a scheme's bug: the batch's other messages go on
                        log.exception("%s: decrypting a message from %s", self.account, message.peer)
                    message.body, message.action = f"[could not decrypt this message: {exc}]", False
                    shown.append(message)
                    continue
                if result.scheme is not None:
                    if result.text is None:
                        continue  # the scheme's own business (a handshake): nothing to show
                    message.body, message.action = message_text(result.text)
                    message.encryption = result.scheme
            shown.append(message)
        return shown

    async def decrypt_runs(self, batch: list[M], within: float,
                           at_once: int = DECRYPTIONS_AT_ONCE) -> AsyncIterator[tuple[list[M], bool]]:
        """``decrypt(batch)`` in runs, each handed on once about ``within``
        seconds of work went into it (gpg: ~10 ms a message, a page of the
        archive ~1 s), so the first can be shown while the rest is decrypted:
        (a run, whether it is the last). The last is handed on even empty.
        For what an archive brings (no session scheme reads it: OTR leaves
        it alone), ``at_once`` messages are decrypted at a time, in order all the
        same."""
        loop = asyncio.get_running_loop()
        run: list[M] = []
        began = loop.time()
        going: deque[asyncio.Future[list[M]]] = deque()
        try:
            for index, message in enumerate(batch, 1):
                if message.stanza is None or not self.encryption.recognised(message.stanza):
                    message.stanza = None  # in clear: as decrypt() leaves it, without asking again
                    clear = loop.create_future()  # (no task, no wait)
                    clear.set_result([message])
                    going.append(clear)
                else:
                    going.append(asyncio.ensure_future(self.decrypt([message])))
                if len(going) < at_once and index < len(batch):
                    continue
                run += await going.popleft()
                if loop.time() - began >= within and (going or index < len(batch)):
                    yield run, False
                    run, began = [], loop.time()
            while going:
                run += await going.popleft()
        finally:
            for task in going:
                task.cancel()
        yield run, True

    async def decrypt_archived(self, batch: list[M]) -> list[M]:
        """``decrypt(batch)`` for what an archive brings: ``decrypt_runs``'
        messages at once, in one run."""
        return [message async for run, _last in self.decrypt_runs(batch, float("inf")) for message in run]

    async def store(self, batch: list[M], record_of: Callable[[M], StoredMessage], *,
                    live: bool) -> list[Kept]:
        """Arrival order (live messages only), then the store: for each, new or known."""
        if live:
            await self.history.in_arrival_order(batch)
        return await self.history.keep([record_of(message) for message in batch])

    # -- out --------------------------------------------------------------------------
    async def send(self, jid: str, stanza) -> str | None:
        """Encrypt ``stanza`` as ``jid``'s conversation wants, and send it;
        the scheme's name (None: in clear). EncryptionError: not sent."""
        scheme = await self.encryption.encrypt(self.peer(jid), stanza)
        stanza.send()
        return scheme

    # -- delivery marks ---------------------------------------------------------------
    def delivered(self, window: Window, line: Line) -> None:
        """A receipt (conversation) or the room's echo: it reached them."""
        if line.delivery is Delivery.FAILED:
            return
        line.delivery = Delivery.DELIVERED
        self.windows.update_line(window, line)
        target, msg_id = window.target, line.msg_id
        self.serial.submit(lambda: self.history.set_delivery(target, msg_id, "delivered"))

    def failed(self, window: Window, line: Line, reason: str) -> None:
        """An error answered it, or it could not be encrypted: not delivered (why, stored)."""
        line.delivery = Delivery.FAILED
        self.windows.update_line(window, line)
        target, msg_id = window.target, line.msg_id
        self.serial.submit(lambda: self.history.set_delivery(target, msg_id, "failed", reason))
