"""The signed cache (xlplan/cache.py): only entries signed with our key are ever unpickled."""

import pickle
from pathlib import Path

import pytest

from xlplan import cache
from xlplan.cache import SignedCache


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv("XLPLAN_NO_CACHE", raising=False)


def test_round_trip_and_miss(tmp_path):
    c = SignedCache(tmp_path / "c", b"k1")
    assert c.get("x.pickle") is None
    assert c.put("x.pickle", {"a": [1, 2.5, "t"]})
    assert c.get("x.pickle") == {"a": [1, 2.5, "t"]}
    assert not list((tmp_path / "c").glob(".tmp-*"))


def test_another_key_or_tampered_entry_is_ignored_never_unpickled(tmp_path):
    c = SignedCache(tmp_path, b"k1")
    c.put("x.pickle", [1, 2, 3])
    assert SignedCache(tmp_path, b"k2").get("x.pickle") is None
    data = bytearray((tmp_path / "x.pickle").read_bytes())
    data[-3] ^= 1
    (tmp_path / "x.pickle").write_bytes(bytes(data))
    assert c.get("x.pickle") is None


def test_an_unsigned_pickle_is_not_loaded(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))
    (tmp_path / "x.pickle").write_bytes(b"\0" * 32 + pickle.dumps(Boom()))
    assert SignedCache(tmp_path, b"k").get("x.pickle") is None
    (tmp_path / "y.pickle").write_bytes(b"short")
    assert SignedCache(tmp_path, b"k").get("y.pickle") is None


def test_disabled_by_environment(tmp_path, monkeypatch):
    c = SignedCache(tmp_path, b"k")
    c.put("x.pickle", 1)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    assert c.get("x.pickle") is None
    assert not c.put("y.pickle", 2)
    assert not (tmp_path / "y.pickle").exists()


def test_unwritable_folder_is_not_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert SignedCache(blocker / "c", b"k").put("x.pickle", 1) is False


def test_entry_names_depend_on_every_part_and_the_code():
    a = cache.entry_name("plan", "abc", "def")
    assert a == cache.entry_name("plan", "abc", "def")
    assert a != cache.entry_name("plan", "abcd", "ef")      # parts are length-prefixed
    assert a != cache.entry_name("return", "abc", "def")
    assert a.startswith("plan-") and a.endswith(".pickle")
    assert len(cache.code_version()) == 16


def test_the_code_version_hashes_every_source_below_the_package_by_path_and_bytes(tmp_path):
    import hashlib
    import sys
    for rel, text in {"a.py": "1", "b/c.py": "2", "b/notes.txt": "x", "b/__pycache__/c.cpython.pyc": "y",
                      "b/z/d.py": "3", "b_c.py": "4", "zz.py": "5"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    h = hashlib.sha256(sys.version.encode())             # as it was defined: rglob, in Path order
    for path in sorted(tmp_path.rglob("*.py")):
        h.update(str(path.relative_to(tmp_path)).encode() + b"\0" + path.read_bytes())
    digest = cache.sources_digest(str(tmp_path))
    assert digest == h.hexdigest()[:16]
    (tmp_path / "b" / "z" / "d.py").write_text("4")
    assert cache.sources_digest(str(tmp_path)) != digest
    assert cache.code_version() == cache.sources_digest(str(Path(cache.__file__).resolve().parent))


def test_prune_keeps_only_named_entries_of_the_kind(tmp_path):
    c = SignedCache(tmp_path, b"k")
    for n in ("return-1.pickle", "return-2.pickle", "plan-1.pickle"):
        c.put(n, n)
    assert c.prune("return", {"return-2.pickle"}) == 1
    assert sorted(p.name for p in tmp_path.glob("*.pickle")) == ["plan-1.pickle", "return-2.pickle"]
