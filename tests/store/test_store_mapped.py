"""A value still its blob's untouched map is known by its key without hashing it again;
any change to it (in place, in its metadata, in a forked child) is hashed and stored."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from workbench.store import Store, codec, mapped

pytestmark = pytest.mark.skipif(mapped._pagemap_fd() is None,
                                reason="this kernel does not tell written pages apart")


@pytest.fixture
def hashes(monkeypatch):
    """Counts the bytes codec hashes (the cost the map check saves)."""
    seen: list[int] = []
    real = codec._hash

    def counting(parts, total):
        seen.append(total)
        return real(parts, total)

    monkeypatch.setattr(codec, "_hash", counting)
    return seen


def _frame() -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng().random((200_000, 4)), columns=list("abcd"))


def test_a_loaded_frame_read_but_not_changed_is_known_without_hashing(store: Store, hashes):
    key = store.blobs.put(_frame(), name="df").key
    loaded = store.blobs.get(key, verify=False)
    assert float(loaded["a"].mean()) > 0  # read every page of a column
    hashes.clear()
    assert store.blobs.put(loaded, name="df", unchanged_key=key) is None
    assert codec.encode(loaded).key == key
    assert hashes == []
    # another name for the same untouched value is the same blob, not a new write
    assert store.blobs.put(loaded, name="copy").key == key
    assert hashes == []


@pytest.mark.parametrize("change", ["one cell", "a column renamed", "a new column",
                                    "a slice"])
def test_any_change_is_hashed_and_stored_under_its_own_key(store: Store, hashes, change):
    key = store.blobs.put(_frame(), name="df").key
    loaded = store.blobs.get(key, verify=False)
    if change == "one cell":
        loaded.iloc[123_456, 2] = -1.0
    elif change == "a column renamed":
        loaded = loaded.rename(columns={"a": "z"})
    elif change == "a new column":
        loaded["e"] = 1.0
    else:
        loaded = loaded.iloc[:1000]
    hashes.clear()
    info = store.blobs.put(loaded, name="df", unchanged_key=key)
    assert info is not None and info.key != key
    assert hashes  # it was hashed, not taken from the map
    again = store.blobs.get(info.key, verify=True)
    pd.testing.assert_frame_equal(again, loaded)


def test_an_array_written_in_a_forked_child_is_seen_as_changed(store: Store):
    array = np.arange(3_000_000, dtype=np.float64)
    key = store.blobs.put(array, name="a").key
    loaded = store.blobs.get(key, verify=False)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one task that changes one element, one that does not
        try:
            same = store.blobs.put(loaded, name="a", unchanged_key=key)
            loaded[2_999_999] = 0.0
            changed = store.blobs.put(loaded, name="a", unchanged_key=key)
            os.write(write, f"{same is None} {changed.key if changed else None}".encode())
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 200).decode().split()
    os.waitpid(pid, 0)
    assert answer[0] == "True"
    assert answer[1] not in (key, "None")
    assert codec.encode(loaded).key == key  # the parent's pages are still the file's


def test_a_value_written_before_it_was_persisted_again_is_hashed(store: Store, hashes):
    array = np.ones(500_000)
    key = store.blobs.put(array, name="a").key
    loaded = store.blobs.get(key, verify=False)
    loaded[0] = 1.0  # the same value written: the page is no longer the file's
    hashes.clear()
    assert store.blobs.put(loaded, name="a", unchanged_key=key) is None  # same content
    assert hashes  # but only known by hashing it
