"""``workbench serve FLOW.py``: keep a flow warm for ``workbench spin`` (``engine.handoff``)."""
from __future__ import annotations

import argparse
import os
import signal
from typing import Any

from rich.text import Text

from ..engine import protocol as P
from ..store.paths import resolve_store_dir
from .console import safe, stderr_console

EXIT_OK, EXIT_USAGE = 0, 2


def _notes(console: Any) -> Any:
    """The worker loop's own event stream, as lines a person reads (its warnings, errors)."""
    from ..engine.worker import LineStream

    def show(line: str) -> None:
        try:
            event = P.decode(line)
        except P.ProtocolError:
            return
        if isinstance(event, P.WorkerLog) and event.line.strip():
            console.print(Text(safe(event.line), style="yellow"))
        elif isinstance(event, P.Error):
            console.print(Text(f"error: {safe(event.message)}", style="red"))

    return LineStream(show)


def cmd_serve(args: argparse.Namespace) -> int:
    from ..engine.handoff import HandoffServer
    from ..engine.worker import WorkerLoop
    from ..flow import load_flow
    from .app import UsageError

    flow = os.path.abspath(args.flow)
    if not os.path.isfile(flow):
        raise UsageError(f"{args.flow}: no such flow file")
    load_flow(flow, args.flow_name)  # a flow that cannot load is one clear line, exit 2
    store = str(resolve_store_dir(args.store))
    server = HandoffServer.listen(flow, store, args.flow_name)
    if server is None:
        raise UsageError(f"{args.flow}: already served for this store (the app or another "
                         "`workbench serve` is open), or no private directory for the socket")
    console = stderr_console()

    def handed_off(argv: list[str], code: int, seconds: float) -> None:
        words = " ".join(a for a in argv if a != flow)
        console.print(Text.assemble((safe(words), "bold"), "  ",
                                    ("exit 0" if code == 0 else f"exit {code}",
                                     "green" if code == 0 else "red"),
                                    (f"  in {seconds * 1000:.0f} ms", "dim")))

    loop = WorkerLoop(flow, store, args.flow_name, _notes(console), commands_fd=None,
                      on_handed_off=handed_off)
    loop.handoff = server
    console.print(Text.assemble(("serving ", "bold"), (safe(args.flow), "bold cyan"),
                                (f" warm on {server.path}", "dim"),
                                "\n`workbench spin ", safe(args.flow),
                                " STEP` is answered here; ctrl+c stops"))
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a terminated server removes its socket too
    try:
        loop.serve(listen=False)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return EXIT_OK
