"""Room passwords never reach the log, even at --debug, where slixmpp logs
every stanza sent and received: a real XEP-0249 invitation with a password
and a real room configuration with a secret, through Prosody."""

from __future__ import annotations

import logging

from tests.harness.logging_state import preserved_logging
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.rooms import joined, room_name
from tests.harness.wait import until
from tui.logging_setup import setup_logging
from tui.xmpp.muc.admin import MucAdmin

INVITE_PASSWORD = "invite-pw-5f2c9a"
ROOM_SECRET = "room-secret-81d4e7"


def every_log_file(directory) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = sorted(directory.iterdir())
    assert files, "no log file"
    return "\n".join(path.read_text("utf-8") for path in files)


async def test_invitation_passwords_and_room_secrets_never_reach_the_debug_log(
        alice, prosody, make_peer, tmp_path):
    with preserved_logging():
        state = tmp_path / "state"
        setup_logging(state, debug=True)
        room = room_name(prosody, "secret")
        await joined(alice, room)
        admin = MucAdmin(alice.account.session, alice.account.muc.rooms)
        form = await admin.config_form(room)
        form.field("muc#roomconfig_roomsecret").value = ROOM_SECRET
        await admin.submit_config(room, form)
        # ... and the room sends it back in the next form
        assert (await admin.config_form(room)).field("muc#roomconfig_roomsecret").value == ROOM_SECRET

        bob = await make_peer(plugins=DEFAULT_PLUGINS + ("xep_0249",))
        other_room = room_name(prosody, "bobs")
        bob.xmpp.plugin["xep_0249"].send_invitation(alice.jid, other_room, password=INVITE_PASSWORD,
                                                    reason="come")
        invitation = await until(lambda: next(
            (i for i in alice.account.muc.invitations if i.room == other_room), None))
        assert invitation.password == INVITE_PASSWORD

        text = every_log_file(state)
    # The stanzas were logged (the test can see a leak) ...
    assert "muc#roomconfig_roomsecret" in text and "jabber:x:conference" in text
    assert other_room in text
    # ... without their secrets.
    assert [secret for secret in (ROOM_SECRET, INVITE_PASSWORD) if secret in text] == []
