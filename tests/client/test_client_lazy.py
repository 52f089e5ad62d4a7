"""Nothing is unpickled until an artifact's value is read."""
from __future__ import annotations

from tests.conftest import cli_env
from workbench.cli import main
from workbench.client import Flow, Step

LOADS: list[int] = []


def _rebuild() -> str:
    LOADS.append(1)
    return "loaded"


class Counted:
    """Unpickling this object calls `_rebuild`, which counts."""

    def __reduce__(self):
        return (_rebuild, ())

    def __repr__(self) -> str:
        return "Counted()"


def test_listing_never_unpickles(builder, store, capsys):
    run = builder.run("LazyFlow")
    tid = builder.task(run, "start", {"counted": Counted(), "other": Counted()})
    builder.task(run, "end", {"counted": Counted()})
    builder.finish(run)
    LOADS.clear()

    task = Step("LazyFlow/1/start").task
    arts = task.artifacts
    assert [a.name for a in arts] == ["counted", "other"]
    assert arts.counted.type_name.endswith("Counted") and arts.counted.summary == "Counted()"
    assert arts.counted.size > 0 and len(arts.counted.sha) == 64
    assert "counted" in task and "counted" in task.data
    assert sorted(dir(task.data)) == ["counted", "other"]
    data = task.data
    _ = task["counted"], Flow("LazyFlow").latest_run.data, repr(data)
    assert main(["show", f"LazyFlow/1/start/{tid}", "--store", str(store.root)]) == 0
    assert main(["show", f"LazyFlow/1/start/{tid}", "--json", "--store", str(store.root)]) == 0
    assert main(["show", "LazyFlow/1", "--store", str(store.root)]) == 0
    assert "Counted()" in capsys.readouterr().out
    assert LOADS == []

    # positive control: reading the value does unpickle, once per object
    assert data.counted == "loaded"
    assert LOADS == [1]
    assert data.counted == "loaded"
    assert LOADS == [1]
    assert task["other"].data == "loaded"
    assert LOADS == [1, 1]


def _unloadable() -> str:
    raise ModuleNotFoundError("No module named '_gone'")


class Unloadable:
    def __reduce__(self):
        return (_unloadable, ())


def test_unloadable_artifact_names_itself(builder):
    from workbench.store import SerializationError

    run = builder.run("BadFlow")
    builder.task(run, "start", {"thing": Unloadable()})
    task = Step("BadFlow/1/start").task
    assert task.artifacts.thing.type_name.endswith("Unloadable")  # listing still works
    try:
        task.data.thing
    except SerializationError as exc:
        message = str(exc)
    else:
        raise AssertionError("expected SerializationError")
    assert message.startswith(f"artifact {task.pathspec}/thing (")
    assert "can't be loaded: ModuleNotFoundError: No module named '_gone'" in message
    assert "\n" not in message


def test_a_value_whose_class_lives_in_a_broken_flow_file_says_why(write_flow, cli, tmp_path):
    """Loading an artifact of a class defined in the flow file, after the file broke, names
    the file and its error instead of a private module name (issue 8/14 item 16)."""
    import subprocess
    import sys

    flow = write_flow("""
        from workbench import FlowSpec, step

        class Point:
            def __init__(self, x):
                self.x = x

        class Classy(FlowSpec):
            @step
            def start(self):
                self.p = Point(3)
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    assert cli("run", flow, "-q").returncode == 0
    flow.write_text(flow.read_text().replace("def start(self):", "def start(self)"))
    code = ("from workbench import Flow\n"
            "try:\n"
            "    Flow('Classy').latest_run['start'].task.data.p\n"
            "except Exception as exc:\n"
            "    print(type(exc).__name__, exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env=cli_env(tmp_path / "store")).stdout
    assert out.startswith("SerializationError artifact Classy/1/start/"), out
    assert "fails to import now" in out and f"{flow}:9: syntax error" in out, out
    assert "No module named" not in out
