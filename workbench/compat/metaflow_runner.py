"""Send a run to Metaflow through its ``Runner`` API, stream its output, import the result.

``--with`` specs pass straight through as Metaflow's top-level ``--with`` (``decospecs``), so
``--with kubernetes`` runs the flow on the user's cluster; ``--datastore`` picks Metaflow's
datastore. The finished run (succeeded or not) is imported with ``metaflow_import``.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable

from ..store import Store
from ..store.remote import RemoteFetchError
from .metaflow_fetch import default_root, real_metaflow
from .metaflow_import import Imported, import_metaflow

LineSink = Callable[[str, str], None]  # (stream, line without its newline)


@dataclass
class MetaflowRunResult:
    """What ``run_on_metaflow`` did: Metaflow's run, its exit code, the imported run."""

    pathspec: str | None
    returncode: int
    imported: Imported | None


def run_on_metaflow(store: Store, flow_file: str, params: dict[str, str], *,
                    with_specs: list[str] | None = None, datastore: str | None = None,
                    on_line: LineSink = lambda stream, line: None) -> MetaflowRunResult:
    """Run ``flow_file`` under Metaflow (its local runtime unless ``--with`` sends steps
    elsewhere), calling ``on_line`` for each output line as it comes, then import the run."""
    with real_metaflow():
        from metaflow import Runner  # noqa: PLC0415 - the real package

        top: dict[str, Any] = {}
        if with_specs:
            top["decospecs"] = list(with_specs)
        if datastore:
            top["datastore"] = datastore
        try:
            pathspec, code = asyncio.run(_run(Runner, flow_file, params, top, on_line))
        except RemoteFetchError:
            raise
        except Exception as exc:  # noqa: BLE001 - Metaflow refused the command: one line
            raise RemoteFetchError(f"{flow_file}: Metaflow could not start the run: "
                                   f"{_why(exc)}") from None
        imported = None
        if pathspec:
            root = default_root(datastore)[1] if datastore else None
            imported = import_metaflow(store, pathspec, root=root)[0]
    return MetaflowRunResult(pathspec, code, imported)


async def _run(runner_cls: Any, flow_file: str, params: dict[str, str], top: dict[str, Any],
               on_line: LineSink) -> tuple[str | None, int]:
    runner = runner_cls(flow_file, show_output=False, **top)
    try:
        running = await runner.async_run(**_typed(runner, params))

        async def pump(stream: str) -> None:
            async for _, line in running.stream_log(stream):
                on_line(stream, line.rstrip("\n"))

        await asyncio.gather(pump("stdout"), pump("stderr"))
        await running.wait()
        try:
            pathspec = running.run.pathspec
        except Exception:  # noqa: BLE001 - the run never got an id (it failed to start)
            pathspec = None
        return pathspec, int(running.returncode or 0)
    finally:
        runner.cleanup()


def _typed(runner: Any, params: dict[str, str]) -> dict[str, Any]:
    """Command-line text of each parameter converted by the parameter's own click type, as
    ``python flow.py run --name text`` would (the Runner API checks Python types)."""
    from metaflow._vendor.click.types import convert_type  # noqa: PLC0415
    from metaflow.parameters import JSONTypeClass, Parameter  # noqa: PLC0415

    flow_cls = runner.api()._flow_cls
    by_name: dict[str, Any] = {}
    for attr in dir(flow_cls):
        value = getattr(flow_cls, attr, None)
        if isinstance(value, Parameter):
            value.init()
            by_name[value.name.replace("-", "_")] = value
    out: dict[str, Any] = {}
    for name, text in params.items():
        key = name.replace("-", "_")
        param = by_name.get(key)
        ptype = param.kwargs.get("type") if param is not None else None
        if ptype is None or isinstance(ptype, JSONTypeClass):
            out[key] = text
            continue
        try:
            out[key] = convert_type(ptype).convert(text, None, None)
        except Exception as exc:  # noqa: BLE001 - click's BadParameter: one line
            raise RemoteFetchError(f"--param {name}={text}: {exc}") from None
    return out


def _why(exc: BaseException) -> str:
    """The telling part of a failed start: Metaflow's own message from the child's stderr
    (its banner line dropped), else the exception's first line."""
    text = str(exc)
    _, _, err = text.partition("Stderr:")
    lines = [ln.strip() for ln in err.strip().splitlines() if ln.strip()]
    if lines and lines[0].startswith("Metaflow ") and " executing " in lines[0]:
        head = lines[0].split(" executing ", 1)[1].split(None, 1)
        lines[0] = head[1] if len(head) > 1 else ""
    lines = [ln for ln in lines if ln]
    if lines:
        return " ".join(lines)[:300]
    first = text.strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}"
