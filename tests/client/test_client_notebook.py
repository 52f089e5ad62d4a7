"""The loop inside Jupyter: a real IPython kernel executes a notebook (nbclient) that loads
the extension, runs the flow, edits the flow file and spins; the spin cell's HTML output holds
the changed artifact's row. The magics in a terminal IPython print the diff as text."""
from __future__ import annotations

import json
import sys
from html.parser import HTMLParser

import nbformat
import pytest
from nbclient import NotebookClient

FLOW = '''
from metaflow import FlowSpec, step


class Nb(FlowSpec):
    @step
    def start(self):
        self.rows = list(range(5))
        self.next(self.train)

    @step
    def train(self):
        self.score = sum(self.rows) * 1
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    Nb()
'''


class _Text(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)


@pytest.fixture
def kernel_dir(tmp_path, monkeypatch):
    """A kernelspec that starts this interpreter's ipykernel (not whatever `python` is on
    PATH)."""
    spec = tmp_path / "jupyter" / "kernels" / "wbtest"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "workbench test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "wbtest"


def test_a_notebook_session_spins_and_shows_the_diff_as_html(tmp_path, kernel_dir,
                                                            monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "nb_flow.py").write_text(FLOW)
    monkeypatch.setenv("WORKBENCH_STORE", str(work / "store"))
    edited = FLOW.replace("sum(self.rows) * 1", "sum(self.rows) * 3")
    cells = [
        "%load_ext workbench",
        "%wb_flow",  # the only flow file here
        "%wb_run",
        f"from pathlib import Path\nPath('nb_flow.py').write_text({edited!r})",
        "%wb_spin train",
        "%wb_spin nosuchstep",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, kernel_name=kernel_dir, timeout=180,
                   resources={"metadata": {"path": str(work)}}).execute()
    outputs = [cell.outputs for cell in nb.cells]
    assert all(o.get("output_type") != "error" for out in outputs for o in out), outputs
    assert "nb_flow.py" in outputs[1][0]["data"]["text/plain"]
    # one output per magic, its result (rich must not display its text rendering as well)
    assert [[o["output_type"] for o in outputs[i]] for i in (2, 4)] == [["execute_result"]] * 2
    run_html = outputs[2][0]["data"]["text/html"]
    assert "Nb/1" in "".join(_Text(run_html).parts)
    spin = outputs[4][0]["data"]
    page = _Text(spin["text/html"])
    assert "table" in page.tags and "details" in page.tags  # a table, details collapsible
    text = "".join(page.parts)
    assert "Nb/2" in text and "score" in text and "changed" in text
    assert "10" in text and "30" in text  # before and after
    assert "score" in spin["text/plain"]  # a terminal front end gets the diff as text
    bad = outputs[5]
    assert bad[0]["output_type"] == "stream"
    assert bad[0]["text"].startswith("workbench: error:") and "nosuchstep" in bad[0]["text"]


def test_the_magics_in_a_terminal_ipython(tmp_path, monkeypatch, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    (tmp_path / "nb_flow.py").write_text(FLOW)
    (tmp_path / "other_flow.py").write_text(FLOW.replace("class Nb", "class Other"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "store"))
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "workbench")
        assert shell.run_line_magic("wb_run", "") is None  # two flow files: which one?
        assert "say which flow" in capsys.readouterr().out
        shell.run_line_magic("wb_flow", "nb_flow.py")
        ran = shell.run_line_magic("wb_run", "")
        assert ran.successful
        (tmp_path / "nb_flow.py").write_text(FLOW.replace("* 1", "* 2"))
        spun = shell.run_line_magic("wb_spin", "train --set rows=[1,2]")
        assert spun.successful
        assert spun.task.data.score == 6  # the --set value, then the edit
        from IPython.lib.pretty import pretty

        shown = pretty(spun)
        assert "score" in shown and "changed" in shown
        resumed = shell.run_line_magic("wb_resume", "train")
        assert resumed.successful
        assert "train" in pretty(resumed.run)
    finally:
        InteractiveShell.clear_instance()
