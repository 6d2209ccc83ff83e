"""Pubsub over PEP (XEP-0060/0163) as our features use it: an IQ's failure as
one line, the forms pubsub wants, and publishing to a node of our own that
another client (or an older us) may have configured otherwise.

Used by the blog (XEP-0277) and OX's public keys (XEP-0373).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from slixmpp.exceptions import IqError, IqTimeout

from ..core.forms import DataForm, FormField
from ..text import sanitize_line
from .forms import form_to_stanza

log = logging.getLogger(__name__)

IQ_TIMEOUT = 15
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
PUBLISH_OPTIONS = f"{PUBSUB_NS}#publish-options"
NODE_CONFIG = f"{PUBSUB_NS}#node_config"

# error condition -> what it means here, in a few words
MEANINGS = {
    "item-not-found": "not found",
    "forbidden": "not allowed",
    "not-allowed": "refused",
    "not-authorized": "not allowed (perhaps open to their contacts only)",
    "service-unavailable": "the service is not available",
    "feature-not-implemented": "the server does not support it",
    "remote-server-not-found": "their server cannot be reached",
    "remote-server-timeout": "their server does not answer",
    "conflict": "the node is configured otherwise",
    "not-acceptable": "refused by the server",
    "policy-violation": "refused by the server's policy",
    "resource-constraint": "the server is too busy",
}


class PepError(Exception):
    """A pubsub operation failed; ``str()`` is one line, ``condition`` the
    XMPP error condition (or "timeout", "offline", "")."""

    def __init__(self, text: str, condition: str = "") -> None:
        super().__init__(sanitize_line(text))
        self.condition = condition


async def answer(doing: str, request, error: Callable[[str, str], Exception] = PepError):
    """Await an IQ; its failure becomes ``error(line, condition)`` saying what we were doing."""
    try:
        return await request
    except IqTimeout:
        raise error(f"{doing}: no answer from the server", "timeout") from None
    except IqError as exc:
        condition = exc.iq["error"]["condition"] or "undefined-condition"
        text = exc.iq["error"]["text"]
        meaning = MEANINGS.get(condition)
        detail = f"{meaning} ({condition})" if meaning else condition
        raise error(f"{doing}: {detail}" + (f": {text}" if text else ""), condition) from None


def pubsub_form(form_type: str, values: dict[str, str]):
    """A submitted XEP-0004 form: publish-options or a node configuration."""
    fields = [FormField(var="FORM_TYPE", type="hidden", values=[form_type])]
    fields += [FormField(var=var, values=[value]) for var, value in values.items()]
    return form_to_stanza(DataForm(type="submit", fields=fields))


async def publish_own(xmpp, node: str, item_id: str | None, payload: Any, options: dict[str, str] | None,
                      doing: str, error: type[Exception] = PepError) -> None:
    """Publish ``payload`` to our own PEP ``node`` with publish-options
    ``options``; a node configured otherwise (precondition-not-met, a
    conflict) is ours: reconfigured to ``options``, then published again."""
    me, pubsub = xmpp.boundjid.bare, xmpp.plugin["xep_0060"]
    form = pubsub_form(PUBLISH_OPTIONS, options) if options else None

    def send():
        return pubsub.publish(me, node, id=item_id, payload=payload, options=form, timeout=IQ_TIMEOUT)

    try:
        await answer(doing, send(), error)
    except error as exc:
        if getattr(exc, "condition", "") != "conflict" or not options:
            raise
        log.info("%s: reconfiguring the node %s (%s)", me, node, exc)
        await answer(doing, pubsub.set_node_config(me, node, pubsub_form(NODE_CONFIG, options),
                                                   timeout=IQ_TIMEOUT), error)
        await answer(doing, send(), error)
