"""bench/e2e's Prosody (actors.Server): options it adds land in the config's
global section, before the first VirtualHost (Prosody reads an option after
it as the host's, and ignores a global one there without a word)."""

from __future__ import annotations

from pathlib import Path

from bench.e2e.actors import Server
from bench.e2e.workloads import online_bot


def test_the_collectors_mode_and_the_component_ports_are_global_options(tmp_path: Path):
    # (the harness refuses a Prosody that logs an error as it starts: an
    # unknown mode, "Failed to apply GC configuration", is one)
    server = Server(tmp_path, component=True, gc="generational")
    try:
        with online_bot(server, tmp_path) as (_bot, _jid):
            pass
    finally:
        server.close()
    config = server.prosody.config_file.read_text()
    globals_, _hosts = config.split("\nVirtualHost ", 1)
    assert 'gc = { mode = "generational" }' in globals_
    assert f"component_ports = {{ {server.component_port} }}" in globals_
