"""Reaching Metaflow's datastores through Metaflow's own classes (the ``metaflow`` extra).

Everything that touches the real Metaflow package lives here: choosing a datastore root the
way Metaflow's configuration does, opening its ``FlowDataStore`` (local or S3: its storage
classes, its S3 client, its ``METAFLOW_S3_ENDPOINT_URL``), and ``fetch``, which the store's
pointer resolution (``store/remote.py``) calls to load one imported artifact.

Inside a process running a flow, ``import metaflow`` is workbench's authoring API (the alias
of ``flow/loader.py``). ``real_metaflow()`` swaps the real package in for the duration of a
call and puts the alias back, so a task that loads an imported artifact never mixes the two.
"""
from __future__ import annotations

import gzip
import os
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from ..store.remote import RemoteBlob, RemoteFetchError

INSTALL_HINT = "pip install 'flow-workbench[metaflow]'"
_SWAP = threading.RLock()
_REAL: dict[str, Any] = {}  # the real metaflow modules, kept while the alias is installed


class MetaflowMissing(RemoteFetchError):
    """The real Metaflow package is not installed (one line: which extra to install)."""


def _is_alias(module: Any) -> bool:
    return module is not None and getattr(module, "__name__", "metaflow") != "metaflow"


@contextmanager
def real_metaflow() -> Iterator[Any]:
    """The real ``metaflow`` package, importable by its name for the duration of the block."""
    with _SWAP:
        names = [n for n in sys.modules if n == "metaflow" or n.startswith("metaflow.")]
        aliased = _is_alias(sys.modules.get("metaflow"))
        hidden = {n: sys.modules.pop(n) for n in names} if aliased else {}
        if aliased:
            sys.modules.update(_REAL)
        try:
            try:
                import metaflow  # noqa: PLC0415 - the real package, late on purpose
            except ImportError as exc:
                raise MetaflowMissing(f"reading Metaflow's datastores needs Metaflow: "
                                      f"{INSTALL_HINT} ({exc})") from None
            if _is_alias(metaflow):
                raise MetaflowMissing(f"reading Metaflow's datastores needs Metaflow: "
                                      f"{INSTALL_HINT}")
            yield metaflow
        finally:
            if aliased:
                for n in [n for n in sys.modules if n == "metaflow" or n.startswith("metaflow.")]:
                    _REAL[n] = sys.modules.pop(n)
                sys.modules.update(hidden)


def storage_class(datastore: str) -> Any:
    """Metaflow's storage class for a datastore type (``local``, ``s3``...)."""
    from metaflow.plugins import DATASTORES  # noqa: PLC0415

    for impl in DATASTORES:
        if impl.TYPE == datastore:
            return impl
    known = ", ".join(sorted(d.TYPE for d in DATASTORES))
    raise RemoteFetchError(f"Metaflow has no datastore {datastore!r} (it has {known})")


def default_root(datastore: str | None = None) -> tuple[str, str]:
    """``(datastore type, root)`` as Metaflow's configuration gives them: its default
    datastore (or ``datastore``), then ``METAFLOW_DATASTORE_SYSROOT_S3`` or the local sysroot
    (a ``.metaflow`` folder found upward from the working directory)."""
    from metaflow import metaflow_config as cfg  # noqa: PLC0415

    datastore = datastore or cfg.DEFAULT_DATASTORE or "local"
    if datastore == "local":
        root = storage_class("local").get_datastore_root_from_config(
            lambda *a, **k: None, create_on_absent=False)
        if root is None:
            raise RemoteFetchError(
                f"no Metaflow datastore found: no .metaflow folder in {os.getcwd()} or above, "
                "and METAFLOW_DATASTORE_SYSROOT_LOCAL is not set (or pass --root DIR)")
        return "local", root
    root = storage_class(datastore).get_datastore_root_from_config(lambda *a, **k: None)
    if not root:
        raise RemoteFetchError(f"Metaflow's default datastore is {datastore} but its root is "
                               f"not configured (METAFLOW_DATASTORE_SYSROOT_"
                               f"{datastore.upper()}); pass --root")
    return datastore, root


def root_from_option(root: str) -> tuple[str, str]:
    """``(datastore type, root)`` from ``--root``: ``s3://bucket/prefix`` or a directory
    (the ``.metaflow`` folder itself, or the folder that holds it)."""
    if root.startswith("s3://"):
        return "s3", root.rstrip("/")
    path = os.path.abspath(os.path.expanduser(root))
    if os.path.basename(path) != ".metaflow" and os.path.isdir(os.path.join(path, ".metaflow")):
        path = os.path.join(path, ".metaflow")
    if not os.path.isdir(path):
        raise RemoteFetchError(f"--root {root}: no such directory")
    return "local", path


def flow_datastore(datastore: str, root: str, flow: str) -> Any:
    """Metaflow's ``FlowDataStore`` of ``flow`` under ``root``."""
    from metaflow.datastore import FlowDataStore  # noqa: PLC0415

    return FlowDataStore(flow, storage_impl=storage_class(datastore), ds_root=root)


def load_values(flow_ds: Any, run_id: str, step: str, task_id: str, attempt: int,
                data: dict, names: list[str]) -> dict[str, Any]:
    """Artifacts of one task attempt by name, read and decoded by Metaflow's TaskDataStore
    (``data``: the attempt's ``data.json``, objects and info)."""
    task_ds = flow_ds.get_task_datastore(run_id, step, task_id, attempt=attempt,
                                         data_metadata=data)
    return dict(task_ds.load_artifacts(names))


def fetch(pointer: RemoteBlob) -> Any:
    """The value of one imported artifact, from the datastore it lives in: its bytes through
    Metaflow's storage class (its S3 client), decoded by Metaflow's own serializer."""
    loc = pointer.location
    name = "value"
    data = {"objects": {name: pointer.content_key}, "info": {name: pointer.info}}
    with real_metaflow():
        try:
            flow_ds = flow_datastore(loc["datastore"], loc["root"], loc["flow"])
            blob = _unpacked(flow_ds, pointer.content_key)
            if blob is not None:
                flow_ds.ca_store.set_blob_cache(DictBlobCache({pointer.content_key: blob}))
            return load_values(flow_ds, "0", "_fetch", "0", 0, data, [name])[name]
        except RemoteFetchError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the remote read, one line
            text = str(exc).strip().splitlines()
            raise RemoteFetchError(
                f"cannot fetch artifact {pointer.content_key[:12]} from {loc.get('root')}: "
                f"{type(exc).__name__}: {text[0] if text else ''}") from None


def _unpacked(flow_ds: Any, key: str) -> bytes | None:
    """The stored bytes of ``key`` in Metaflow's content-addressed store, unpacked: read with
    Metaflow's storage class, then gunzipped in one call (its own reader streams the gzip file
    in small reads, about 4x slower on a large artifact). None for a layout this does not
    know; Metaflow's reader then does it all."""
    storage = flow_ds._storage_impl
    path = storage.path_join(flow_ds.flow_name, "data", key[:2], key)
    with storage.load_bytes([path]) as loaded:
        for _, file_path, meta in loaded:
            if file_path is None:
                return None
            with open(file_path, "rb") as fh:
                raw = fh.read()
            if meta and meta.get("cas_raw", False):
                return raw
            if meta is None or meta.get("cas_version", -1) == 1:  # gzip, as _unpack_v1
                return gzip.decompress(raw)
    return None


class DictBlobCache:
    """Metaflow's blob-cache interface over a dict: blobs read in one batch (or one already
    read), then served to Metaflow's own decoding without another read."""

    def __init__(self, blobs: dict[str, bytes] | None = None) -> None:
        self.blobs: dict[str, bytes] = dict(blobs or {})

    def load_key(self, key: str) -> bytes | None:
        return self.blobs.get(key)

    def store_key(self, key: str, blob: bytes) -> None:
        self.blobs[key] = blob
