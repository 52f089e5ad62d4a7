"""Metaflow-style flows under workbench (expected artifacts), and against real Metaflow 2.19.

The ``*_under_workbench`` tests always run. The ``*_matches_metaflow`` tests run the same flow
files with the same arguments under real Metaflow and compare what both clients read, value by
value; they skip (with the reason) when Metaflow is not installed.
"""
from __future__ import annotations

import re

import pytest

from parity_helpers import FLOWS, real_metaflow_installed

# one worker runs every scenario once (the scenario cache is per worker process)
pytestmark = pytest.mark.xdist_group("parity-flows")

COMPARED = ["branch", "foreach", "catch", "params", "consumer", "api", "client", "parallel",
            "config"]


def ok(outcome) -> dict:
    assert outcome.returncodes and all(code == 0 for code in outcome.returncodes), \
        outcome.output
    return outcome.data


# ----------------------------------------------------------------------------- workbench


def test_branch_under_workbench(outcome):
    data = ok(outcome("workbench", "branch"))
    join = data["steps"]["join"][0]
    assert join["conflict"] == ["UnhandledInMergeArtifactsException", ["score"]]
    assert join["missing"] == ["MissingInMergeArtifactsException", ["not_there"]]
    assert join["score"] == 2 and join["shared"] == "from start" and join["only_a"] == "a"
    join2 = data["steps"]["join2"][0]
    assert join2["shared_in_join"] is False  # a join inherits nothing it does not merge
    assert join2["values"] == [3, 4] and join2["shared_in_inputs"] == ["from start"] * 2
    assert data["end"]["shared_at_end"] is False and data["end"]["score_at_end"] is False


def test_foreach_and_switch_under_workbench(outcome):
    data = ok(outcome("workbench", "foreach"))
    assert sorted(data["steps"]) == ["choose", "end", "fit", "join_models", "join_trials",
                                     "slow", "start", "trial"]  # the switch took `slow` only
    assert data["end"]["speed"] == 1 and data["end"]["route"] == "slow"
    assert data["end"]["by_model"] == {"lin": [["lin", 1, 0], ["lin", 2, 1], ["lin", 3, 2]],
                                       "tree": [["tree", 1, 0], ["tree", 2, 1], ["tree", 3, 2]]}
    assert data["end"]["stacks"][4] == [[1, 2, "tree"], [1, 3, 2]]
    assert len(data["steps"]["trial"]) == 6


def test_catch_retry_timeout_under_workbench(outcome):
    data = ok(outcome("workbench", "catch"))
    end = data["end"]
    assert end["err"] == ["MetaflowExceptionWrapper", "ValueError", "bad value"]
    assert end["error_type"] == "builtins.ValueError" and end["error_printed"] is True
    assert end["before"] == "set before the failure"
    assert end["attempt_seen"] == 1 and data["stdout"]["flaky"] == ["attempt 1\n"]
    assert end["timeout_type"] == "TimeoutException"
    assert end["timeout_message"] == "Step slow timed out after 0 hours, 0 minutes, 1 seconds"


def test_parameters_and_include_file_under_workbench(outcome):
    data = ok(outcome("workbench", "params"))
    start = data["steps"]["start"][0]
    assert start["values"] == {"alpha": 2.0, "n": 5, "flag": True, "on": False, "label": "x",
                               "cfg": {"b": [1, 2]}, "text": "hello from data.txt\n"}
    assert start["types"] == {"alpha": "float", "n": "int", "flag": "bool", "on": "bool",
                              "label": "str", "cfg": "dict", "text": "str"}
    assert data["end"]["alpha_at_end"] == 2.0 and data["end"]["text"] == "hello from data.txt\n"


def test_flow_reads_another_flows_results_under_workbench(outcome):
    data = ok(outcome("workbench", "consumer"))
    start = data["steps"]["start"][0]
    assert start["total"] == 3 and start["table"] == {"a": 1, "b": 2}
    assert start["producer_successful"] is True and start["producer_steps"] == ["end", "start"]
    assert start["producer_stdout"] == "producing\n" and start["start_index"] is None
    assert start["artifacts"] == ["table"] and start["same_run"] is True
    assert start["namespace"] == "user:parity" and start["not_found"] == "MetaflowNotFound"


def test_metaflow_step_api_under_workbench(outcome):
    result = outcome("workbench", "api")
    data = ok(result)
    start = data["steps"]["start"][0]
    assert start["parameter_names"] == ["alpha", "beta"] and start["tags_seen"] == ["t0", "t1"]
    assert start["project"] == ["parity_demo", "user.parity", True, False,
                                "parity_demo.user.parity.ParityApiFlow"]
    assert start["same_current"] is True and start["has_project"] is True
    assert start["constant_error"] == start["parameter_error"] == \
        "Flow level attributes and Parameters are not modifiable"
    assert start["LIMIT"] == 10 == start["limit_seen"]  # a constant is an artifact, as there
    assert start["current_step"] == "start"
    body = sorted(data["steps"]["body"], key=lambda t: t["stack"])
    assert [t["stack"] for t in body] == [[["body", "items", 3, 0, "x"]],
                                          [["body", "items", 3, 1, "2"]],
                                          [["body", "items", 3, 2, "{'k': [1, 2]}"]]]
    assert body[0]["node"] == ["linear", ["join"], ["start"]]
    join = data["steps"]["join"][0]
    assert join["join_stack"] == [] and join["join_type"] == "join" and join["LIMIT"] == 10
    assert data["end"]["types"] == ["metaflow.exception.ExternalCommandFailed",
                                    "metaflow.plugins.timeout_decorator.TimeoutException",
                                    "metaflow.plugins.catch_decorator.FailureHandledByCatch"]
    assert data["end"]["crash_message"].startswith("Task execution kept failing over 1 attempts")
    assert "[crash/" in result.output and "Task failed with a segmentation fault." in \
        result.output
    from workbench.compat.metaflow import (Flow, default_metadata, default_namespace, metadata,
                                           namespace)

    metadata(str(result.workdir / ".workbench"))
    namespace(None)
    try:  # @project's system tags, beside the --tag values
        run = Flow("ParityApiFlow").latest_run
        assert {"project:parity_demo", "project_branch:user.parity"} <= run.system_tags
        assert {"t0", "t1"} == run.user_tags
    finally:
        default_metadata()
        default_namespace()


def test_the_client_on_its_own_run_under_workbench(outcome):
    end = ok(outcome("workbench", "client"))["end"]
    assert end["no_steps"] == [] == end["no_tasks"]
    assert end["tagged_steps"] == ["body", "end", "join", "start"]
    assert end["errors"] == ["MetaflowTaggingError"] * 4
    assert end["user_tags"] == ["TAG", "replaced"]
    assert end["parents_of_join"] == ["body"] and end["children_of_start"] == ["body"]
    assert end["start_children"] == ["body", "body"] and end["join_parents"] == ["body", "body"]
    assert end["meta"] == {"attempt": "0", "attempt_ok": "True", "ds-type": "local"}
    assert end["loglines"] == ["hello from start"] and end["stored"] == ["body", "body"]


def test_parallel_under_workbench(outcome):
    data = ok(outcome("workbench", "parallel"))
    train = sorted(data["steps"]["train"], key=lambda t: t["where"])
    assert [t["node"] for t in train] == [["127.0.0.1", 3, i, True, True] for i in range(3)]
    assert [t["where"] for t in train] == [[0, 0], [1, 1], [2, 2]]
    assert data["end"]["scores"] == [10, 11, 12] and data["end"]["total"] == 33


def test_config_under_workbench(outcome):
    data = ok(outcome("workbench", "config"))
    start = data["steps"]["start"][0]
    assert start["seen"] == [0.1, 2, [4, 8], 0.1, "parity_cfg", "warehouse", 1200]
    assert start["attempt"] == 1 and start["modify_error"] == "TypeError"  # @retry(times=cfg)
    assert start["settings"]["model"] == {"lr": 0.1, "layers": [4, 8]}  # stored as an artifact
    assert data["end"]["at_end"] == [0.1, {"source": "warehouse", "rows": 1200}]


def test_segfault_says_so_as_under_metaflow(outcome):
    for system in ("workbench", "metaflow"):
        assert "Task failed with a segmentation fault." in ok_output(outcome(system, "api"))


def ok_output(result) -> str:
    assert all(code == 0 for code in result.returncodes), result.output
    return result.output


def test_step_without_next_is_refused_under_workbench(outcome):
    result = outcome("workbench", "no_next")
    assert result.returncodes == [2]
    assert ("no_next_flow.py:13: Step *middle* is missing a self.next() transition to the next "
            "step. Add a self.next() as the last line in the function.") in result.output


def test_flows_resolve_metaflow_to_workbench(outcome):
    start = ok(outcome("workbench", "which"))["steps"]["start"][0]
    assert start["flowspec_module"] == "workbench.flow.spec"
    assert start["metaflow_file"].endswith("workbench/flow/metaflow_api.py")
    assert start["inside_file"] == start["metaflow_file"]  # also inside the task process
    assert start["not_found_module"] == "workbench.client"


# ----------------------------------------------------------------------------- parity


@pytest.mark.parametrize("scenario", COMPARED)
def test_same_artifacts_as_metaflow(outcome, scenario):
    ours = ok(outcome("workbench", scenario))
    theirs = ok(outcome("metaflow", scenario))
    assert ours["successful"] is theirs["successful"] is True
    assert sorted(ours["steps"]) == sorted(theirs["steps"])  # incl. the branch a switch took
    for step in theirs["steps"]:
        assert ours["steps"][step] == theirs["steps"][step], step
    assert ours["end"] == theirs["end"]
    if scenario == "catch":
        assert ours["stdout"]["flaky"] == theirs["stdout"]["flaky"]


def test_step_without_next_same_message_as_metaflow(outcome):
    ours = outcome("workbench", "no_next")
    theirs = outcome("metaflow", "no_next")
    assert theirs.returncodes == [1] and ours.returncodes == [2]
    message = ("Step middle is missing a self.next() transition to the next step. Add a "
               "self.next() as the last line in the function.")
    assert message in theirs.output
    assert message in ours.output.replace("*", "")
    assert re.search(r"on line 13", theirs.output) and "no_next_flow.py:13:" in ours.output


def test_real_metaflow_runs_use_the_real_package(outcome):
    start = ok(outcome("metaflow", "which"))["steps"]["start"][0]
    assert start["flowspec_module"] == "metaflow.flowspec"
    assert start["not_found_module"] == "metaflow.exception"
    assert "workbench" not in start["metaflow_file"]


@pytest.mark.skipif(not real_metaflow_installed(), reason="real Metaflow is not installed in "
                    "this interpreter (the `parity` extra)")
def test_loading_a_flow_next_to_real_metaflow_keeps_both_apart():
    """In one process: the real package stays importable, a loaded flow gets workbench's."""
    import metaflow as real  # noqa: F401 - imported first on purpose
    import sys

    from workbench.flow import load_flow

    loaded = load_flow(FLOWS / "which_flow.py")
    assert loaded.flow_cls.__mro__[1].__module__ == "workbench.flow.spec"
    assert loaded.module.MetaflowNotFound.__module__ == "workbench.client"
    assert sys.modules["metaflow"] is real and "workbench" not in real.__file__
