"""tui/dataclass_code.py: the dataclasses' generated code, kept between
launches, makes the same classes as compiling it afresh; the file is read
only when it is the user's own and private, and holds what the last start
used."""

from __future__ import annotations

import dataclasses
import marshal
import os
import stat
from dataclasses import KW_ONLY, InitVar, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator

import pytest

from tui import dataclass_code
from tui.dataclass_code import FORMAT, CodeCache

METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
           "__lt__", "__le__", "__gt__", "__ge__", "__post_init__")


def make_classes() -> dict[str, type]:
    """Dataclasses of every shape the generator has a branch for."""

    @dataclasses.dataclass
    class Plain:
        a: int
        b: str = "x"
        c: list = field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Frozen:
        a: int
        b: tuple = ()

    @dataclasses.dataclass(order=True, unsafe_hash=True)
    class Ordered:
        a: int
        b: int = 0

    @dataclasses.dataclass(eq=False, repr=False)
    class Bare:
        a: int

    @dataclasses.dataclass
    class Special:
        a: int
        scale: InitVar[int] = 1
        shared: ClassVar[int] = 5
        _: KW_ONLY
        d: int = 0
        hidden: int = field(default=3, repr=False, compare=False)

        def __post_init__(self, scale: int) -> None:
            self.a *= scale

    @dataclasses.dataclass
    class Child(Ordered):  # inherited fields
        e: str = "e"

    return {cls.__name__: cls for cls in (Plain, Frozen, Ordered, Bare, Special, Child)}


def exercise(classes: dict[str, type]) -> list[Any]:
    """What the classes' generated methods do, as plain values."""
    Plain, Frozen, Ordered, Bare, Special, Child = (classes[name] for name in
                                                   ("Plain", "Frozen", "Ordered", "Bare", "Special", "Child"))
    out: list[Any] = [repr(Plain(1)), Plain(1) == Plain(1), Plain(1) == Plain(2), Plain(1).c is not Plain(1).c]
    frozen = Frozen(1, (2,))
    try:
        frozen.a = 3
    except dataclasses.FrozenInstanceError:
        out.append("frozen")
    out += [repr(frozen), hash(frozen) == hash(Frozen(1, (2,))), hasattr(frozen, "__dict__")]
    out += [Ordered(1, 2) < Ordered(1, 3), sorted([Ordered(2), Ordered(1, 5)]) == [Ordered(1, 5), Ordered(2)],
            hash(Ordered(1)) == hash(Ordered(1))]
    bare = Bare(1)
    out += [bare == Bare(1), repr(bare).startswith("<")]
    special = Special(2, 3, d=4)
    out += [repr(special), special.a, special == Special(6, d=4, hidden=9), vars(Special)["shared"]]
    out += [repr(Child(1, 2, "z")), Child(1) < Child(2)]
    return out


def generated_code(classes: dict[str, type]) -> dict[str, Any]:
    code = {}
    for name, cls in classes.items():
        for method in METHODS:
            function = vars(cls).get(method)
            if function is not None and hasattr(function, "__code__"):
                code[f"{name}.{method}"] = (function.__code__, function.__annotations__, function.__defaults__)
    return code


@pytest.fixture
def installed() -> Iterator[Callable[[Path], CodeCache]]:
    caches: list[CodeCache] = []

    def install(path: Path) -> CodeCache:
        cache = CodeCache(path)
        cache.load()
        cache.install()
        caches.append(cache)
        return cache

    yield install
    for cache in caches:
        cache.uninstall()
    assert "exec" not in vars(dataclasses)


def test_the_classes_made_with_the_cache_cold_or_warm_are_those_made_without(tmp_path, installed):
    reference = make_classes()
    path = tmp_path / "cache" / dataclass_code.FILE_NAME

    cold = installed(path)
    made_cold = make_classes()
    cold.uninstall()
    assert cold.compiled > 0 and cold.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    warm = installed(path)
    made_warm = make_classes()
    warm.uninstall()
    assert warm.compiled == 0 and warm.found > 10 and not warm.used and not warm.save()

    assert exercise(made_cold) == exercise(made_warm) == exercise(reference)
    assert generated_code(made_cold) == generated_code(made_warm) == generated_code(reference)
    assert len(generated_code(reference)) >= 20


def _first_start(path: Path, installed) -> CodeCache:
    """A start that made make_classes()' code and kept it in ``path``."""
    cache = installed(path)
    make_classes()
    cache.uninstall()
    cache.save()
    return cache


def _file_keys(path: Path) -> set[bytes]:
    data = path.read_bytes()
    size = int.from_bytes(data[:4], "little")
    return set(marshal.loads(data[4:4 + size])[2])


def test_sources_the_start_no_longer_uses_leave_the_file_at_its_next_rewrite(tmp_path, installed):
    path = tmp_path / dataclass_code.FILE_NAME
    _first_start(path, installed)
    old_keys = _file_keys(path)

    second = installed(path)

    @dataclasses.dataclass
    class New:
        z: int

    second.uninstall()
    used = set(second.used)
    assert second.compiled > 0 and second.save()
    assert _file_keys(path) == used and not old_keys & used and New(1).z == 1


def test_a_start_that_compiled_some_keeps_what_it_found_too(tmp_path, installed):
    path = tmp_path / dataclass_code.FILE_NAME
    _first_start(path, installed)
    found = _file_keys(path)

    second = installed(path)
    make_classes()

    @dataclasses.dataclass
    class New:
        z: int

    second.uninstall()
    assert second.compiled > 0 and second.save() and _file_keys(path) > found

    third = installed(path)
    exercise(make_classes())
    third.uninstall()
    assert third.compiled == 0


def _header(kind: str, magic: bytes, index: Any) -> bytes:
    header = marshal.dumps((kind, magic, index))
    return len(header).to_bytes(4, "little") + header


def _indexed(index: Any, codes: bytes = b"") -> bytes:
    """A file with this index whose sources are those of make_classes()."""
    return _header(FORMAT, dataclass_code.MAGIC_NUMBER, index) + codes


def _keys() -> list[bytes]:
    cache = CodeCache(Path("/nonexistent"))
    cache.install()
    try:
        make_classes()
    finally:
        cache.uninstall()
    return list(cache.used)


@pytest.mark.parametrize("damage", [
    lambda: b"", lambda: b"garbage", lambda: b"\xff" * 100, lambda: b"\x00" * 100,
    lambda: _header("another format", dataclass_code.MAGIC_NUMBER, {}),
    lambda: _header(FORMAT, b"\x00\x00\r\n", {}),  # another Python's bytecode
    lambda: _indexed(["not a dict"]),
    lambda: _indexed({key: (0, 40) for key in _keys()}, b"not marshal" * 10),  # damaged code
    lambda: _indexed({key: (0, 100) for key in _keys()}, b"short"),  # beyond the end
    lambda: _indexed({key: (-5, 3) for key in _keys()}, b"x" * 10),
    lambda: _indexed({key: "place" for key in _keys()}),
    lambda: _indexed({key: (0, len(b := marshal.dumps(1))) for key in _keys()}, b),  # not code
])
def test_a_damaged_or_foreign_file_is_ignored_and_rewritten(tmp_path, installed, damage):
    path = tmp_path / dataclass_code.FILE_NAME
    path.write_bytes(damage())
    path.chmod(0o600)
    cache = installed(path)
    classes = make_classes()
    cache.uninstall()
    assert cache.compiled > 0 and exercise(classes) == exercise(make_classes())
    assert cache.save()
    again = installed(path)
    make_classes()
    again.uninstall()
    assert again.compiled == 0 and again.found > 10


def _poisoned(path: Path) -> None:
    """A file whose code for the classes' sources raises "owned"."""
    owned = marshal.dumps(compile("raise RuntimeError('owned')", "<string>", "exec"))
    path.write_bytes(b"".join(dataclass_code.file_pieces({key: owned for key in _keys()})))


@pytest.mark.parametrize("how", ["group-writable", "world-writable", "someone else's"])
def test_a_file_others_could_write_is_never_run(tmp_path, installed, how, caplog):
    path = tmp_path / dataclass_code.FILE_NAME
    _poisoned(path)
    path.chmod(0o600)
    if how == "group-writable":
        path.chmod(0o620)
    elif how == "world-writable":
        path.chmod(0o602)
    else:
        if os.getuid() != 0:
            pytest.fail("changing a file's owner needs root (the tests run as root: make test)")
        os.chown(path, 12345, -1)
    cache = installed(path)
    exercise(make_classes())  # compiled afresh: no RuntimeError
    assert cache.compiled > 0 and "not the user's own private file" in caplog.text


def test_the_poisoned_file_would_run_when_trusted(tmp_path, installed):
    """The check above is what stands between the file and exec."""
    path = tmp_path / dataclass_code.FILE_NAME
    _poisoned(path)
    path.chmod(0o600)
    installed(path)
    with pytest.raises(RuntimeError, match="owned"):
        make_classes()


def test_exec_of_code_passes_through_and_uninstall_leaves_another_exec_alone(tmp_path):
    cache = CodeCache(tmp_path / "x")
    namespace: dict[str, Any] = {}
    cache.exec(compile("y = 2", "<string>", "exec"), namespace)
    assert namespace["y"] == 2 and cache.compiled == 0
    cache.install()
    other = lambda *args: None  # noqa: E731
    dataclasses.exec = other
    try:
        cache.uninstall()
        assert vars(dataclasses)["exec"] is other
    finally:
        del dataclasses.exec


def test_nothing_compiled_means_nothing_written(tmp_path):
    cache = CodeCache(tmp_path / "sub" / "x")
    assert not cache.save() and not (tmp_path / "sub").exists()


def test_letting_go_of_the_file_while_another_thread_reads_from_it(tmp_path, installed):
    """uninstall runs on the loop when the face is imported; a thread that
    is still reading a code from the mapping does not make it fail."""
    path = tmp_path / dataclass_code.FILE_NAME
    _first_start(path, installed)
    cache = installed(path)
    assert cache._codes is not None
    held = cache._codes[0:8]  # what a reader in another thread holds meanwhile
    try:
        cache.uninstall()
        assert not cache.installed and cache._codes is None and cache._map is None
    finally:
        held.release()


def test_the_file_keeps_its_other_code_until_it_outgrows_what_a_start_uses(tmp_path, installed):
    """Which sources come before the face is imported varies a little from
    start to start: a start that compiled some keeps the file's code it did
    not use, unless that outnumbers what it used."""
    path = tmp_path / dataclass_code.FILE_NAME

    def start(*extra_fields: str) -> CodeCache:
        cache = installed(path)
        make_classes()
        for name in extra_fields:
            dataclasses.make_dataclass("Extra", [(name, int)])
        cache.uninstall()
        cache.save()
        return cache

    start("first")
    with_first = _file_keys(path)
    second = start("second")  # most of the file used, one class's code not: kept
    assert second.compiled > 0 and _file_keys(path) > with_first
    third = start("first")  # both now in the file
    assert third.compiled == 0

    cache = installed(path)  # a start using little of the file: the rest goes
    dataclasses.make_dataclass("Other", [("other", int)])
    cache.uninstall()
    used = set(cache.used)
    cache.save()
    assert _file_keys(path) == used and len(used) < len(with_first)
