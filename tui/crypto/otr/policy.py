"""OTR policies (per account, ``otr_policy``; per contact, ``otr_policy_contacts``):

- ``manual``: a session starts only with ``/otr start``; a peer's OTR query is
  said in the window, not answered; a whitespace tag is ignored.
- ``opportunistic``: also answer a peer's query or whitespace tag (the
  conversation then goes encrypted).
- ``always``: also encrypt every 1:1 conversation from its first line: what is
  typed before the session is up waits, never goes in clear.
"""

from __future__ import annotations

POLICIES = ("manual", "opportunistic", "always")
DEFAULT_POLICY = "manual"


def policy_for(settings: dict, jid: str) -> str:
    """The policy for ``jid`` from a scheme's settings ({"policy": ..., "contacts": {jid: policy}})."""
    contacts = settings.get("contacts") or {}
    chosen = contacts.get(jid.lower()) or contacts.get(jid.partition("/")[0].lower()) or settings.get("policy")
    return chosen if chosen in POLICIES else DEFAULT_POLICY


def answers_peers(policy: str) -> bool:
    """A peer's query or whitespace tag starts the handshake."""
    return policy in ("opportunistic", "always")


# potr's own policy flags: we answer queries ourselves (manual does not even
# hand them to potr), and never let potr send plaintext or tags.
POTR_FLAGS = {"ALLOW_V1": False, "ALLOW_V2": True, "REQUIRE_ENCRYPTION": False, "SEND_TAG": False,
              "WHITESPACE_START_AKE": True, "ERROR_START_AKE": False}
