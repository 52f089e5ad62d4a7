"""Cards through the real CLI: a run makes them, ``workbench card`` writes them as pages, a
spin makes new ones, a resume reads its source's, gc drops a deleted run's, and the client,
``get_cards`` inside a step, and every bad input behave."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

FLOW = '''
from metaflow import FlowSpec, Parameter, card, current, step
from metaflow.cards import Markdown, Table, Image, Artifact, MetaflowCardComponent, get_cards

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000030000000208060000009d74666a"
                    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


class Broken(MetaflowCardComponent):
    def render(self):
        raise RuntimeError("cannot draw")


class CardsFlow(FlowSpec):
    gain = Parameter("gain", default=2)

    @card
    @step
    def start(self):
        self.value = 10 * self.gain
        self.evil = "\\x1b[31mred\\x1b[0m <script>alert(1)</script> [bold]x[/bold]"
        current.card.append(Markdown("# Value %d" % self.value))
        current.card.append(Markdown(self.evil))
        current.card.append(Table([[self.evil, Artifact([1, 2])]], headers=["evil", "art"]))
        current.card.append(Image(PNG, label="dot"))
        current.card.append(Broken())
        self.items = [1, 2]
        self.next(self.each, foreach="items")

    @card(type="blank", id="one")
    @card(type="blank", id="two")
    @step
    def each(self):
        current.card["one"].append(Markdown("split %d" % self.input))
        current.card["two"] = [Markdown("two of %d" % self.input)]
        current.card.append(Markdown("ambiguous"))  # two editable cards with ids: a warning
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        from metaflow import Flow
        start = Flow(current.flow_name)[current.run_id]["start"].task
        self.seen = [c.type for c in get_cards(start)]
        self.seen_by_path = len(get_cards(start.pathspec))
'''


class Page(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self._skip = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._skip = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _flow(tmp_path: Path, text: str = FLOW) -> Path:
    path = tmp_path / "cards_flow.py"
    path.write_text(text)
    return path


def _card(cli, *args):
    result = cli("card", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_run_makes_cards_and_card_writes_them_as_pages(cli, tmp_path, store_dir):
    flow = _flow(tmp_path)
    run = cli("run", flow)
    assert run.returncode == 0, run.stderr
    # current.card.append with two id'd editable cards warns, as Metaflow, and fails nothing
    assert "cannot disambiguate between multiple editable cards" in run.stdout + run.stderr
    info = _card(cli, "CardsFlow/1/start")
    assert info["type"] == "default" and info["id"] is None
    page = Page(Path(info["path"]).read_text())
    text = "".join(page.text)
    assert "Value 20" in text
    images = [a for t, a in page.tags if t == "img"]
    assert images and images[0]["src"].startswith("data:image/png;base64") and \
        images[0]["alt"] == "dot"
    from workbench.cardpage import image_facts

    assert image_facts(images[0]["src"])[:3] == ("png", 3, 2)  # the step's bytes, embedded
    # hostile text arrives as text: no escape sequences, no script element, markup visible
    assert "\x1b" not in Path(info["path"]).read_text()
    assert "<script>alert(1)</script>" in text and "[bold]x[/bold]" in text
    assert [t for t, a in page.tags if t == "script"] == ["script"]  # the JSON data only
    assert "Render failed of component named `Broken`" in text and "cannot draw" in text
    # the default card: metadata, code, the parameter, the artifacts
    assert "Flow Parameters" in text and "gain" in text
    assert "value" in text and "def start(self):" in text
    # a step with several tasks: name one; a task with two cards: choose by id or type
    many = cli("card", "CardsFlow/1/each")
    assert many.returncode == 2 and "has 2 tasks; name one" in many.stderr
    assert "Traceback" not in many.stderr and len(many.stderr.strip().splitlines()) == 1
    task = json.loads(cli("show", "CardsFlow/1/each", "--json").stdout)["tasks"][0]
    split = f"CardsFlow/1/each/{task['task_id']}"
    shown = json.loads(cli("show", split, "--json").stdout)
    assert shown["cards"] == [{"type": "blank", "id": "one"}, {"type": "blank", "id": "two"}]
    assert f"cards: blank id=one, blank id=two  (workbench card {split})" in \
        cli("show", split).stdout
    one = _card(cli, split, "--id", "one")
    assert (one["type"], one["id"]) == ("blank", "one")
    text = "".join(Page(Path(one["path"]).read_text()).text)
    assert "split 1" in text and "ambiguous" not in text
    assert "cannot disambiguate" in text  # the warning shows on the card too, as Metaflow's
    two = _card(cli, split, "--id", "two", "-o", str(tmp_path / "two.html"))
    assert two["path"] == str(tmp_path / "two.html") and "two of 1" in \
        (tmp_path / "two.html").read_text()
    # get_cards inside a later step of the same run reads them
    end = json.loads(cli("show", "CardsFlow/1/end", "--json").stdout)["tasks"][0]
    shown = json.loads(cli("show", f"CardsFlow/1/end/{end['task_id']}", "--json").stdout)
    values = {a["name"]: a.get("summary") for a in shown["artifacts"]}
    assert values["seen"] == "['default']" and values["seen_by_path"] == "1"


def test_card_errors_are_one_line_with_exit_2(cli, tmp_path):
    flow = _flow(tmp_path)
    assert cli("run", flow).returncode == 0
    join = json.loads(cli("show", "CardsFlow/1/join", "--json").stdout)["tasks"][0]
    cases = [
        (["CardsFlow/1"], "bad pathspec"),
        (["CardsFlow/9/start"], "not found"),
        ([f"CardsFlow/1/join/{join['task_id']}"], "has no card (add @card to step 'join'"),
        (["CardsFlow/1/start", "--id", "nope"], "has no card matching --id nope; it has: default"),
        (["CardsFlow/1/start", "-o", str(tmp_path)], "is a directory"),
    ]
    for args, expected in cases:
        result = cli("card", *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_spin_makes_new_cards_resume_reads_the_source_and_gc_drops_them(cli, tmp_path,
                                                                          store_dir):
    from workbench.client import Flow
    from workbench.store import Store

    flow = _flow(tmp_path)
    assert cli("run", flow).returncode == 0
    flow.write_text(FLOW.replace('"# Value %d"', '"# Now %d"'))
    spun = cli("spin", flow, "start", "--run", "1", "--json")
    assert spun.returncode == 0, spun.stderr
    runs = Flow("CardsFlow", store=store_dir)
    spin_run = runs[2]
    (task,) = spin_run["start"].tasks()
    [card] = task.cards
    assert any(c.get("source") == "# Now 20" for c in card.components)
    first = runs[1]["start"].task.cards[0]
    assert any(c.get("source") == "# Value 20" for c in first.components)  # kept as it was
    # a resume clones start: its card is the source task's
    resumed = cli("resume", flow, "join", "--run", "1")
    assert resumed.returncode == 0, resumed.stderr
    clone = runs[3]["start"].task
    assert clone.record.cloned_from is not None
    assert [c.type for c in clone.cards] == ["default"]
    assert any(c.get("source") == "# Value 20" for c in clone.cards[0].components)
    # gc: the spin's task row goes, and so does its card file
    store = Store(store_dir)
    path = store.root / "cards" / f"{task.id}.json"
    assert path.exists()
    gc = cli("gc", "CardsFlow", "--keep-spins", "0", "--json")
    assert gc.returncode == 0, gc.stderr
    assert 2 in json.loads(gc.stdout)["removed_runs"]
    assert not path.exists()
    assert (store.root / "cards" / f"{runs[1]['start'].task.id}.json").exists()


def test_a_failed_task_makes_no_card(cli, tmp_path):
    flow = _flow(tmp_path, FLOW.replace('current.card.append(Markdown("# Value %d" % self.value))',
                                        'current.card.append(Markdown("x")); 1 / 0'))
    result = cli("run", flow)
    assert result.returncode == 1
    task = json.loads(cli("show", "CardsFlow/1/start", "--json").stdout)["tasks"][0]
    assert task["status"] == "failed"
    missing = cli("card", f"CardsFlow/1/start/{task['task_id']}")
    assert missing.returncode == 2 and "has no card" in missing.stderr


def test_open_hands_the_page_to_the_browser_and_a_corrupt_card_file_is_one_line(cli, tmp_path,
                                                                                store_dir):
    import sys

    flow = _flow(tmp_path)
    assert cli("run", flow).returncode == 0
    record = tmp_path / "opened.txt"
    opener = tmp_path / "browser.py"
    opener.write_text(f"import sys\nopen({str(record)!r}, 'w').write(sys.argv[1])\n")
    opened = cli("card", "CardsFlow/1/start", "--open", BROWSER=f"{sys.executable} {opener} %s")
    assert opened.returncode == 0, opened.stderr
    path = Path(opened.stdout.strip())
    assert record.read_text() == path.resolve().as_uri() and path.is_file()
    # a card file that is not JSON: one line naming it, nothing else touched
    task = json.loads(cli("show", "CardsFlow/1/start", "--json").stdout)["tasks"][0]
    card_file = store_dir / "cards" / f"{task['task_id']}.json"
    card_file.write_text("{not json")
    broken = cli("card", "CardsFlow/1/start")
    assert broken.returncode != 0 and "corrupt card file" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1 and "Traceback" not in broken.stderr
    assert card_file.read_text() == "{not json"


def test_get_cards_is_part_of_the_compat_client(cli, tmp_path, client):
    from workbench.compat.metaflow import Flow, get_cards, get_namespace, namespace

    flow = _flow(tmp_path)
    assert cli("run", flow).returncode == 0
    before = get_namespace()
    namespace(None)  # (the ``client`` fixture points the client at the test store)
    try:
        _read_cards_through_the_compat_client(Flow, get_cards)
    finally:
        namespace(before)


def _read_cards_through_the_compat_client(Flow, get_cards):
    start = Flow("CardsFlow").latest_run["start"].task
    cards = get_cards(start)
    assert len(cards) == 1 and cards[0].type == "default" and "<html" in cards[0].get()
    assert len(get_cards(start, type="blank")) == 0
    each = list(Flow("CardsFlow").latest_run["each"])[0]
    assert [c.id for c in get_cards(each)] == ["one", "two"]
    assert [c.id for c in get_cards(each, id="two")] == ["two"]
    assert "two of" in get_cards(each, id="two")[0].get()
