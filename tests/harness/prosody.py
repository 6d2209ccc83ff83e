"""A throwaway Prosody 0.12 server for tests and the demo.

Everything lives in `base_dir` (config, certs, data, log, pid, admin socket),
the server listens on loopback only, on ports chosen once per instance so a
`stop()` + `start()` brings it back where clients expect it. No pytest
imports: `make demo` uses this module too.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import socket
import subprocess
import threading
import time
import weakref
from pathlib import Path

from tests.harness.certs import make_ca, make_server_cert

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

MODULES = [
    "roster", "saslauth", "tls", "disco", "carbons", "pep", "private", "bookmarks",
    "mam", "smacks", "csi_simple", "ping", "vcard4", "vcard_legacy", "version",
    "register", "blocklist", "time", "uptime", "admin_shell",
]

# Stock Prosody lets only admins create nodes on a pubsub component, but blog
# comment nodes (XEP-0277) are created by the entry's author. This widens only
# the "create" action to accounts of the main host; node ownership is unchanged.
PUBSUB_LOCAL_CREATE_LUA = """\
local jid_host = require "util.jid".host;
local local_host = module:get_option_string("pubsub_local_create_host");
local pubsub = module:depends("pubsub");
local stock_get_affiliation = pubsub.service.config.get_affiliation;
pubsub.service.config.get_affiliation = function (jid, node, action)
	local stock = stock_get_affiliation(jid, node, action);
	if stock == nil and action == "create" and jid_host(jid) == local_host then
		return "owner";
	end
	return stock;
end
"""

# Open ports do not mean a finished start: hosts are activated in no fixed
# order and a module may still fail after the listeners are up. Prosody fires
# "server-started" once every host is active; this marks it for start().
HARNESS_READY_LUA = """\
local ready_file = module:get_option_string("harness_ready_file");
module:hook_global("server-started", function ()
	local file = assert(io.open(ready_file, "w"));
	file:write("started\\n");
	file:close();
end);
"""

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: if the test run is killed (even with
    SIGKILL), the kernel sends prosody SIGTERM, so no server outlives it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:  # not Linux: fall back to the atexit/finalizer cleanup
        pass


def _lua(value: str | Path) -> str:
    """A Lua string literal; paths come from tempfile and could hold anything."""
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def free_ports(count: int) -> list[int]:
    # Hold all sockets open until every port is picked so no two collide.
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _encode_store_name(name: str) -> str:
    """Prosody's util.datamanager file-name encoding: every non-alphanumeric
    byte becomes %xx (lower-case hex)."""
    return "".join(
        chr(byte) if chr(byte).isascii() and chr(byte).isalnum() else f"%{byte:02x}"
        for byte in name.encode("utf-8")
    )


def _kill_group(proc: subprocess.Popen) -> None:
    """Finalizer: never leave a server behind, however the owner went away."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


class ProsodyError(RuntimeError):
    pass


class ProsodyServer:
    """Prosody in the foreground, in its own process group, all state in base_dir."""

    def __init__(
        self,
        base_dir: Path | str,
        domain: str = "localhost",
        log_level: str = "info",
        c2s_port: int | None = None,
    ) -> None:
        """Writes certs and config into base_dir; nothing runs until start().

        Ports are free ones picked now and kept for the server's lifetime;
        `c2s_port` pins the client port (e.g. 5222 for a demo).
        """
        self.base_dir = Path(base_dir).resolve()
        self.domain = domain
        self.log_level = log_level
        self.host = HOST
        self.c2s_port, self.direct_tls_port, self.http_port = free_ports(3)
        if c2s_port is not None:
            self.c2s_port = c2s_port
        self._process: subprocess.Popen | None = None
        self._finalizer: weakref.finalize | None = None

        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.base_dir / "data"
        self.data_dir.mkdir(exist_ok=True)
        self.data_dir.chmod(0o750)
        self.plugin_dir = self.base_dir / "plugins"
        self.plugin_dir.mkdir(exist_ok=True)
        (self.plugin_dir / "mod_pubsub_local_create.lua").write_text(PUBSUB_LOCAL_CREATE_LUA)
        (self.plugin_dir / "mod_harness_ready.lua").write_text(HARNESS_READY_LUA)
        self.ready_file = self.base_dir / "started"
        self.log_file = self.base_dir / "prosody.log"
        self.pid_file = self.base_dir / "prosody.pid"
        self.admin_socket = self.base_dir / "admin.sock"
        self.config_file = self.base_dir / "prosody.cfg.lua"

        cert_dir = self.base_dir / "certs"
        self.ca = make_ca(cert_dir)
        self.certificate = make_server_cert(cert_dir, self.ca, domain)
        self.config_file.write_text(self._config_text())

    # -- names ---------------------------------------------------------------

    @property
    def ca_file(self) -> Path:
        return self.ca.cert_file

    @property
    def muc_domain(self) -> str:
        return f"conference.{self.domain}"

    @property
    def pubsub_domain(self) -> str:
        return f"pubsub.{self.domain}"

    @property
    def upload_domain(self) -> str:
        return f"upload.{self.domain}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        """The running server's process id (to signal it)."""
        assert self._process is not None, "the server is not started"
        return self._process.pid

    # -- config --------------------------------------------------------------

    def _config_text(self) -> str:
        cert = self.certificate
        modules = "; ".join(_lua(name) for name in MODULES)
        return f"""\
-- Generated by tests/harness/prosody.py; throwaway test server.
run_as_root = true
daemonize = false
pidfile = {_lua(self.pid_file)}
data_path = {_lua(self.data_dir)}
admin_socket = {_lua(self.admin_socket)}
plugin_paths = {{ {_lua(self.plugin_dir)} }}
log = {{ {{ levels = {{ min = {_lua(self.log_level)} }}, to = "file", filename = {_lua(self.log_file)} }} }}

interfaces = {{ "{HOST}" }}
local_interfaces = {{ "{HOST}" }}
c2s_ports = {{ {self.c2s_port} }}
c2s_direct_tls_ports = {{ {self.direct_tls_port} }}
s2s_ports = {{ }}
http_ports = {{ {self.http_port} }}
http_interfaces = {{ "{HOST}" }}
https_ports = {{ }}
http_default_host = {_lua(self.upload_domain)}
http_external_url = "http://{HOST}:{self.http_port}/"

harness_ready_file = {_lua(self.ready_file)}
modules_enabled = {{ {modules}; "harness_ready" }}
modules_disabled = {{ "s2s" }}

ssl = {{ key = {_lua(cert.key_file)}, certificate = {_lua(cert.cert_file)} }}
c2s_direct_tls_ssl = {{ key = {_lua(cert.key_file)}, certificate = {_lua(cert.cert_file)} }}
c2s_require_encryption = true
s2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"

allow_registration = true
min_seconds_between_registrations = 0
default_archive_policy = true
archive_expires_after = "never"
max_archive_query_results = 1000
smacks_hibernation_time = 60

VirtualHost {_lua(self.domain)}

Component {_lua(self.muc_domain)} "muc"
    modules_enabled = {{ "muc_mam" }}
    muc_log_by_default = true
    muc_room_default_history_length = 20

Component {_lua(self.pubsub_domain)} "pubsub"
    modules_enabled = {{ "pubsub_local_create" }}
    pubsub_local_create_host = {_lua(self.domain)}

Component {_lua(self.upload_domain)} "http_file_share"
    http_file_share_size_limit = 10485760
"""

    # -- lifecycle -----------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT) -> "ProsodyServer":
        if self.running:
            return self
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        self.ready_file.unlink(missing_ok=True)
        # Config errors go to stdout before the log exists; keep them.
        with open(self.base_dir / "stdout.log", "ab") as stdout:
            self._process = subprocess.Popen(
                ["prosody", "-F", "--config", str(self.config_file)],
                cwd=self.base_dir,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # The kernel ties PDEATHSIG to the forking *thread*: from a
                # worker thread the server would die with that thread.
                preexec_fn=_die_with_parent if threading.current_thread() is threading.main_thread() else None,
            )
        self._finalizer = weakref.finalize(self, _kill_group, self._process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._fail(f"prosody exited with status {self._process.returncode}", log_offset)
            if self.ready_file.exists():
                self._check_log(log_offset)
                # Listeners open before server-started; one probe proves it
                # is ours and reachable (a taken port is logged as an error).
                if not all(_port_accepts(port) for port in (self.c2s_port, self.direct_tls_port, self.http_port)):
                    self._fail("prosody started but its ports do not accept connections", log_offset)
                return self
            time.sleep(0.005)
        self._fail(f"prosody did not accept connections on port {self.c2s_port} within {timeout:.0f} s", log_offset)
        raise AssertionError("unreachable")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                process.wait()
        # Anything else the server left in its group goes too.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None

    def restart(self) -> "ProsodyServer":
        self.stop()
        return self.start()

    def __enter__(self) -> "ProsodyServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- accounts ------------------------------------------------------------

    def create_account(self, user: str, password: str) -> str:
        """Create (or reset) user@domain; return the bare JID. Works stopped or running.

        Writes the account straight into Prosody's file store with a plaintext
        password, which Prosody accepts and upgrades to SCRAM hashes on first
        login (mod_auth_internal_hashed). It has no account cache, so this
        also works while the server runs, in ~0.1 ms instead of the ~200 ms
        a `prosodyctl` call costs.
        """
        if not re.fullmatch(r"[a-z0-9._-]+", user):
            raise ValueError(f"test account names are plain lower-case ASCII, got {user!r}")
        accounts = self.data_dir / _encode_store_name(self.domain) / "accounts"
        accounts.mkdir(parents=True, exist_ok=True)
        record = f"return {{\n\t[\"password\"] = {_lua(password)};\n}};\n"
        target = accounts / f"{_encode_store_name(user)}.dat"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(record)
        temporary.replace(target)  # atomic: a login racing us never reads half a file
        return f"{user}@{self.domain}"

    def register_with_prosodyctl(self, user: str, password: str) -> str:
        """The official route (slow, ~200 ms); kept to cross-check create_account."""
        self.prosodyctl("register", user, self.domain, password)
        return f"{user}@{self.domain}"

    def prosodyctl(self, *args: str, timeout: float = 10.0) -> str:
        result = subprocess.run(
            ["prosodyctl", "--config", str(self.config_file), *args],
            capture_output=True, text=True, timeout=timeout, cwd=self.base_dir,
        )
        if result.returncode != 0:
            raise ProsodyError(f"prosodyctl {' '.join(args[:1])} failed: {(result.stdout + result.stderr).strip()}")
        return result.stdout

    def shell(self, command: str) -> str:
        """Run one admin-shell command on the running server (e.g. "c2s:show()")."""
        return self.prosodyctl("shell", command)

    # -- diagnostics ---------------------------------------------------------

    def log_tail(self, lines: int = 30, offset: int = 0) -> str:
        try:
            with open(self.log_file, "rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            text = ""
        stdout = self.base_dir / "stdout.log"
        if stdout.exists():
            text += stdout.read_text("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def _check_log(self, offset: int) -> None:
        """A module that fails to load is logged, not fatal: make it fatal here."""
        tail = self.log_tail(200, offset)
        failures = [line for line in tail.splitlines() if "\terror\t" in line]
        if failures:
            self.stop()
            raise ProsodyError("prosody started with errors:\n" + "\n".join(failures))

    def _fail(self, reason: str, offset: int) -> None:
        self.stop()
        raise ProsodyError(f"{reason}; log {self.log_file}:\n{self.log_tail(30, offset)}")
