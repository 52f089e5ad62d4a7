"""Rules of the loop that once broke: nested branches reach end, --set coerces and refuses
broken literals, and the worker protocol round-trips every message the same on both sides."""
from __future__ import annotations

import pytest

NESTED = """
    from workbench import FlowSpec, step

    class Nested2(FlowSpec):
        @step
        def start(self):
            self.next(self.a, self.b)
        @step
        def a(self):
            self.next(self.aa, self.ab)
        @step
        def aa(self):
            self.v = "aa"
            self.next(self.a_join)
        @step
        def ab(self):
            self.v = "ab"
            self.next(self.a_join)
        @step
        def a_join(self, inputs):
            self.vs = [i.v for i in inputs]
            self.next(self.join)
        @step
        def b(self):
            self.next(self.ba, self.bb)
        @step
        def ba(self):
            self.v = "ba"
            self.next(self.b_join)
        @step
        def bb(self):
            self.v = "bb"
            self.next(self.b_join)
        @step
        def b_join(self, inputs):
            self.vs = [i.v for i in inputs]
            self.next(self.join)
        @step
        def join(self, inputs):
            self.all = sorted(v for i in inputs for v in i.vs)
            self.next(self.end)
        @step
        def end(self):
            pass
"""

PARAMS = """
    from workbench import FlowSpec, Parameter, step

    class Typed(FlowSpec):
        n = Parameter("n", default=3)
        @step
        def start(self):
            self.doubled = self.n * 2
            self.next(self.middle)
        @step
        def middle(self):
            self.out = self.doubled
            self.next(self.end)
        @step
        def end(self):
            pass
"""


def test_nested_branches_run_every_join_and_end(cli, write_flow, client):
    flow = write_flow(NESTED)
    result = cli("run", flow, "--json", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {t["step"] for t in result.json()["tasks"]}
    assert {"a_join", "b_join", "join", "end"} <= steps
    run = client.Flow("Nested2").latest_run
    assert run.successful and run["join"].task.data.all == ["aa", "ab", "ba", "bb"]
    # a branch join gets its inputs in the order the split names its branches
    assert run["a_join"].task.data.vs == ["aa", "ab"]
    assert run["b_join"].task.data.vs == ["ba", "bb"]
    resumed = cli("resume", flow, "b_join", "--json", "-q")
    assert resumed.returncode == 0 and {t["step"] for t in resumed.json()["tasks"]} >= {
        "b_join", "join", "end"}


def test_set_on_start_coerces_by_type_and_bad_values_are_one_line(cli, write_flow, client):
    flow = write_flow(PARAMS)
    assert cli("run", flow, "-q").returncode == 0
    good = cli("spin", flow, "start", "--set", "n=5", "--json", "-q")
    assert good.returncode == 0, good.stderr
    assert client.Run(good.json()["pathspec"])["start"].task.data.doubled == 10
    bad = cli("spin", flow, "start", "--set", "n=abc")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "'n'" in bad.stderr
    broken = cli("spin", flow, "middle", "--set", "doubled=[1,2")
    assert broken.returncode == 2 and "quote it to mean a string" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    text = cli("spin", flow, "middle", "--set", "doubled=hello", "--json", "-q")
    assert text.returncode == 0
    assert client.Run(text.json()["pathspec"])["middle"].task.data.out == "hello"
    runs = [r.number for r in client.Flow("Typed").spins()]
    assert len(runs) == 2  # the refused spins left no run behind


def test_parse_literal_rules():
    from workbench.engine.errors import EngineInputError
    from workbench.engine.replay import parse_literal

    assert parse_literal("0.5") == 0.5 and parse_literal("[1, 2]") == [1, 2]
    assert parse_literal("hello world") == "hello world"
    assert parse_literal("'[1,2'") == "[1,2"
    assert parse_literal("Truex") == "Truex"  # a word, not a literal
    for text in ("[1,2", "1.2.3", "{'a': 1", "-3x", "True x"):
        with pytest.raises(EngineInputError, match="quote it"):
            parse_literal(text, "x")


def test_protocol_round_trips_every_message_and_both_handles_conform(tmp_path):
    from workbench.engine import protocol as P
    from workbench.engine.worker import EngineWorker

    samples = [P.RunCommand({"n": "3"}), P.SpinCommand("train", run=2, index=1,
                                                         overrides={"x": {1, 2}},
                                                         set_values={"y": "[1]"}, against=1),
               P.ResumeCommand("a", 3), P.CancelCommand(), P.QuitCommand(),
               P.Ready("f.py", 1), P.CommandFinished("spin", "succeeded", 4), P.Idle(),
               P.Error("bad", "spin", None), P.WorkerLog("x"), P.WorkerRestart("y"),
               P.SpinFinished(4, 3, "train", "succeeded", 0.1, ["F/4/train/9"], []),
               P.RunFinished("F", 1, "F/1", "failed", 1.0, "never reached end")]
    for message in samples:
        line = P.encode(message)
        assert "\n" not in line and P.decode(line) == message
    with pytest.raises(P.ProtocolError):
        P.decode("{not json")
    with pytest.raises(P.ProtocolError):
        P.decode('{"event": "nope"}')
    assert set(P.EVENTS.values()) | set(P.COMMANDS.values()) >= {type(m) for m in samples}
    assert isinstance(EngineWorker(tmp_path / "f.py", tmp_path), P.EngineHandle)
