"""Static graph: node types, Metaflow's lint rules with file:line, parsing without import."""
from __future__ import annotations

import pickle
import textwrap

import pytest

from workbench.flow import FlowLoadError, GraphError, parse_graph

HEADER = "from metaflow import FlowSpec, step\n\n\nclass F(FlowSpec):\n"


def make(flows, steps: str, header: str = HEADER, name: str = "flow.py"):
    """A flow file with class F whose body is ``steps``."""
    return flows.write(header + textwrap.indent(textwrap.dedent(steps).strip("\n"), "    ") + "\n",
                       name)


def graph_error(path, **kw) -> GraphError:
    with pytest.raises(GraphError) as info:
        parse_graph(path, **kw)
    return info.value


def types(graph) -> dict[str, str]:
    return {n.name: n.type for n in graph}


# --------------------------------------------------------------------------- valid shapes

def test_linear_flow(flows):
    path = make(flows, '''
        @step
        def start(self):
            """Begin."""
            self.x = 1
            self.next(self.middle)

        @step
        def middle(self):
            self.next(self.end)

        @step
        def end(self):
            pass
    ''', header='from metaflow import FlowSpec, step\n\n\nclass F(FlowSpec):\n    """Doc of F."""\n')
    g = parse_graph(path)
    assert g.name == "F" and g.doc == "Doc of F." and g.lineno == 4
    assert types(g) == {"start": "start", "middle": "linear", "end": "end"}
    assert [n.name for n in g] == ["start", "middle", "end"]
    assert g["start"].doc == "Begin."
    assert g["start"].lineno == flows.line_of(path, "def start")
    assert g["start"].tail_next_lineno == flows.line_of(path, "self.next(self.middle)")
    assert g["middle"].in_funcs == ["start"] and g["middle"].out_funcs == ["end"]
    assert [n.name for n in g.parents("end")] == ["middle"]
    assert [n.name for n in g.children("start")] == ["middle"]
    assert "middle" in g and "nope" not in g and len(g) == 3
    assert g["start"].source.startswith("@step\ndef start(self):")
    assert g["end"].num_args == 1 and not g["end"].is_join


def test_branch_flow(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.next(self.join)

        @step
        def b(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)

        @step
        def end(self):
            pass
    ''')
    g = parse_graph(path)
    assert types(g) == {"start": "split", "a": "linear", "b": "linear", "join": "join",
                        "end": "end"}
    assert g["start"].matching_join == "join"
    assert g["a"].split_parents == ["start"] and g["join"].split_parents == ["start"]
    assert g["end"].split_parents == []
    assert g["join"].in_funcs == ["a", "b"] and g["join"].is_join and g["join"].num_args == 2
    assert [n.name for n in g.sorted_nodes()] == ["start", "a", "b", "join", "end"]


def test_foreach_and_nested_foreach(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.xs = [1, 2]
            self.next(self.outer, foreach="xs")

        @step
        def outer(self):
            self.ys = [3, 4]
            self.next(self.inner, foreach="ys")

        @step
        def inner(self):
            self.next(self.inner_join)

        @step
        def inner_join(self, inputs):
            self.next(self.outer_join)

        @step
        def outer_join(self, inputs):
            self.next(self.end)

        @step
        def end(self):
            pass
    ''')
    g = parse_graph(path)
    assert types(g) == {"start": "foreach", "outer": "foreach", "inner": "linear",
                        "inner_join": "join", "outer_join": "join", "end": "end"}
    assert g["start"].foreach_param == "xs" and g["outer"].foreach_param == "ys"
    assert g["start"].matching_join == "outer_join" and g["outer"].matching_join == "inner_join"
    assert g["inner"].split_parents == ["start", "outer"]
    assert g["inner"].is_inside_foreach and g.foreach_depth("inner") == 2
    assert g.enclosing_foreaches("inner_join") == ["start"]
    assert not g["end"].is_inside_foreach and g.foreach_depth("end") == 0


def test_switch_flow(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.route = "high"
            self.next({"high": self.high, "low": self.low}, condition="route")

        @step
        def high(self):
            self.next(self.after)

        @step
        def low(self):
            self.next(self.after)

        @step
        def after(self):
            self.next(self.end)

        @step
        def end(self):
            pass
    ''')
    g = parse_graph(path)
    start = g["start"]
    assert start.type == "switch" and start.condition == "route"
    assert start.switch_cases == {"high": "high", "low": "low"}
    assert start.out_funcs == ["high", "low"]
    # reached by one branch at run time: a linear step, not a join
    assert g["after"].type == "linear" and g["after"].in_funcs == ["high", "low"]
    assert [n.name for n in g.sorted_nodes()] == ["start", "high", "low", "after", "end"]


def test_switch_loop_is_allowed(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.count = 0
            self.next(self.loop)

        @step
        def loop(self):
            self.count += 1
            self.status = "again" if self.count < 3 else "done"
            self.next({"again": self.loop, "done": self.end}, condition="status")

        @step
        def end(self):
            pass
    ''')
    g = parse_graph(path)
    assert g["loop"].type == "switch"
    assert g["loop"].out_funcs == ["loop", "end"]
    assert g["loop"].in_funcs == ["loop", "start"]
    assert [n.name for n in g.sorted_nodes()] == ["start", "loop", "end"]
    assert [n.name for n in g.children("loop")] == ["loop", "end"]


def test_switch_inside_foreach_and_numbers_as_keys(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.xs = [1, 2]
            self.next(self.body, foreach="xs")

        @step
        def body(self):
            self.kind = self.input % 2
            self.next({0: self.even, 1: self.odd}, condition="kind")

        @step
        def even(self):
            self.next(self.merge)

        @step
        def odd(self):
            self.next(self.merge)

        @step
        def merge(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)

        @step
        def end(self):
            pass
    ''')
    g = parse_graph(path)
    assert g["body"].switch_cases == {0: "even", 1: "odd"}
    assert g["start"].matching_join == "join"
    assert g["merge"].type == "linear" and g["merge"].is_inside_foreach


def test_parse_does_not_import(flows):
    path = flows.write('''
        import this_module_does_not_exist
        from metaflow import FlowSpec, step, NotAThing
        raise RuntimeError("never executed")

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    ''')
    g = parse_graph(path)
    assert types(g) == {"start": "start", "end": "end"}


def test_decorators_parameters_and_flow_decorators(flows):
    path = flows.write('''
        import metaflow
        from metaflow import FlowSpec, step, Parameter, IncludeFile, retry, catch, project
        from metaflow import step as mfstep

        LIMIT = 4

        @project(name="demo")
        class F(FlowSpec):
            alpha = Parameter("alpha", default=0.5, help="learning rate")
            data = IncludeFile("data-file", default="data.csv")
            other = 3

            @retry(times=LIMIT)
            @catch(var="err")
            @mfstep
            def start(self):
                self.next(self.end)

            @metaflow.step
            def end(self):
                pass
    ''')
    g = parse_graph(path)
    assert [d.name for d in g["start"].decorators] == ["retry", "catch"]
    retry, catch = g["start"].decorators
    assert retry.kwargs == {"times": "LIMIT"}          # not a literal: source text
    assert catch.kwargs == {"var": "err"}
    assert retry.lineno == flows.line_of(path, "@retry")
    assert g["start"].decorator("catch") is catch and g["start"].decorator("timeout") is None
    assert [d.name for d in g.flow_decorators] == ["project"]
    assert g.flow_decorators[0].kwargs == {"name": "demo"}
    params = {p.attr: p for p in g.parameters}
    assert list(params) == ["alpha", "data"]
    assert params["alpha"].name == "alpha" and params["alpha"].kind == "Parameter"
    assert params["alpha"].kwargs == {"default": 0.5, "help": "learning rate"}
    assert params["data"].name == "data-file" and params["data"].kind == "IncludeFile"
    assert params["alpha"].lineno == flows.line_of(path, "alpha = Parameter")


def test_source_hash_ignores_comments_whitespace_docstrings(flows):
    base = '''
        @step
        def start(self):
            """Doc."""
            self.x = 1
            self.next(self.end)

        @step
        def end(self):
            pass
    '''
    h0 = parse_graph(make(flows, base, name="a.py"))["start"].source_hash
    variants_same = [
        base.replace('"""Doc."""', '"""Another doc."""'),
        "\n".join(line for line in base.splitlines() if "Doc." not in line),
        base.replace("self.x = 1", "self.x = 1  # a comment\n\n            # another"),
        base.replace("self.x = 1", "self.x   =   1"),
    ]
    for i, text in enumerate(variants_same):
        assert parse_graph(make(flows, text, name=f"s{i}.py"))["start"].source_hash == h0, text
    changed = parse_graph(make(flows, base.replace("self.x = 1", "self.x = 2"), name="c.py"))
    assert changed["start"].source_hash != h0
    # other steps are unaffected by an edit elsewhere
    assert changed["end"].source_hash == parse_graph(make(flows, base, name="d.py"))["end"].source_hash


def test_inherited_steps_from_a_base_flow_in_the_same_file(flows):
    path = flows.write('''
        from metaflow import FlowSpec, step

        class Base(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass

        class Child(Base):
            @step
            def end(self):
                print("child")
    ''')
    g = parse_graph(path)
    assert g.name == "Child"
    assert [n.name for n in g] == ["start", "end"]
    assert "child" in g["end"].source
    assert parse_graph(path, flow_name="Base").name == "Base"


def test_flow_selection_errors(flows):
    none = flows.write("class A:\n    pass\n", "none.py")
    with pytest.raises(FlowLoadError) as info:
        parse_graph(none)
    assert str(info.value) == f"{none}: no FlowSpec subclass found"

    body = '''
        import metaflow

        class A(metaflow.FlowSpec):
            @metaflow.step
            def start(self):
                self.next(self.end)

            @metaflow.step
            def end(self):
                pass

        class B(metaflow.FlowSpec):
            @metaflow.step
            def start(self):
                self.next(self.end)

            @metaflow.step
            def end(self):
                pass
    '''
    two = flows.write(body, "two.py")
    with pytest.raises(FlowLoadError) as info:
        parse_graph(two)
    assert "A, B" in str(info.value) and "--flow NAME" in str(info.value)
    assert parse_graph(two, flow_name="B").name == "B"
    with pytest.raises(FlowLoadError) as info:
        parse_graph(two, flow_name="C")
    assert "no flow named 'C'" in str(info.value) and "A, B" in str(info.value)
    # the class instantiated under __main__ decides
    main = flows.write(textwrap.dedent(body) + '\nif __name__ == "__main__":\n    B()\n', "main.py")
    assert parse_graph(main).name == "B"


def test_syntax_error_has_line(flows):
    path = make(flows, '''
        @step
        def start(self)
            self.next(self.end)
    ''')
    with pytest.raises(FlowLoadError) as info:
        parse_graph(path)
    assert info.value.line == flows.line_of(path, "def start")
    assert str(info.value).startswith(f"{path}:{info.value.line}: syntax error:")


def test_validate_false_keeps_an_invalid_graph(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.next(self.a)

        @step
        def a(self):
            self.next(self.b)

        @step
        def b(self):
            self.next(self.a)

        @step
        def orphan(self):
            self.next(self.end)

        @step
        def end(self):
            pass
    ''')
    g = parse_graph(path, validate=False)
    assert [n.name for n in g.sorted_nodes()] == ["start", "a", "b", "orphan", "end"]
    with pytest.raises(GraphError):
        g.validate()


# --------------------------------------------------------------------------- errors

END = """
        @step
        def end(self):
            pass
"""


def check(flows, steps: str, needle: str, *fragments: str, header: str = HEADER) -> GraphError:
    path = make(flows, steps, header=header)
    err = graph_error(path)
    assert err.file == str(path)
    assert err.line == flows.line_of(path, needle), str(err)
    assert str(err).startswith(f"{path}:{err.line}: ")
    for fragment in fragments:
        assert fragment in err.message, err.message
    return err


def test_missing_start(flows):
    err = check(flows, END, "class F", "Add a *start* step in your flow.")
    assert err.line == 4


def test_missing_end(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.start2)

        @step
        def start2(self):
            self.next(self.start)
    ''', "class F", "Add an *end* step in your flow.")


def test_next_to_undefined_step(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.nowhere)
    ''' + END, "self.next(self.nowhere)",
          "Step *start* specifies a self.next() transition to an unknown step, *nowhere*.")


def test_unreachable_step(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.end)

        @step
        def lonely(self):
            self.next(self.end)
    ''' + END, "def lonely", "Step *lonely* is unreachable from the start step.")


def test_missing_trailing_next(flows):
    check(flows, '''
        @step
        def start(self):
            if True:
                self.next(self.end)
    ''' + END, "def start",
          "Step *start* is missing a self.next() transition to the next step. "
          "Add a self.next() as the last line in the function.")


def test_end_with_next(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            self.next(self.start)
    ''', "self.next(self.start)", "The *end* step should not have a step.next() transition.")


def test_end_as_join(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.next(self.end)

        @step
        def b(self):
            self.next(self.end)

        @step
        def end(self, inputs):
            pass
    ''', "def end", "The *end* step should not be a join step")


def test_start_with_args(flows):
    check(flows, '''
        @step
        def start(self, inputs):
            self.next(self.end)
    ''' + END, "def start", "*start*", "takes only 'self'")


def test_step_both_join_and_split(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.next(self.join)

        @step
        def b(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.c, self.d)

        @step
        def c(self):
            self.next(self.end)

        @step
        def d(self):
            self.next(self.end)
    ''' + END, "def join", "Step *join* is both a join step", "and a split step")


def test_too_many_args_and_missing_self(flows):
    check(flows, '''
        @step
        def start(self, a, b):
            self.next(self.end)
    ''' + END, "def start", "Step start has too many arguments.")
    check(flows, '''
        @step
        def start():
            self.next(self.end)
    ''' + END, "def start", "Step *start* is missing the 'self' argument.")


def test_join_with_too_few_args(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.next(self.join)

        @step
        def b(self):
            self.next(self.join)

        @step
        def join(self):
            self.next(self.end)
    ''' + END, "def join", "Step *join* is reached from *a, b*", "def join(self, inputs)")


def test_join_without_split(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)
    ''' + END, "def join", "it is not preceded by a split")


def test_join_after_switch_is_not_a_join(flows):
    # after a switch only one branch runs: a join (inputs) there has no split to join
    check(flows, '''
        @step
        def start(self):
            self.next({"a": self.a, "b": self.b}, condition="route")

        @step
        def a(self):
            self.next(self.join)

        @step
        def b(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)
    ''' + END, "def join", "it is not preceded by a split")


def test_join_receiving_from_a_branch_it_does_not_close(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.xs = [1, 2]
            self.next(self.body, foreach="xs")

        @step
        def body(self):
            self.next(self.join)

        @step
        def b(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)
    ''' + END, "def join", "Step *join* seems like a join step",
          "an incorrect number of steps (*b, body*) lead to it",
          "expecting 1 incoming paths, starting from split step(s) *body*")


def test_end_reached_before_join(flows):
    check(flows, '''
        @step
        def start(self):
            self.xs = [1]
            self.next(self.body, foreach="xs")

        @step
        def body(self):
            self.next(self.end)
    ''' + END, "def end", "Step *end* reached before a split started at step(s) *body* "
                          "were joined. Add a join step before *end*.")


def test_foreach_without_attribute_and_with_several_targets(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.a, foreach=None)

        @step
        def a(self):
            self.next(self.end)
    ''' + END, "foreach=None", "Step *start* specifies an invalid self.next() transition.",
          "foreach=")
    check(flows, '''
        @step
        def start(self):
            self.xs = [1]
            self.next(self.a, self.b, foreach="xs")

        @step
        def a(self):
            self.next(self.end)

        @step
        def b(self):
            self.next(self.end)
    ''' + END, 'foreach="xs"', "invalid self.next() transition", "exactly one step")


def test_foreach_followed_by_join(flows):
    check(flows, '''
        @step
        def start(self):
            self.xs = [1]
            self.next(self.join, foreach="xs")

        @step
        def join(self, inputs):
            self.next(self.end)
    ''' + END, "def start", "Step *start* is a foreach split that has no children")


def test_cycle_outside_a_switch(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.next(self.a)

        @step
        def a(self):
            self.next(self.b)

        @step
        def b(self):
            self.next(self.a)
    ''' + END)
    err = graph_error(path)
    assert err.line == flows.line_of(path, "self.next(self.a)", occurrence=2)
    assert "There is a loop in your flow: *a->b->a*. Break the loop" in err.message


def test_loop_through_a_switch_to_another_step(flows):
    path = make(flows, '''
        @step
        def start(self):
            self.next(self.a)

        @step
        def a(self):
            self.next(self.b)

        @step
        def b(self):
            self.next({"again": self.a, "done": self.end}, condition="status")
    ''' + END)
    err = graph_error(path)
    assert err.line == flows.line_of(path, 'condition="status"')
    assert "*a->b->a*" in err.message and "may only loop back to itself" in err.message


def test_switch_with_variable_key_and_single_case(flows):
    check(flows, '''
        @step
        def start(self):
            key = "a"
            self.next({key: self.end}, condition="route")
    ''' + END, 'condition="route"', "invalid self.next() transition")
    check(flows, '''
        @step
        def start(self):
            self.next({"only": self.end}, condition="route")
    ''' + END, "def start", "Step *start* is a switch split but defines 1 transitions.")


def test_switch_leading_directly_to_a_join(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.next({"x": self.x, "y": self.join}, condition="route")

        @step
        def x(self):
            self.next(self.join)

        @step
        def b(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)
    ''' + END, "def join", "A conditional path cannot lead directly to a join step.")


def test_reserved_and_invalid_names(flows):
    check(flows, '''
        @step
        def start(self):
            self.next(self.input)

        @step
        def input(self):
            self.next(self.end)
    ''' + END, "def input", "Step name *input* is a reserved word.")
    check(flows, '''
        @step
        def start(self):
            self.next(self.Bad)

        @step
        def Bad(self):
            self.next(self.end)
    ''' + END, "def Bad", "Step *Bad* has an invalid name.")


def test_num_parallel_is_a_foreach_over_nodes(flows):
    """``self.next(self.a, num_parallel=2)``: a foreach over node indices, joined as one."""
    from workbench.flow.graph import PARALLEL_VAR

    check(flows, '''
        @step
        def start(self):
            self.next(self.a, num_parallel=2)

        @step
        def a(self):
            self.next(self.end)
    ''' + END, "def end", "Step *end* reached before a split started at step(s) "
          "*a* were joined")
    path = make(flows, '''
        @step
        def start(self):
            self.next(self.a, num_parallel=2)

        @step
        def a(self):
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)
    ''' + END)
    graph = parse_graph(path)
    assert graph["start"].type == "foreach" and graph["start"].foreach_param == PARALLEL_VAR
    assert graph["join"].type == "join" and graph["a"].is_inside_foreach


def test_errors_pickle_with_file_and_line(flows):
    path = make(flows, END)
    err = graph_error(path)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is GraphError and str(back) == str(err) and back.line == err.line
