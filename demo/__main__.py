"""``make demo``: a local Prosody, demo peers, and Parlons logged in as alice.

Everything lives in ``.state/demo/`` of the checkout. Quitting Parlons stops
the peers and the server; so does a signal to this process.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.harness.pgp_keys import GpgHome
from tests.harness.prosody import ProsodyServer, _die_with_parent
from tui.crypto.pgp.chosen_keys import ChosenKeys, state_path

ROOT = Path(__file__).resolve().parent.parent
# PARLONS_DEMO_STATE lets the demo's own test run it in a temporary folder.
STATE = Path(os.environ.get("PARLONS_DEMO_STATE") or ROOT / ".state" / "demo").resolve()
PASSWORD = "demo"  # a throwaway local server's demo accounts, not a secret
USERS = ("alice", "bob", "carol", "erin")
BOTS_READY_TIMEOUT = 15.0  # alice's roster is arranged by then (≈0.5 s normally)


def make_keys(server: ProsodyServer) -> tuple[GpgHome, GpgHome]:
    """OpenPGP keys for alice and bob (ed25519, no passphrase: a demo), each
    keyring knowing the other's public key; alice's key and bob's chosen
    for her, as ``/pgp setkey`` and ``/pgp contactkey`` would. Their user
    ids are ``xmpp:JID``, what OX (``/ox``) looks for."""
    alice = GpgHome("", uid=f"xmpp:alice@{server.domain}", home=STATE / "gnupg-alice")
    bob = GpgHome("", uid=f"xmpp:bob@{server.domain}", home=STATE / "gnupg-bob")
    alice.learn(bob)
    bob.learn(alice)
    chosen = ChosenKeys(state_path(STATE / "data" / "parlons", f"alice@{server.domain}"))
    chosen.set_own(alice.fingerprint)
    chosen.set_contact(f"bob@{server.domain}", bob.fingerprint)
    return alice, bob


def write_config(path: Path, server: ProsodyServer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Written by `make demo` for its throwaway local server.\n"
        "[[accounts]]\n"
        f'jid = "alice@{server.domain}"\n'
        f'password = "{PASSWORD}"\n'
        f'host = "{server.host}"\n'
        f"port = {server.c2s_port}\n"
        f'ca_file = "{server.ca_file}"\n'
        'resource = "demo"\n'
        f'gnupg_home = "{STATE / "gnupg-alice"}"\n'
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def wait_for_bots(bots: subprocess.Popen) -> None:
    """Until the bots say "ready" (alice's roster holds bob and carol), so
    Parlons starts with its contacts; a slow or failed setup only costs time."""
    out = bots.stdout
    assert out is not None  # started with stdout=PIPE
    ready, _, _ = select.select([out], [], [], BOTS_READY_TIMEOUT)
    line = out.readline() if ready else b""
    if line.strip() != b"ready":
        print(f"demo: the bots did not get ready (see {STATE / 'bots.log'}); starting anyway",
              file=sys.stderr)


def _stop_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def main() -> int:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_on_signal)
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    server = ProsodyServer(STATE / "prosody")
    bots: subprocess.Popen | None = None
    parlons: subprocess.Popen | None = None
    keys: tuple[GpgHome, GpgHome] | None = None
    try:
        for user in USERS:
            server.create_account(user, PASSWORD)
        server.start()
        room = f"lounge@{server.muc_domain}"
        keys = make_keys(server)
        bots = subprocess.Popen(
            [sys.executable, "-m", "demo.bots", "--port", str(server.c2s_port),
             "--ca", str(server.ca_file), "--domain", server.domain, "--room", room,
             "--bob-gnupg", keys[1].home, "--alice-key", keys[0].fingerprint,
             "--bob-key", keys[1].fingerprint],
            cwd=ROOT, preexec_fn=_die_with_parent,
            stdout=subprocess.PIPE, stderr=open(STATE / "bots.log", "wb"),
        )
        (STATE / "bots.pid").write_text(f"{bots.pid}\n")
        wait_for_bots(bots)
        config = STATE / "config.toml"
        write_config(config, server)
        env = dict(os.environ)
        env.update(
            XDG_CONFIG_HOME=str(STATE / "config"),
            XDG_DATA_HOME=str(STATE / "data"),
            XDG_STATE_HOME=str(STATE / "state"),
        )
        parlons = subprocess.Popen([sys.executable, "-m", "tui", "--config", str(config)], env=env, cwd=ROOT)
        return parlons.wait()
    finally:
        # whatever ended us (a quit, a signal, the terminal going away): nothing stays running
        for child in (parlons, bots):
            if child is not None and child.poll() is None:
                child.terminate()
                try:
                    child.wait(5)
                except subprocess.TimeoutExpired:
                    child.kill()
        server.stop()
        for keyring in keys or ():
            keyring.close()  # its gpg-agent would outlive us


if __name__ == "__main__":
    sys.exit(main())
