"""Importing Metaflow runs: how long an import takes, and what the first load of a big artifact
from S3 costs against Metaflow's own client.

    python benchmarks/metaflow_import.py

Needs the parity extra (real Metaflow, boto3, moto[server]). Two figures, each beside its
target (issue 14):
  import 100 tasks   `import_metaflow` of a run of 100 tasks (a 97-split foreach) from a local
                     datastore, artifacts left as pointers          target < 2 s
  first 100 MB load  a fresh 100 MB float array (no dedup) written by Metaflow to an S3
                     server (moto, 127.0.0.1): Metaflow's client `task.data.big` in a fresh
                     process with an empty client cache, against workbench's first load of
                     the imported artifact in a fresh process; median of 5 alternating
                     rounds                                          target: ours <= theirs
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

WIDE_FLOW = '''
from metaflow import FlowSpec, step

class BenchImportFlow(FlowSpec):
    @step
    def start(self):
        self.items = list(range(97))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.sq = self.input ** 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.sq for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    BenchImportFlow()
'''

BIG_FLOW = '''
import numpy as np
from metaflow import FlowSpec, step

class BenchBigFlow(FlowSpec):
    @step
    def start(self):
        self.big = np.random.default_rng().random(100 * 1024 * 1024 // 8)
        self.next(self.end)

    @step
    def end(self):
        pass

if __name__ == "__main__":
    BenchBigFlow()
'''


ROUNDS = 5
# Undo a first load: the imported artifact points at Metaflow's datastore again and the
# fetched blob is gone, so the next load is a first load too.
FORGET = """
from workbench.store import Store
store = Store(".workbench")
for (pointer, resolved) in store.catalog._all(
        "SELECT key, resolved FROM remote_blobs WHERE resolved IS NOT NULL"):
    with store.catalog._write() as conn:
        conn.execute("UPDATE artifacts SET key = ? WHERE key = ?", (pointer, resolved))
        conn.execute("UPDATE remote_blobs SET resolved = NULL WHERE key = ?", (pointer,))
    store.blobs.path(resolved).unlink()
"""


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METAFLOW_", "WORKBENCH_"))}
    env.update(USER="bench", USERNAME="bench", METAFLOW_DEFAULT_DATASTORE="local",
               METAFLOW_DEFAULT_METADATA="local", METAFLOW_HOME=str(workdir / "mfhome"),
               METAFLOW_CLIENT_CACHE_PATH=str(workdir / "mfcache"),
               WORKBENCH_STORE=str(workdir / ".workbench"))
    env.update(extra)
    return env


def _run(workdir: Path, args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def bench_import(root: Path) -> float:
    workdir = root / "wide"
    workdir.mkdir()
    (workdir / "wide_flow.py").write_text(WIDE_FLOW)
    env = _env(workdir)
    _run(workdir, [sys.executable, "wide_flow.py", "run", "--max-workers", "4"], env)
    script = textwrap.dedent("""
        import time
        from workbench.compat.metaflow_fetch import real_metaflow
        from workbench.compat.metaflow_import import import_metaflow
        from workbench.store import Store
        with real_metaflow():
            import metaflow.plugins  # importing Metaflow itself is not the import's cost
        store = Store(".workbench")
        t = time.perf_counter()
        done = import_metaflow(store, "BenchImportFlow")
        seconds = time.perf_counter() - t
        print(seconds, len(store.catalog.list_tasks(done[0].run.id)))
    """)
    seconds, tasks = _run(workdir, [sys.executable, "-c", script], env).split()
    assert int(tasks) == 100, tasks
    return float(seconds)


def bench_big_load(root: Path) -> tuple[float, float]:
    import boto3  # noqa: PLC0415
    from moto.server import ThreadedMotoServer  # noqa: PLC0415
    import logging  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                     aws_access_key_id="testing", aws_secret_access_key="testing"
                     ).create_bucket(Bucket="bench")
        workdir = root / "big"
        workdir.mkdir()
        (workdir / "big_flow.py").write_text(BIG_FLOW)
        env = _env(workdir, METAFLOW_DEFAULT_DATASTORE="s3",
                   METAFLOW_DATASTORE_SYSROOT_S3="s3://bench/mf", METAFLOW_S3_ENDPOINT_URL=url,
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_DEFAULT_REGION="us-east-1")
        _run(workdir, [sys.executable, "big_flow.py", "run"], env)
        info = json.loads(_run(workdir, [sys.executable, "-m", "workbench", "import-metaflow",
                                         "BenchBigFlow", "--json"], env))[0]
        theirs = textwrap.dedent(f"""
            import time
            from metaflow import Run, namespace
            namespace(None)
            task = Run({info['metaflow']!r})["start"].task
            t = time.perf_counter()
            value = task.data.big
            print(time.perf_counter() - t, value.nbytes)
        """)
        ours = textwrap.dedent(f"""
            import time
            from workbench.client import Run
            from workbench.compat.metaflow_fetch import real_metaflow
            with real_metaflow():
                import metaflow.plugins  # both sides start with Metaflow imported
            task = Run({info['pathspec']!r})["start"].task
            t = time.perf_counter()
            value = task.data.big
            print(time.perf_counter() - t, value.nbytes)
        """)
        times_theirs, times_ours = [], []
        for _ in range(ROUNDS):  # alternating, each a first load (caches emptied)
            shutil.rmtree(workdir / "mfcache", ignore_errors=True)
            t_theirs, n1 = _run(workdir, [sys.executable, "-c", theirs], env).split()
            _run(workdir, [sys.executable, "-c", FORGET],
                 env)
            t_ours, n2 = _run(workdir, [sys.executable, "-c", ours], env).split()
            assert n1 == n2, (n1, n2)
            times_theirs.append(float(t_theirs))
            times_ours.append(float(t_ours))
        return statistics.median(times_theirs), statistics.median(times_ours)
    finally:
        server.stop()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wb-bench-import-") as tmp:
        root = Path(tmp)
        seconds = bench_import(root)
        print(f"import 100 tasks     {seconds:7.3f} s    target < 2 s   "
              f"{'ok' if seconds < 2 else 'MISSED'}")
        theirs, ours = bench_big_load(root)
        print(f"first 100 MB load    workbench {ours:.3f} s, Metaflow's client {theirs:.3f} s"
              f"    target: workbench <= Metaflow   {'ok' if ours <= theirs else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
