"""The `parlons` entry point: fast --help/--version, one-line errors, exit codes."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.harness.logging_state import preserved_logging

import tui.launch
from tui import __version__, cli

REPO = Path(__file__).resolve().parents[2]


def run_parlons(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True, text=True, timeout=60, cwd=REPO, env=env,
        stdin=subprocess.DEVNULL,
    )


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_version(tmp_path: Path) -> None:
    result = run_parlons("--version", tmp_path=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"parlons {__version__}\n", "")


def test_help(tmp_path: Path) -> None:
    result = run_parlons("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for option in ("--config PATH", "--debug", "--version"):
        assert option in result.stdout
    assert result.stderr == ""


def test_help_and_version_do_not_import_the_app() -> None:
    script = (
        "import sys; from tui.cli import main\n"
        "assert main(['--version']) == 0 and main(['--help']) == 0\n"
        "heavy = [m for m in ('screens.app', 'textual', 'slixmpp', 'tui.config') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run_parlons("--colour", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "unrecognized arguments: --colour" in result.stderr


def assert_one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    return stderr.rstrip("\n")


def test_bad_config_exits_2_with_file_line_key(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword_command = "echo x"\nport = "abc"\n')
    result = run_parlons("--config", str(path), tmp_path=tmp_path)
    assert result.returncode == 2
    assert assert_one_line(result.stderr) == f'{path}:4: accounts[0].port: expected an integer, got "abc"'
    log = (tmp_path / "state" / "parlons" / "parlons.log").read_text()
    assert "accounts[0].port" in log


def test_insecure_config_is_refused_with_chmod_hint(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = "hunter2"\n', 0o644)
    result = run_parlons("--config", str(path), tmp_path=tmp_path)
    assert result.returncode == 2
    line = assert_one_line(result.stderr)
    assert line.startswith(f"{path}:3: accounts[0].password: ")
    assert f"chmod 600 {path}" in line
    assert "hunter2" not in result.stderr + result.stdout


def test_missing_explicit_config_exits_2(tmp_path: Path) -> None:
    result = run_parlons("--config", str(tmp_path / "nope.toml"), tmp_path=tmp_path)
    assert result.returncode == 2
    assert assert_one_line(result.stderr) == f"{tmp_path / 'nope.toml'}: no such file"


def test_failing_password_command_exits_2_without_its_output(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword_command = "echo oops-secret; exit 4"\n')
    result = run_parlons("--config", str(path), tmp_path=tmp_path)
    assert result.returncode == 2
    assert assert_one_line(result.stderr) == "password_command of a@b.org: failed with exit status 4"
    assert "oops-secret" not in (tmp_path / "state" / "parlons" / "parlons.log").read_text()


# ------------------------------------------- in-process, with a stand-in app


@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Replace tui.launch.launch (accounts, then the app) by one that records
    its arguments (tests/integration/test_launch.py runs the real one)."""
    calls: dict[str, Any] = {}

    def launch(config: Any, config_path: Path, code_cache: Any) -> int:
        calls.update(config=config, config_path=config_path, code_cache=code_cache,
                     dataclasses_exec=vars(dataclasses).get("exec"),
                     debug=logging.getLogger().isEnabledFor(logging.DEBUG))
        if calls.get("raise"):
            raise calls["raise"]
        logging.getLogger("screens.app").info("app says %s", config.accounts[0].password if config else None)
        return 7

    monkeypatch.setattr(tui.launch, "launch", launch)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    with preserved_logging():
        yield calls


def test_config_reaches_the_app_with_passwords_resolved(fake_app: dict, tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword_command = "echo from-command"\n')
    assert cli.main(["--config", str(path), "--debug"]) == 7
    config = fake_app["config"]
    assert config.accounts[0].password == "from-command"
    assert config.accounts[0].password_command == "echo from-command"
    assert (fake_app["config_path"], fake_app["debug"]) == (path, True)
    log = (tmp_path / "state" / "parlons" / "parlons.log").read_text()
    assert "app says ***" in log and "from-command" not in log.replace("echo from-command", "")


def test_the_app_starts_with_the_dataclass_code_cache_and_none_is_left_after(fake_app: dict, tmp_path: Path) -> None:
    """The cache is the dataclasses' exec while the app starts (tui/launch.py
    ends it), and a start that ends before the app, or an app that ends
    before its start is over, leaves the builtin exec behind."""
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = "pw"\n')
    assert cli.main(["--config", str(path)]) == 7
    cache = fake_app["code_cache"]
    assert fake_app["dataclasses_exec"] == cache.exec and cache.path.parent == tmp_path / "cache" / "parlons"
    assert "exec" not in vars(dataclasses) and not cache.installed
    bad = write(tmp_path / "bad.toml", "[[accounts]\n")
    assert cli.main(["--config", str(bad)]) == 2
    assert "exec" not in vars(dataclasses)


def test_no_default_config_means_setup_mode(fake_app: dict, tmp_path: Path) -> None:
    assert cli.main([]) == 7
    assert fake_app["config"] is None
    assert fake_app["config_path"] == tmp_path / "config" / "parlons" / "config.toml"
    assert fake_app["debug"] is False


def test_unexpected_start_up_error_is_one_line_and_exit_1(
    fake_app: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_app["raise"] = RuntimeError("boom\nsecond line")
    path = write(tmp_path / "c.toml", '[[accounts]]\njid = "a@b.org"\npassword = "pw-xyz"\n')
    assert cli.main(["--config", str(path)]) == 1
    err = capsys.readouterr().err
    line = assert_one_line(err)
    assert line.startswith("parlons: unexpected error: RuntimeError: boom second line")
    log = (tmp_path / "state" / "parlons" / "parlons.log").read_text()
    assert "Traceback" in log and "RuntimeError: boom" in log


def test_the_app_is_imported_with_the_collector_back_on_after():
    """The import runs with the cyclic collector off (start-up CPU): it must be
    back on after, and what the import made frozen out of later collections."""
    import gc

    from tui.launch import import_face

    try:
        run_face = import_face()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert callable(run_face)
    finally:
        gc.unfreeze()


def test_the_app_draws_up_to_120_frames_a_second_unless_the_user_says():
    """TEXTUAL_FPS is read when Textual is first imported: a fresh process."""
    probe = ("import sys; from tui.launch import import_face; "
             "assert 'textual' not in sys.modules; import_face(); "
             "from textual import constants; print(constants.MAX_FPS)")
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items() if key != "TEXTUAL_FPS"}
    env["PYTHONPATH"] = str(root)
    ours = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert ours.stdout.strip() == "120", ours.stderr
    theirs = subprocess.run([sys.executable, "-c", probe], env={**env, "TEXTUAL_FPS": "30"},
                            capture_output=True, text=True, timeout=60)
    assert theirs.stdout.strip() == "30", theirs.stderr
