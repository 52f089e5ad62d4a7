"""Read a flow's latest run through a Metaflow-style client and print it, normalized, as JSON.

    python reader.py workbench FLOW_NAME STORE_DIR   # workbench.compat.metaflow
    python reader.py metaflow FLOW_NAME              # the real Metaflow client

Both go through the same client calls, so the output also compares the two clients.
Artifacts Metaflow keeps for itself (``_*``, ``name``) are left out; an exception wrapper
becomes (class name, type's last component, first line of the message).
"""
from __future__ import annotations

import json
import sys


def normalize(value):
    if type(value).__name__ in ("Flow", "Run", "Step", "Task", "DataArtifact") and \
            hasattr(value, "pathspec"):  # a client object: its class and step (ids differ)
        parts = value.pathspec.split("/")
        return [type(value).__name__, parts[2] if len(parts) > 2 else None]
    if type(value).__name__ == "MetaflowExceptionWrapper":
        return ["MetaflowExceptionWrapper", value.type.rsplit(".", 1)[-1],
                (value.exception or "").splitlines()[0]]
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


def artifacts(task) -> dict:
    return {art.id: normalize(art.data) for art in task
            if not art.id.startswith("_") and art.id != "name"}


def main() -> None:
    which, flow_name = sys.argv[1], sys.argv[2]
    if which == "workbench":
        from workbench.compat.metaflow import Flow, metadata, namespace

        metadata(sys.argv[3])
    else:
        from metaflow import Flow, namespace
    namespace(None)
    run = Flow(flow_name).latest_run
    steps = {}
    for step in run:
        tasks = [artifacts(task) for task in step]
        steps[step.id] = sorted(tasks, key=lambda t: json.dumps(t, sort_keys=True, default=repr))
    print(json.dumps({
        "successful": run.successful,
        "steps": steps,
        "end": {name: normalize(getattr(run.data, name)) for name in dir(run.data)
                if not name.startswith("_") and name != "name"},
        "stdout": {step.id: sorted(task.stdout for task in step) for step in run},
    }, sort_keys=True, default=repr))


if __name__ == "__main__":
    main()
