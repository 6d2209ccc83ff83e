"""potr's Account and Context for one Parlons account (built once potr is
loaded: potr is imported lazily). Nothing here touches the network or the
event loop: what potr injects is collected on the context and sent by the
scheme once the (threaded) potr call returns."""

from __future__ import annotations

import threading
from typing import Any

from .files import OtrFiles
from .policy import POTR_FLAGS


def session_classes(potr) -> tuple[type, type]:
    """(Account, Context) subclasses of potr's, for this potr module."""

    class Context(potr.context.Context):
        def __init__(self, account, peername):
            super().__init__(account, peername)
            self.injected: list[bytes] = []  # to send, in order, once the potr call returns
            self.known_before: list[str] | None = None  # a new key's session: the keys known till then

        def getPolicy(self, key):
            return POTR_FLAGS.get(key, False)

        def inject(self, msg, appdata=None):
            self.injected.append(bytes(msg))

    class Account(potr.context.Account):
        contextclass = Context

        def __init__(self, name: str, files: OtrFiles, fragment_size: int = 0) -> None:
            # fragment_size 0: never fragment what we send (XMPP carries long bodies)
            super().__init__(name, "xmpp", fragment_size)
            self.files = files
            self.trusts = files.load_trusts()
            self.key_thread: int | None = None  # the thread that loaded or made the key

        def loadPrivkey(self) -> Any:
            self.key_thread = threading.get_ident()
            data = self.files.load_key()
            if data is None:
                return None
            key, _rest = potr.compatcrypto.common.PK.parsePrivateKey(data)
            return key

        def savePrivkey(self) -> None:
            self.files.save_key(self.privkey.serializePrivateKey())

        def saveTrusts(self) -> None:
            self.files.save_trusts(self.trusts)

        def removeFingerprint(self, key, fingerprint):
            super().removeFingerprint(key, fingerprint)
            self.saveTrusts()

    return Account, Context
