"""Importing from an S3 datastore: real Metaflow writes to a real S3-compatible server (moto's
server mode on 127.0.0.1); workbench imports with ``--root s3://...`` and fetches lazily."""
from __future__ import annotations

import json
import shutil
import sys

import pytest

pytest.importorskip("metaflow", reason="the parity extra (real Metaflow) is not installed")
from test_metaflow_import import FLOWS, _env, _sh, wb  # noqa: E402

pytestmark = pytest.mark.xdist_group("metaflow_import_s3")


@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible server (moto's server mode) on 127.0.0.1 with one bucket."""
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    boto3 = pytest.importorskip("boto3")
    import logging  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    creds = dict(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                 AWS_DEFAULT_REGION="us-east-1")
    boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing"
                 ).create_bucket(Bucket="mf-bucket")
    yield {"METAFLOW_S3_ENDPOINT_URL": url, **creds}
    server.stop()


def test_import_from_an_s3_datastore(tmp_path, s3_server):
    """Metaflow writes to S3 (moto); workbench imports with --root s3://..., fetches lazily."""
    for flow in FLOWS.glob("*.py"):
        shutil.copy(flow, tmp_path / flow.name)
    env = _env(tmp_path, METAFLOW_DEFAULT_DATASTORE="s3",
               METAFLOW_DATASTORE_SYSROOT_S3="s3://mf-bucket/metaflow", **s3_server)
    _sh(tmp_path, sys.executable, "import_small_flow.py", "run", env=env)
    assert not (tmp_path / ".metaflow" / "ImportSmallFlow" / "data").exists()
    out = json.loads(wb(tmp_path, "import-metaflow", "ImportSmallFlow", "--root",
                        "s3://mf-bucket/metaflow", "--json", env=env).stdout)[0]
    # without --root, Metaflow's configuration (here its environment variables) says where
    where = _sh(tmp_path, sys.executable, "-c",
                "from workbench.compat.metaflow_fetch import default_root, real_metaflow\n"
                "with real_metaflow():\n    print(*default_root())", env=env).stdout.split()
    assert where == ["s3", "s3://mf-bucket/metaflow"]
    blobs = tmp_path / ".workbench" / "blobs"
    assert not any(p.is_file() for p in blobs.rglob("*"))  # nothing copied up front
    show = json.loads(wb(tmp_path, "show", f"{out['pathspec']}/end", "--json",
                         env=env).stdout)
    assert [t["status"] for t in show["tasks"]] == ["succeeded"]
    script = (f"from workbench.client import Run\n"
              f"r = Run({out['pathspec']!r})\n"
              f"print(r['end'].task.data.total, r['end'].task.data.squares)")
    assert _sh(tmp_path, sys.executable, "-c", script, env=env).stdout.split() == \
        ["5", "[1,", "4]"]
    assert any(p.is_file() for p in blobs.rglob("*"))  # fetched on first use, now stored
    assert "small start" in wb(tmp_path, "logs", f"{out['pathspec']}/start", env=env).stdout
    spun = json.loads(wb(tmp_path, "spin", "import_small_flow.py", "end", "--run",
                         str(out["run"]), "--json", env=env).stdout)
    assert spun["status"] == "succeeded"
    assert all(d["change"] == "unchanged" for d in spun["diff"])
