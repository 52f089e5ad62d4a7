"""Codec and BlobStore: real pickling, real files, real mmap."""

from __future__ import annotations

import mmap
import os
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import blake3
import numpy as np
import pandas as pd
import pytest

from workbench.store import (
    BlobCorruptError,
    BlobMissingError,
    BlobStore,
    SerializationError,
    Store,
    StoreError,
    codec,
)


def _roundtrip(store: Store, obj):
    info = store.blobs.put(obj)
    return info, store.blobs.get(info.key)


@pytest.mark.parametrize(
    "obj",
    [
        0,
        -12345678901234567890,
        "héllo",
        "",
        b"\x00\x01bytes" * 100,
        {"a": 1, "b": [1, 2, {"c": (3.5, None)}]},
        [[1, 2], {"x": {"y": {"z": [True, False]}}}],
        {1, 2, 3},
    ],
)
def test_roundtrip_plain_values(store: Store, obj) -> None:
    _, back = _roundtrip(store, obj)
    assert back == obj and type(back) is type(obj)


def test_roundtrip_lambda_via_cloudpickle(store: Store) -> None:
    k = 7
    _, fn = _roundtrip(store, lambda x: x * k)
    assert fn(6) == 42


def test_roundtrip_numpy_array(store: Store) -> None:
    arr = np.arange(100_000, dtype=np.float32).reshape(1000, 100)
    info, back = _roundtrip(store, arr)
    np.testing.assert_array_equal(back, arr)
    assert back.dtype == arr.dtype
    assert info.type_name == "numpy.ndarray"
    assert info.summary == "ndarray (1000, 100) float32"


def test_roundtrip_big_dataframe_with_object_column(store: Store) -> None:
    n = 1_000_000
    df = pd.DataFrame(
        {
            "x": np.arange(n, dtype=float),
            "y": np.arange(n, dtype=np.int64),
            "o": pd.Series(["a", "bb", "ccc", None] * (n // 4), dtype=object),
        }
    )
    info, back = _roundtrip(store, df)
    pd.testing.assert_frame_equal(back, df)
    assert info.summary.startswith("DataFrame 1000000x3: x float64, y int64, o object")
    # the numeric columns travel out of band: file ~ 16 MB of raw buffers + small stream
    assert info.size == store.blobs.path(info.key).stat().st_size
    assert info.size > 16_000_000


def test_file_layout_and_key(store: Store) -> None:
    arr = np.arange(10_000, dtype=np.int64)
    enc = codec.encode({"a": arr, "b": arr * 2, "small": np.arange(3)})
    store.blobs.put({"a": arr, "b": arr * 2, "small": np.arange(3)})
    data = store.blobs.path(enc.key).read_bytes()
    magic, version, _flags, stream_len, nbuf = struct.unpack_from("<4sHHQI", data, 0)
    assert (magic, version, nbuf) == (b"WBB1", 1, 2)  # tiny buffer stays in band
    lens = struct.unpack_from(f"<{nbuf}Q", data, 20)
    head = 20 + 8 * nbuf
    stream = data[head : head + stream_len]
    h = blake3.blake3(stream)
    pos = head + stream_len
    for n in lens:
        pos = (pos + 63) // 64 * 64  # 64-byte aligned
        h.update(data[pos : pos + n])
        pos += n
    assert pos == len(data)
    assert h.hexdigest() == enc.key


def test_zero_copy_read_is_writable_and_leaves_file_alone(store: Store) -> None:
    arr = np.arange(1_000_000, dtype=np.float64)
    info = store.blobs.put(arr)
    back = store.blobs.get(info.key)
    assert back.flags.writeable
    # backed by the mmap of the blob file, not a copy
    base = back
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)
    back[:] = -1.0
    assert store.blobs.verify(info.key)
    np.testing.assert_array_equal(store.blobs.get(info.key), arr)


def test_dataframe_loads_writable(store: Store) -> None:
    df = pd.DataFrame(np.random.default_rng(0).random((100_000, 6)), columns=list("abcdef"))
    info = store.blobs.put(df)
    back = store.blobs.get(info.key)
    back.iloc[0, 0] = 123.0
    back["a"] += 1
    assert store.blobs.verify(info.key)
    pd.testing.assert_frame_equal(store.blobs.get(info.key), df)


def test_dedup_same_object_one_file(store: Store) -> None:
    obj = {"weights": np.ones(50_000), "name": "m"}
    a = store.blobs.put(obj)
    path = store.blobs.path(a.key)
    inode = path.stat().st_ino
    time.sleep(0.01)
    b = store.blobs.put({"weights": np.ones(50_000), "name": "m"})
    assert a == b
    assert path.stat().st_ino == inode  # second write skipped (the file is only touched)
    files = [p for p in (store.root / "blobs").rglob("*") if p.is_file()]
    assert files == [path]
    assert path.parent.name == a.key[:2]
    assert os.listdir(store.root / "tmp") == []


def test_truncated_final_file_is_rewritten(store: Store) -> None:
    info = store.blobs.put(list(range(1000)))
    path = store.blobs.path(info.key)
    path.write_bytes(b"")  # as after a power loss without fsync
    store.blobs.put(list(range(1000)))
    assert store.blobs.get(info.key) == list(range(1000))


def test_key_stability_across_processes(store: Store) -> None:
    code = textwrap.dedent(
        """
        import numpy as np, pandas as pd
        from workbench.store import codec
        df = pd.DataFrame({"a": np.arange(1000.0), "b": ["x"] * 1000})
        print(codec.encode({"df": df, "n": [1, 2, 3], "s": "text"}).key)
        """
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    df = pd.DataFrame({"a": np.arange(1000.0), "b": ["x"] * 1000})
    keys.add(store.blobs.put({"df": df, "n": [1, 2, 3], "s": "text"}).key)
    assert len(keys) == 1
    assert store.blobs.put(1).key != store.blobs.put(2).key


def test_serialization_error_names_artifact_and_type(store: Store) -> None:
    gen = (i for i in range(3))
    with pytest.raises(SerializationError) as err:
        store.blobs.put(gen, name="gen")
    msg = str(err.value)
    assert msg.startswith("artifact 'gen' of type generator can't be pickled: ")
    assert "\n" not in msg
    assert isinstance(err.value, StoreError)
    assert os.listdir(store.root / "tmp") == []


def test_unpicklable_blob_raises_serialization_error(store: Store, tmp_path: Path) -> None:
    mod_dir = tmp_path / "mods"
    mod_dir.mkdir()
    (mod_dir / "wb_tmp_mod.py").write_text("class Thing:\n    pass\n")
    sys.path.insert(0, str(mod_dir))
    try:
        import wb_tmp_mod

        info = store.blobs.put(wb_tmp_mod.Thing())
    finally:
        sys.path.remove(str(mod_dir))
        sys.modules.pop("wb_tmp_mod", None)
    with pytest.raises(SerializationError, match="can't be unpickled: ModuleNotFoundError"):
        store.blobs.get(info.key)


def test_corrupt_blob_files(store: Store) -> None:
    info = store.blobs.put(np.arange(10_000))
    path = store.blobs.path(info.key)
    good = path.read_bytes()

    path.write_bytes(good[:10])
    with pytest.raises(BlobCorruptError, match=str(path)):
        store.blobs.get(info.key)
    assert not store.blobs.verify(info.key)

    path.write_bytes(b"XXXX" + good[4:])
    with pytest.raises(BlobCorruptError, match="bad magic"):
        store.blobs.get(info.key)

    path.write_bytes(good[:-100])
    with pytest.raises(BlobCorruptError, match="header says"):
        store.blobs.get(info.key)

    flipped = bytearray(good)
    flipped[-1] ^= 0xFF
    path.write_bytes(bytes(flipped))
    assert not store.blobs.verify(info.key)
    store.blobs.get(info.key, verify=False)  # skipping the hash check is explicit
    with pytest.raises(BlobCorruptError, match="hash mismatch"):
        store.blobs.get(info.key)  # small blobs are checked by default

    path.write_bytes(good)
    assert store.blobs.verify(info.key)
    assert codec.verify(path)


def test_missing_and_invalid_keys(store: Store) -> None:
    key = "ab" * 32
    assert not store.blobs.exists(key)
    with pytest.raises(BlobMissingError, match=key):
        store.blobs.get(key)
    with pytest.raises(BlobMissingError):
        store.blobs.verify(key)
    with pytest.raises(StoreError, match="invalid blob key"):
        store.blobs.path("../../etc/passwd")


def test_blobstore_standalone_creates_dirs(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "fresh")
    info = blobs.put("hello")
    assert blobs.exists(info.key)
    assert blobs.get(info.key) == "hello"
    assert info.size == blobs.path(info.key).stat().st_size


def test_put_in_forked_child(store: Store) -> None:
    pid = os.fork()
    if pid == 0:  # child: blobs only, no sqlite
        try:
            store.blobs.put({"from": "child"})
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert store.blobs.get(codec.encode({"from": "child"}).key) == {"from": "child"}


def test_large_blob_hashed_while_written_has_the_same_key_and_dedups(tmp_path):
    import numpy as np

    from workbench.store import BlobStore
    from workbench.store import codec

    arr = np.arange(10_000_000, dtype="float64")  # 80 MB: over codec.OVERLAP_BYTES
    assert arr.nbytes >= codec.OVERLAP_BYTES
    blobs = BlobStore(tmp_path / "store")
    info = blobs.put(arr, name="arr")
    assert info.key == codec.encode(arr).key  # same key as hashing first
    assert np.array_equal(blobs.get(info.key), arr)
    path = blobs.path(info.key)
    inode = path.stat().st_ino
    again = blobs.put(arr.copy(), name="arr")
    assert again.key == info.key and path.stat().st_ino == inode  # not rewritten
    assert not [p for p in (tmp_path / "store" / "tmp").iterdir()]  # no temp file left
