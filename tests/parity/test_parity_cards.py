"""Cards: a flow using ``@card`` and ``metaflow.cards`` runs unchanged under workbench and
under real Metaflow 2.19, and both HTML cards hold the same components.

Both cards are read as a user's script reads them (``get_cards(task)``, ``Card.get()``) and
parsed with ``html.parser``: Metaflow's page carries its card JSON base64-encoded in a script
(its JavaScript draws the page from it); workbench's carries the same JSON in a
``<script type="application/json">`` element and draws the page as HTML itself, which is
parsed too. Component ids are random on both sides and are left out; so are the times and
the tags, which differ by nature.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from parity_helpers import FLOWS, HERE, _env, metaflow_python

pytestmark = pytest.mark.xdist_group("parity-cards")

READER = HERE / "card_reader.py"
FLOW = "cards_flow.py"
FLOW_NAME = "ParityCardsFlow"


class Page(HTMLParser):
    """A page's scripts, its elements (tag, attributes) and its visible text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._script: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def metaflow_document(html: str) -> dict:
    for _attrs, text in Page(html).scripts:
        found = re.search(r'window\.__MF_DATA__\[".*?"\]\s*=\s*"([^"]*)"', text)
        if found:
            return json.loads(base64.b64decode(found.group(1)))
    raise AssertionError("no card data in Metaflow's page")


def workbench_document(html: str) -> dict:
    for attrs, text in Page(html).scripts:
        if attrs.get("type") == "application/json" and attrs.get("id") == "workbench-card-data":
            return json.loads(text)
    raise AssertionError("no card data in workbench's page")


def _run_and_read(system: str, root: Path) -> dict:
    work = root / system
    shutil.copytree(FLOWS, work)
    env = _env(system, work)
    python = sys.executable if system == "workbench" else metaflow_python()
    launcher = [python, "-m", "workbench"] if system == "workbench" else [python]
    proc = subprocess.run([*launcher, FLOW, "run"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    extra = [str(work / ".workbench")] if system == "workbench" else []
    read = subprocess.run([python, str(READER), system, FLOW_NAME, *extra], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120)
    assert read.returncode == 0, read.stdout + read.stderr
    return json.loads(read.stdout)


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    root = tmp_path_factory.mktemp("cards")
    cache: dict[str, dict] = {}

    def get(system: str) -> dict:
        if system == "metaflow" and metaflow_python() is None:
            pytest.skip("real Metaflow is not installed: pip install -e '.[test,parity]'")
        if system not in cache:
            cache[system] = _run_and_read(system, root)
        return cache[system]
    return get


def _no_ids(value):
    if isinstance(value, dict):
        return {k: _no_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_no_ids(v) for v in value]
    return value


def _png_size(src: str) -> tuple[int, int]:
    raw = base64.b64decode(src.split(",", 1)[1])
    assert raw.startswith(b"\x89PNG")
    return int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")


def _comparable(component):
    """A component as both systems must agree on it: images by label and pixel size."""
    if isinstance(component, dict) and component.get("type") == "image":
        return {"type": "image", "label": component.get("label"),
                "size": _png_size(component["src"])}
    if isinstance(component, dict):
        return {k: _comparable(v) for k, v in component.items()}
    if isinstance(component, list):
        return [_comparable(v) for v in component]
    return component


def _sections(document: dict) -> dict:
    page = document["components"][-1]
    assert page["type"] == "page"
    return {section.get("title"): section for section in page["contents"]}


def test_cards_under_workbench_hold_every_component_as_html(cards):
    read = cards("workbench")
    assert [(c["type"], c["id"]) for c in read["start"]] == [("default", None)]
    assert [(c["type"], c["id"]) for c in read["end"]] == [("blank", "summary")]
    html = read["start"][0]["html"]
    page = Page(html)
    tags = [tag for tag, _ in page.elements]
    text = "".join(page.text)
    # the step's components, drawn: markdown as headings, tables, an embedded image...
    assert "Report" in text and tags.count("h1") >= 2  # the pathspec title and "# Report"
    assert "Rate is " in text and "0.25" in text
    assert "<b>stays text</b>" in text and "<i>& friends</i>" in text  # markup stays text
    cells = [t for t in page.text if t.startswith("<b>")]  # the frame's cells, as text
    assert cells[:5] == ["<b>0</b>", "<b>1</b>", "<b>2</b>", "<b>3</b>", "<b>4</b>"]
    images = [attrs for tag, attrs in page.elements if tag == "img"]
    assert len(images) == 1 and images[0]["src"].startswith("data:image/png;base64")
    assert images[0]["alt"] == "a line"
    assert any(tag == "progress" and attrs.get("value") == "15.0" for tag, attrs in page.elements)
    assert "a caught error" in text and "ValueError('shown, not raised')" in text
    assert "Vega-Lite bar chart" in text  # a chart shows its data: no script, no network
    assert not any(tag == "script" and attrs.get("src") for tag, attrs in page.elements)
    assert not any(attrs.get("href", "").startswith("http") for _, attrs in page.elements)
    # ...and the default card's sections, as Metaflow's
    assert list(_sections(workbench_document(html))) == [
        None, "Task Metadata", "Task Code", "Flow Parameters", "Artifacts", "Tabular Data",
        "DAG"]


def test_cards_hold_the_same_components_as_metaflow(cards):
    ours, theirs = cards("workbench"), cards("metaflow")
    assert {s: [(c["type"], c["id"]) for c in v] for s, v in ours.items()} == \
        {s: [(c["type"], c["id"]) for c in v] for s, v in theirs.items()}
    for step in ours:
        for mine, real in zip(ours[step], theirs[step]):
            a = _no_ids(workbench_document(mine["html"]))
            b = _no_ids(metaflow_document(real["html"]))
            if mine["type"] == "blank":
                assert _comparable(a["components"]) == _comparable(b["components"]), step
                continue
            assert a["components"][0] == {"type": "title", "text": a["metadata"]["pathspec"]}
            assert b["components"][0]["type"] == "title"
            mine_sections, real_sections = _sections(a), _sections(b)
            assert list(mine_sections) == list(real_sections)
            # the step's own components: every one, in order, equal
            assert _comparable(mine_sections[None]) == _comparable(real_sections[None])
            for title in ("Task Code", "Flow Parameters", "Tabular Data", "DAG"):
                assert mine_sections[title] == real_sections[title], title
            table = mine_sections["Task Metadata"]["contents"][0]
            assert table["columns"] == real_sections["Task Metadata"]["contents"][0]["columns"]

            def by_name(section):
                return {e["name"]: e for e in section["contents"][0]["data"]}
            assert by_name(mine_sections["Artifacts"]) == by_name(real_sections["Artifacts"])
