"""A second process reads a run through the client while this process writes it."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

READER = textwrap.dedent("""
    import json, sys
    from workbench.client import Run, MetaflowNotFound, set_store
    set_store(sys.argv[1])
    run = None
    for line in sys.stdin:
        out = {}
        try:
            run = run or Run("LiveFlow/1")
            out["status"] = run.status
            out["steps"] = [s.id for s in run]
            out["tasks"] = {s.id: [t.status for t in s] for s in run}
            out["data"] = None if run.data is None else run.data.answer
        except MetaflowNotFound as exc:
            out["error"] = str(exc)
        print(json.dumps(out), flush=True)
""")


def test_reader_process_sees_progress(builder, store):
    proc = subprocess.Popen([sys.executable, "-c", READER, str(store.root)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask() -> dict:
        proc.stdin.write("?\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    try:
        assert "run LiveFlow/1 not found in " in ask()["error"]
        run = builder.run("LiveFlow")
        assert ask() == {"status": "running", "steps": [], "tasks": {}, "data": None}
        start = builder.task(run, "start", status="running")
        assert ask()["tasks"] == {"start": ["running"]}
        store.catalog.finish_task(start, status="succeeded")
        end = builder.task(run, "end", {"answer": 42})
        seen = ask()
        assert seen["status"] == "running" and seen["steps"] == ["start", "end"]
        assert seen["data"] == 42
        builder.finish(run)
        assert ask()["status"] == "succeeded"
        assert end
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0


TAGGER = textwrap.dedent("""
    import sys
    from workbench.compat.metaflow import Run, metadata, namespace
    metadata(sys.argv[1])
    namespace(None)
    run = Run("LiveFlow/1")
    for i in range(int(sys.argv[3])):
        run.add_tag(f"{sys.argv[2]}-{i}")
""")


def test_processes_tagging_one_run_at_once_lose_no_tag(builder, store):
    """Each tag change reads, changes and writes the run's tags in one transaction (Metaflow's
    local provider re-reads and retries; a plain read-modify-write loses updates)."""
    run = builder.run("LiveFlow")
    builder.finish(run)
    procs = [subprocess.Popen([sys.executable, "-c", TAGGER, str(store.root), f"p{n}", "10"])
             for n in range(4)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    tags = set(store.catalog.get_run("LiveFlow", 1).tags)
    assert tags == {f"p{n}-{i}" for n in range(4) for i in range(10)}
