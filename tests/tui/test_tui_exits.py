"""How the app ends (issue 8/14 item 9): bad input is one line and exit 2; a bug in the app
is a non-zero exit and one line naming the file that holds the traceback."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from tui_helpers import SAMPLES

CRASHING = textwrap.dedent("""
    import sys
    from textual.app import App
    from workbench.cli import main
    from workbench.tui.main_screen import MainScreen

    def boom(self):
        raise RuntimeError("boom in the app")

    MainScreen.refresh_all = boom
    run = App.run
    App.run = lambda self, **kw: run(self, headless=True)
    sys.exit(main(["tui", sys.argv[1], "--store", sys.argv[2]]))
""")


def _tui(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", "tui", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_a_damaged_or_newer_catalog_is_one_line_and_exit_2(workdir):
    store = workdir / "store"
    store.mkdir()
    (store / "catalog.sqlite").write_text("not a database")
    result = _tui(workdir, "churn_flow.py", "--store", str(store))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is corrupt" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr

    shutil.rmtree(store)
    from workbench.engine.api import run_flow

    run_flow(workdir / "churn_flow.py", store=store)
    with sqlite3.connect(store / "catalog.sqlite") as conn:
        conn.execute("PRAGMA user_version = 99")
    result = _tui(workdir, "churn_flow.py", "--store", str(store))
    assert result.returncode == 2 and "newer workbench" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_crash_exits_non_zero_and_names_the_traceback_file(workdir):
    script = workdir / "crash.py"
    script.write_text(CRASHING)
    result = subprocess.run([sys.executable, str(script), str(SAMPLES / "churn_flow.py"),
                             str(workdir / "store")], cwd=workdir, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stdout + result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0 and "RuntimeError: boom in the app" in line, line
    path = Path(line.rsplit("traceback in ", 1)[1].rstrip(")"))
    assert "raise RuntimeError(\"boom in the app\")" in path.read_text()
    assert "Traceback" not in result.stdout
    path.unlink()
