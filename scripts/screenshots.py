"""Drive the app headlessly and write screenshots: ``python scripts/screenshots.py [OUT_DIR]``.

Builds a store in a temporary directory with the real engine (a churn run, an edit of
``train`` and a spin of it, a second run with other parameters, the broken sample flow),
then opens the app at 120x36 and saves ``screenshots/*.svg``, plus ``.png`` files when
``rsvg-convert`` is installed (``apt-get install librsvg2-bin fonts-firacode``).

``screenshots/card.png`` (the report's card as ``workbench card`` writes it) and
``screenshots/notebook.png`` (a notebook session a real IPython kernel executes, with
nbclient from the test extra) are drawn by headless Chromium (``apt-get install chromium``);
without it they are left as they were.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

REPO = Path(__file__).resolve().parents[1]
SIZE = (120, 36)


def build_store(work: Path) -> None:
    from workbench.engine.api import run_flow, spin_step

    for name in ("churn_flow.py", "broken_flow.py", "report_flow.py", "pipeline_flow.py"):
        shutil.copy(REPO / "sample_flows" / name, work / name)
    store = work / ".workbench"
    run_flow(work / "churn_flow.py", {}, store=store)
    flow = work / "churn_flow.py"
    flow.write_text(flow.read_text().replace("for _ in range(300):", "for _ in range(900):"))
    spin_step(flow, "train", store=store)
    run_flow(flow, {"n_customers": "12000", "seed": "11"}, store=store)
    # run --reuse: start and features come from run 1, train from the spin (same code, same
    # inputs), pick_best and end run
    run_flow(flow, {}, store=store, reuse=True)
    run_flow(work / "broken_flow.py", {}, store=store)
    run_flow(work / "report_flow.py", {}, store=store)
    for seed in (3, 5, 8):
        run_flow(work / "pipeline_flow.py", {"seed": str(seed)}, store=store)
    freeze(store)
    run_under_metaflow(work, "report_flow.py")


def run_under_metaflow(work: Path, flow: str) -> None:
    """The same flow run by real Metaflow (a local datastore in ``work``), when it is
    installed: the app's import screenshots read it."""
    import importlib.util

    if importlib.util.find_spec("metaflow") is None:
        return
    env = {**os.environ, "METAFLOW_DEFAULT_DATASTORE": "local",
           "METAFLOW_DEFAULT_METADATA": "local", "USER": os.environ.get("USER") or "you"}
    os.environ.update({k: env[k] for k in ("METAFLOW_DEFAULT_DATASTORE",
                                           "METAFLOW_DEFAULT_METADATA", "USER")})
    subprocess.run([sys.executable, flow, "run"], cwd=work, env=env, check=True,
                   capture_output=True)


def freeze(store_dir: Path) -> None:
    """Readable, stable times: runs a minute apart, this morning."""
    from workbench.store import Store

    catalog = Store(store_dir, create=False).catalog
    base = time.mktime(time.localtime()[:3] + (9, 30, 0, 0, 0, -1))
    for flow in catalog.list_flows():
        for run in catalog.list_runs(flow):
            start = base + run.number * 97
            took = 0.05 if run.kind == "spin" else 0.4 + 0.07 * run.number
            catalog.update_run(run.id, started_at=start, finished_at=start + took,
                               heartbeat_at=start + took)
            for task in catalog.list_tasks(run.id):
                if task.started_at is not None and task.finished_at is not None:
                    offset = task.started_at - run.started_at
                    catalog.update_task(task.id, started_at=start + offset,
                                        finished_at=start + offset + task.finished_at
                                        - task.started_at)


async def wait(pilot, predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("screen did not get ready")
        await pilot.pause(0.05)


async def settle(pilot) -> None:
    from textual.worker import WorkerState

    app = pilot.app
    for _ in range(200):
        if not [w for w in app.workers if w.group != "engine"
                and w.state in (WorkerState.PENDING, WorkerState.RUNNING)]:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)


def app_for(work: Path, flow: str):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(work / flow, store=work / ".workbench")
    app.animation_level = "none"
    return app


async def shoot(work: Path, out: Path) -> list[Path]:
    from workbench.tui.widgets.panes import ArtifactsTable

    shots: list[Path] = []

    def save(app, name: str) -> None:
        path = out / f"{name}.svg"
        app.save_screenshot(str(path))
        shots.append(path)

    # 1. main screen after a run, 2. the diff after a spin, 3. a comparison
    app = app_for(work, "churn_flow.py")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.select_run(1)
        await pilot.press("j", "j")
        await settle(pilot)
        save(app, "main")
        app.action_show_tab("source")  # train changed since run 1: what ran against now
        await settle(pilot)
        save(app, "source_diff")
        app.action_show_tab("logs")

        app.select_run(2)
        await settle(pilot)
        app.action_show_tab("diff")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        save(app, "diff")

        app.select_run(1)
        await settle(pilot)
        app.action_mark()
        app.select_run(3)
        await settle(pilot)
        await pilot.press("c")
        await wait(pilot, lambda: getattr(app.screen, "comparison", None) is not None)
        await settle(pilot)
        save(app, "compare")
        await pilot.press("escape")

        # 4. a DataFrame preview
        app.select_run(1)
        await pilot.press("k", "k")  # back to start
        await settle(pilot)
        table = app.query_one(ArtifactsTable)
        table.focus()
        await pilot.press("enter")
        await wait(pilot, lambda: bool(app.screen.query("#rows-table")))
        await settle(pilot)
        save(app, "preview")
        await pilot.press("escape")

        await pilot.press("question_mark")
        await settle(pilot)
        save(app, "help")
        await pilot.press("escape")

        app.select_run(4)  # the run --reuse
        await settle(pilot)
        app.action_focus_pane("flow")
        await pilot.press("j", "j")  # train: split 0 reused from the spin, the others ran
        app.action_show_tab("task")
        await settle(pilot)
        save(app, "reuse")

    # 5. a failed step with its traceback
    app = app_for(work, "broken_flow.py")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        app.action_show_tab("task")
        await settle(pilot)
        save(app, "failed")

    # 6. a 20-step flow, one line per step, and its metrics across runs
    app = app_for(work, "pipeline_flow.py")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"jjjjjjjjjjjjjj")  # pick_best
        await settle(pilot)
        save(app, "dense_dag")
        await pilot.press("M")
        await wait(pilot, lambda: bool(getattr(app.screen, "rows", None)))
        await settle(pilot)
        save(app, "metrics")

    # 7. branches and a join, on a small terminal
    app = app_for(work, "report_flow.py")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "l")
        await settle(pilot)
        save(app, "small_80x24")

    # 8. the report step's card in the Card tab (5), the bottom panel maximised
    app = app_for(work, "report_flow.py")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "5", "t", "z")
        await settle(pilot)
        save(app, "card_tab")

    # 9. a run Metaflow executed, imported from the app (I), beside workbench's own run
    if (work / ".metaflow").is_dir():
        app = app_for(work, "report_flow.py")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("I")
            await settle(pilot)
            save(app, "metaflow_import_form")
            await pilot.press("ctrl+s")
            await wait(pilot, lambda: app.selected_run == 2, timeout=120)
            await settle(pilot)
            save(app, "metaflow_import")
            await pilot.press("escape")
            await settle(pilot)
            save(app, "metaflow_run")
    else:
        print("no real Metaflow here: the Metaflow screenshots are left as they were")
    return shots


TEXT = re.compile(r'<text ([^>]*?)x="([0-9.]+)"([^>]*?)textLength="([0-9.]+)"([^>]*)>([^<]*)</text>')


def one_cell_per_glyph(svg_text: str) -> str:
    """Each character its own ``<text>`` at its cell's column: rsvg-convert ignores
    ``textLength``, so a run of glyphs narrower than a cell (Fira Code's box drawing) would
    end short of the cells that follow it. Browsers honour ``textLength``; the committed SVG
    stays as Textual wrote it."""
    def split(m: re.Match) -> str:
        before, x, middle, length, after, body = m.groups()
        chars = re.findall(r"&#?[0-9a-zA-Z]+;|.", body)
        if len(chars) < 2:
            return m.group(0)
        cell = float(length) / len(chars)
        return "".join(
            f'<text {before}x="{float(x) + i * cell:.1f}"{middle}textLength="{cell:.1f}"'
            f'{after}>{ch}</text>' for i, ch in enumerate(chars) if ch != "&#160;")
    return TEXT.sub(split, svg_text)


def to_png(svg: Path) -> Path | None:
    """Render with rsvg-convert, one glyph per cell (see ``one_cell_per_glyph``)."""
    if shutil.which("rsvg-convert") is None:
        return None
    fixed = svg.with_suffix(".tmp.svg")
    fixed.write_text(one_cell_per_glyph(svg.read_text()))
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", str(fixed), "-o", str(png)], check=True)
    fixed.unlink()
    return png


CHROMIUM = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars")


def page_png(html: Path, png: Path, size: tuple[int, int]) -> bool:
    """A page as the browser draws it (Debian's chromium, headless), or False without one."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return False
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *CHROMIUM, f"--user-data-dir={profile}",
                        f"--window-size={size[0]},{size[1]}", f"--screenshot={png}",
                        html.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    return True


NOTEBOOK_CELLS = [
    ("markdown", "The loop in Jupyter: run the flow once, edit a step in your editor, spin it."),
    ("code", "%load_ext workbench\n%wb_flow report_flow.py"),
    ("code", "%wb_run --param top=4"),
    ("code", 'import workbench\n'
             'step = workbench.inputs("report_flow.py", "by_region")  # by_region\'s self\n'
             'step.orders.groupby("region")["units"].sum()'),
    ("markdown", "*`by_region` edited in the editor: count the units sold, not the orders.*"),
    ("code", "%wb_spin by_region"),
]
NOTEBOOK_EDIT = ('orders=("units", "size")', 'orders=("units", "sum")')
NOTEBOOK_CSS = """body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;
margin:18px 28px;font-size:14px;color:#1f2328}.cell{display:flex;margin:10px 0}
.prompt{width:70px;color:#6e7781;font-family:monospace;font-size:12px;padding-top:6px}
.body{flex:1;min-width:0}pre.src{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;
padding:6px 8px;margin:0;font-size:13px}.out{padding:6px 2px}.md{font-size:15px;padding:4px 0}
"""


def notebook_page(work: Path, out: Path) -> Path | None:
    """Execute a notebook session with a real kernel (nbclient), edit the flow between its
    cells as a user would in an editor, and lay the cells and their outputs out as a page."""
    import html
    import json as _json

    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        print("nbclient is not installed: no notebook screenshot")
        return None
    spec = work / "jupyter" / "kernels" / "wbshots"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(_json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "workbench", "language": "python"}))
    os.environ["JUPYTER_PATH"] = str(work / "jupyter")
    nb_dir = work / "notebook"
    nb_dir.mkdir()
    shutil.copy(REPO / "sample_flows" / "report_flow.py", nb_dir / "report_flow.py")
    os.environ["WORKBENCH_STORE"] = str(nb_dir / ".workbench")
    cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown"
             else nbformat.v4.new_code_cell(src) for kind, src in NOTEBOOK_CELLS]
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = NotebookClient(notebook, kernel_name="wbshots", timeout=180,
                            resources={"metadata": {"path": str(nb_dir)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "markdown" and "edited" in cell.source:
                flow = nb_dir / "report_flow.py"
                flow.write_text(flow.read_text().replace(*NOTEBOOK_EDIT))
            client.execute_cell(cell, index)
    os.environ.pop("WORKBENCH_STORE", None)
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(f"<div class='cell'><div class='prompt'></div><div class='body md'>"
                         f"{html.escape(cell.source).replace('*', '')}</div></div>")
            continue
        outputs = []
        for output in cell.outputs:
            data = output.get("data", {})
            if "text/html" in data:
                outputs.append(data["text/html"])
            elif "text/plain" in data:
                outputs.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
            elif output.get("text"):
                outputs.append(f"<pre>{html.escape(output['text'])}</pre>")
        prompt = f"In [{cell.execution_count}]:"
        parts.append(f"<div class='cell'><div class='prompt'>{prompt}</div><div class='body'>"
                     f"<pre class='src'>{html.escape(cell.source)}</pre>"
                     f"<div class='out'>{''.join(outputs)}</div></div></div>")
    page = nb_dir / "session.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{NOTEBOOK_CSS}"
                    f"</style></head><body>{''.join(parts)}</body></html>")
    return page


def pages(work: Path, out: Path) -> None:
    """screenshots/card.png (the report's card as ``workbench card`` writes it) and
    screenshots/notebook.png (a notebook session), drawn by a headless browser."""
    from workbench.cli import main as cli_main

    card = work / "card.html"
    cli_main(["card", "SalesReportFlow/1/report", "--store", str(work / ".workbench"),
              "-o", str(card)])
    if not page_png(card, out / "card.png", (1000, 1250)):
        print("no chromium here: the card and notebook screenshots are left as they were")
        return
    print("wrote screenshots/card.png")
    session = notebook_page(work, out)
    if session is not None and page_png(session, out / "notebook.png", (1000, 990)):
        print("wrote screenshots/notebook.png")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="workbench-shots-") as tmp:
        work = Path(tmp)
        here = os.getcwd()
        os.chdir(work)
        try:
            build_store(work)
            shots = asyncio.run(shoot(work, out))
            pages(work, out)
        finally:
            os.chdir(here)
    for svg in shots:
        png = to_png(svg)
        print(f"wrote {svg.relative_to(out.parent) if out.parent in svg.parents else svg}"
              + (f" and {png.name}" if png else ""))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main(sys.argv[1:]))
