"""Static flow graph: built from the AST of the flow file, never by importing it.

Node types follow Metaflow 2.19 (``metaflow/graph.py``): start, linear, split,
foreach, join, switch (Metaflow's "split-switch"), end. Validation copies
Metaflow's lint rules (``metaflow/lint.py``) and wording, one line per error,
each naming the file and the step's line (or its ``self.next`` line).
"""
from __future__ import annotations

import ast
import copy
import hashlib
import heapq
import re
import textwrap
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .fingerprint import fingerprints
from .errors import FlowLoadError, GraphError

NODE_TYPES = ("start", "linear", "split", "foreach", "join", "switch", "end")
PARALLEL_VAR = "_parallel_ubf_iter"  # the foreach variable of num_parallel (Metaflow's name)

# Modules whose names we recognise in ``from X import FlowSpec as F`` and friends.
_API_MODULES = {"metaflow", "workbench", "workbench.flow", "workbench.flow.metaflow_api"}

_RESERVED_STEP_NAMES = {"name", "next", "input", "index", "cmd"}

_VALID_FORMS = (
    "Make sure the self.next() expression matches with one of the supported "
    "transition types: linear self.next(self.step_name), fan-out "
    "self.next(self.step1, self.step2, ...), foreach "
    "self.next(self.step, foreach='variable'), switch "
    "self.next({\"key\": self.step, ...}, condition='variable'). For switch "
    "statements, keys must be string literals, numbers or config expressions "
    "(self.config.key_name), not variables."
)


@dataclass
class DecoratorSpec:
    """A decorator as written in the source: ``@name(*args, **kwargs)``.

    Values are literals where ``ast.literal_eval`` works, else their source text.
    """

    name: str
    kwargs: dict[str, Any]
    lineno: int
    args: list[Any] = field(default_factory=list)


@dataclass
class ParameterSpec:
    """A ``Parameter``/``IncludeFile`` class attribute found statically."""

    attr: str               # attribute name in the class (``self.<attr>``)
    name: str | None        # declared name (first argument), None if not a literal
    lineno: int
    kind: str               # "Parameter" or "IncludeFile"
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Node:
    """One step of the flow graph."""

    name: str
    type: str | None        # one of NODE_TYPES; None only for an invalid step (validate=False)
    lineno: int             # line of ``def``
    doc: str = ""
    decorators: list[DecoratorSpec] = field(default_factory=list)
    out_funcs: list[str] = field(default_factory=list)
    in_funcs: list[str] = field(default_factory=list)
    foreach_param: str | None = None
    condition: str | None = None
    switch_cases: dict[Any, str] = field(default_factory=dict)
    num_args: int = 0
    is_join: bool = False
    source: str = ""
    source_hash: str = ""
    # the step's code and every code of the user's it can reach (``flow/fingerprint.py``)
    fingerprint: str = ""
    matching_join: str | None = None
    split_parents: list[str] = field(default_factory=list)
    split_branches: list[str] = field(default_factory=list)
    is_inside_foreach: bool = False
    has_tail_next: bool = False
    invalid_tail_next: bool = False
    tail_next_lineno: int | None = None
    invalid_reason: str | None = None   # hint for an invalid self.next()
    source_line: int = 0    # first line of ``source`` (its first decorator) in the file

    def decorator(self, name: str) -> DecoratorSpec | None:
        """The decorator called ``name`` on this step, if any."""
        for deco in self.decorators:
            if deco.name == name:
                return deco
        return None


# --------------------------------------------------------------------------- helpers

def _literal(node: ast.AST, source: str) -> Any:
    try:
        return ast.literal_eval(node)
    except Exception:
        return ast.get_source_segment(source, node)


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _decorator_spec(deco: ast.AST, source: str, aliases: dict[str, str]) -> DecoratorSpec:
    call = deco if isinstance(deco, ast.Call) else None
    target = call.func if call is not None else deco
    name = _last_name(target)
    if isinstance(target, ast.Name):
        name = aliases.get(target.id, target.id)
    if name is None:
        name = ast.get_source_segment(source, target) or "?"
    kwargs: dict[str, Any] = {}
    args: list[Any] = []
    if call is not None:
        args = [_literal(a, source) for a in call.args]
        for kw in call.keywords:
            kwargs[kw.arg if kw.arg is not None else "**"] = _literal(kw.value, source)
    return DecoratorSpec(name=name, kwargs=kwargs, lineno=deco.lineno, args=args)


def _is_step_decorator(deco: ast.AST, aliases: dict[str, str]) -> bool:
    target = deco.func if isinstance(deco, ast.Call) else deco
    if isinstance(target, ast.Name):
        return aliases.get(target.id, target.id) == "step"
    return isinstance(target, ast.Attribute) and target.attr == "step"


def _strip_docstring(func: ast.FunctionDef) -> ast.FunctionDef:
    func = copy.deepcopy(func)
    body = func.body
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        func.body = body[1:] or [ast.Pass()]
    return func


def source_hash_of(func: ast.FunctionDef) -> str:
    """sha256 of the function's AST (decorators included) without docstring or
    positions: comments, blank lines, formatting and docstring edits don't count."""
    dumped = ast.dump(_strip_docstring(func), include_attributes=False)
    return hashlib.sha256(dumped.encode("utf-8")).hexdigest()


def _function_source(func: ast.FunctionDef, lines: list[str]) -> str:
    start = min([d.lineno for d in func.decorator_list] + [func.lineno])  # = Node.source_line
    end = func.end_lineno or func.lineno
    return textwrap.dedent("".join(lines[start - 1:end]))


def _switch_cases(dict_node: ast.Dict) -> dict[Any, str] | None:
    """Metaflow's ``_parse_switch_dict``: literal keys (or self.config.x) to self.<step>."""
    cases: dict[Any, str] = {}
    for key, value in zip(dict_node.keys, dict_node.values):
        if isinstance(key, ast.Constant):
            case_key = key.value
        elif (isinstance(key, ast.Attribute) and isinstance(key.value, ast.Attribute)
              and isinstance(key.value.value, ast.Name) and key.value.value.id == "self"):
            case_key = f"config:{key.value.attr}.{key.attr}"
        else:
            return None
        if case_key is None:
            return None
        if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)
                and value.value.id == "self"):
            return None
        cases[case_key] = value.attr
    return cases or None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _parse_transition(node: Node, func: ast.FunctionDef) -> None:
    """Fill type, out_funcs and friends from the step's last statement (Metaflow's _parse)."""
    node.num_args = len(func.args.posonlyargs) + len(func.args.args)
    if node.name == "end":
        node.type = "end"
    tail = func.body[-1]
    if not (isinstance(tail, ast.Expr) and isinstance(tail.value, ast.Call)):
        return
    call = tail.value
    target = call.func
    if not (isinstance(target, ast.Attribute) and target.attr == "next"
            and isinstance(target.value, ast.Name) and target.value.id == "self"):
        return
    node.has_tail_next = True
    node.invalid_tail_next = True
    node.tail_next_lineno = tail.lineno
    if node.name == "end":
        return  # reported by the end check
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords:
        node.invalid_reason = "self.next() does not take **kwargs."
        return

    if len(call.args) == 1 and isinstance(call.args[0], ast.Dict) and "condition" in keywords:
        cases = _switch_cases(call.args[0])
        cond = keywords["condition"]
        condition = cond.value if isinstance(cond, ast.Constant) and isinstance(cond.value, str) else None
        if cases and condition and len(keywords) == 1:
            node.type = "switch"
            node.condition = condition
            node.switch_cases = cases
            node.out_funcs = _unique(list(cases.values()))
            node.invalid_tail_next = False
        elif not cases:
            node.invalid_reason = ("A switch maps literal keys to steps: "
                                   "self.next({\"key\": self.step, ...}, condition='variable').")
        else:
            node.invalid_reason = ("The condition of a switch names an attribute, as a string "
                                   "literal: condition='variable'.")
        return

    targets = []
    for arg in call.args:
        if not isinstance(arg, ast.Attribute):
            node.invalid_reason = "Steps are given as attributes: self.next(self.step_name)."
            return
        targets.append(arg.attr)
    node.out_funcs = targets

    if len(keywords) == 1:
        if "foreach" in keywords:
            node.type = "foreach"
            value = keywords["foreach"]
            if len(targets) != 1:
                node.invalid_reason = ("A foreach transition takes exactly one step: "
                                       "self.next(self.step, foreach='variable').")
            elif isinstance(value, ast.Constant) and not (isinstance(value.value, str) and value.value):
                node.invalid_reason = ("foreach= names the attribute to iterate over, as a string: "
                                       "self.next(self.step, foreach='variable').")
            else:
                if isinstance(value, ast.Constant):
                    node.foreach_param = value.value
                node.invalid_tail_next = False
        elif "num_parallel" in keywords:  # @parallel: a foreach over node indices
            node.type = "foreach"
            node.foreach_param = PARALLEL_VAR
            node.invalid_tail_next = False
            if len(targets) != 1:
                node.invalid_reason = ("Only one destination allowed when num_parallel used "
                                       "in self.next()")
        elif "condition" in keywords:
            node.invalid_reason = ("A switch maps literal keys to steps: "
                                   "self.next({\"key\": self.step, ...}, condition='variable').")
        else:
            node.invalid_reason = f"self.next() does not take {next(iter(keywords))}=."
    elif not keywords:
        if len(targets) > 1:
            node.type = "split"
            node.invalid_tail_next = False
        elif len(targets) == 1:
            if node.name == "start":
                node.type = "start"
            elif node.num_args > 1:
                node.type = "join"
            else:
                node.type = "linear"
            node.invalid_tail_next = False
        else:
            node.invalid_reason = "self.next() needs at least one step."


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module in _API_MODULES:
            for alias in stmt.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
    return aliases


def _c3(cls: str, bases: dict[str, list[str]]) -> list[str]:
    """Method resolution order over the classes of this file (outside bases ignored)."""
    def merge(seqs: list[list[str]]) -> list[str]:
        out: list[str] = []
        seqs = [s[:] for s in seqs if s]
        while seqs:
            for seq in seqs:
                head = seq[0]
                if not any(head in s[1:] for s in seqs):
                    break
            else:  # inconsistent hierarchy: fall back to depth first
                raise ValueError
            out.append(head)
            seqs = [[c for c in s if c != head] for s in seqs]
            seqs = [s for s in seqs if s]
        return out

    def mro(name: str, stack: tuple[str, ...] = ()) -> list[str]:
        if name in stack:
            raise ValueError
        own = bases.get(name, [])
        return [name] + merge([mro(b, stack + (name,)) for b in own] + [list(own)])

    try:
        return mro(cls)
    except (ValueError, RecursionError):
        seen: list[str] = []

        def dfs(name: str) -> None:
            if name not in seen:
                seen.append(name)
                for b in bases.get(name, []):
                    dfs(b)
        dfs(cls)
        return seen


# --------------------------------------------------------------------------- graph

class FlowGraph:
    """The static graph of one flow class.

    ``nodes`` keeps declaration order; iteration yields ``Node`` objects in that
    order. ``parameters`` and ``flow_decorators`` are read from the class body.
    """

    def __init__(self, name: str, file: Path, lineno: int, doc: str,
                 nodes: dict[str, Node], flow_decorators: list[DecoratorSpec],
                 parameters: list[ParameterSpec]) -> None:
        self.name = name
        self.file = file
        self.lineno = lineno
        self.doc = doc
        self.nodes = nodes
        self.flow_decorators = flow_decorators
        self.parameters = parameters
        self._traverse()

    # ---- container protocol
    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<FlowGraph {self.name}: {', '.join(self.nodes)}>"

    # ---- queries
    def parents(self, step: str) -> list[Node]:
        """Nodes with a transition to ``step`` (its ``in_funcs``)."""
        return [self.nodes[n] for n in self.nodes[step].in_funcs]

    def children(self, step: str) -> list[Node]:
        """Nodes ``step`` transitions to (its known ``out_funcs``)."""
        return [self.nodes[n] for n in self.nodes[step].out_funcs if n in self.nodes]

    def enclosing_foreaches(self, step: str) -> list[str]:
        """Foreach steps whose splits ``step`` runs inside (outermost first)."""
        node = self.nodes[step]
        return [p for p in node.split_parents
                if self.nodes[p].type == "foreach" and self.nodes[p].matching_join != step]

    def foreach_depth(self, step: str) -> int:
        """How many nested foreach splits ``step`` runs inside."""
        return len(self.enclosing_foreaches(step))

    def reachable(self) -> list[str]:
        """Step names reachable from start, in first-reach (breadth first) order."""
        if "start" not in self.nodes:
            return []
        order = ["start"]
        seen = {"start"}
        queue = deque(order)
        while queue:
            for n in self.nodes[queue.popleft()].out_funcs:
                if n in self.nodes and n not in seen:
                    seen.add(n)
                    order.append(n)
                    queue.append(n)
        return order

    def sorted_nodes(self) -> list[Node]:
        """A deterministic topological order from start (ties: declaration order).

        Self-loops of switch steps are ignored; if other cycles exist (only with
        ``validate=False``) the stalled nodes come in first-reach order. Steps not
        reachable from start come last, in declaration order.
        """
        decl = {name: i for i, name in enumerate(self.nodes)}
        reach = self.reachable()
        first_reach = {name: i for i, name in enumerate(reach)}
        indegree = {name: 0 for name in reach}
        for u in reach:
            for v in set(self.nodes[u].out_funcs):
                if v in indegree and v != u:
                    indegree[v] += 1
        ready = [(decl[n], n) for n in reach if indegree[n] == 0]
        heapq.heapify(ready)
        order: list[str] = []
        done: set[str] = set()
        while len(order) < len(reach):
            if not ready:  # a cycle: take the first-reached remaining node
                stalled = min((n for n in reach if n not in done), key=first_reach.__getitem__)
                indegree[stalled] = 0
                heapq.heappush(ready, (decl[stalled], stalled))
            _, name = heapq.heappop(ready)
            if name in done:
                continue
            done.add(name)
            order.append(name)
            for v in _unique(self.nodes[name].out_funcs):
                if v in indegree and v not in done and v != name:
                    indegree[v] -= 1
                    if indegree[v] == 0:
                        heapq.heappush(ready, (decl[v], v))
        order += [n for n in self.nodes if n not in done]
        return [self.nodes[n] for n in order]

    # ---- construction
    def _traverse(self) -> None:
        """Metaflow's _traverse_graph: split_parents, split_branches, matching_join,
        then in_funcs (every transition from a reachable step, self-loops included)."""
        nodes = self.nodes
        visited: set[tuple] = set()

        def traverse(node: Node, path: frozenset, parents: list[str], branches: list[str]) -> None:
            key = (node.name, tuple(parents), tuple(branches))
            if key in visited:
                return
            visited.add(key)
            add_branch = False
            if node.type in ("split", "foreach"):
                node.split_parents = parents
                node.split_branches = branches
                add_branch = True
                parents = parents + [node.name]
            elif node.type == "join":
                if parents:  # joins without splits are reported by validate()
                    nodes[parents[-1]].matching_join = node.name
                    node.split_parents = parents
                    node.split_branches = branches[:-1]
                    parents = parents[:-1]
                    branches = branches[:-1]
            else:
                node.split_parents = parents
                node.split_branches = branches
            for n in node.out_funcs:
                if n not in path and n in nodes:
                    traverse(nodes[n], path | {n}, parents,
                             branches + ([n] if add_branch else []))

        if "start" in nodes:
            traverse(nodes["start"], frozenset(["start"]), [], [])
        incoming: dict[str, set[str]] = {n: set() for n in nodes}
        for u in self.reachable():
            for v in nodes[u].out_funcs:
                if v in incoming:
                    incoming[v].add(u)
        for name, node in nodes.items():
            node.in_funcs = sorted(incoming[name])
        for node in nodes.values():
            foreaches = [p for p in node.split_parents if nodes[p].type == "foreach"]
            node.is_inside_foreach = any(nodes[f].matching_join != node.name for f in foreaches)

    # ---- validation
    def _error(self, message: str, line: int | None) -> GraphError:
        return GraphError(message, self.file, line)

    def validate(self) -> None:
        """Raise ``GraphError`` for the first problem (Metaflow's lint order)."""
        nodes = self.nodes
        for node in self:
            if node.name in _RESERVED_STEP_NAMES:
                raise self._error(f"Step name *{node.name}* is a reserved word. "
                                  "Choose another name for the step.", node.lineno)
        for prefix, name in (("a", "start"), ("an", "end")):
            if name not in nodes:
                raise self._error(f"Add {prefix} *{name}* step in your flow.", self.lineno)
        end = nodes["end"]
        if end.has_tail_next:
            raise self._error("The *end* step should not have a step.next() transition. "
                              "Just remove it.", end.tail_next_lineno)
        if end.num_args > 1:
            raise self._error("The *end* step should not be a join step (it gets an extra "
                              "argument). Add a join step before it.", end.lineno)
        for node in self:
            if re.search("[^a-z0-9_]", node.name) or node.name[0] == "_":
                raise self._error(f"Step *{node.name}* has an invalid name. Only lowercase ascii "
                                  "characters, underscores, and digits are allowed.", node.lineno)
        self._check_num_args()
        for node in self:
            if node.type != "end" and not node.has_tail_next:
                raise self._error(f"Step *{node.name}* is missing a self.next() transition to the "
                                  "next step. Add a self.next() as the last line in the function.",
                                  node.lineno)
        for node in self:
            if node.type != "end" and node.invalid_tail_next:
                raise self._error(f"Step *{node.name}* specifies an invalid self.next() transition. "
                                  + (node.invalid_reason or _VALID_FORMS), node.tail_next_lineno)
        for node in self:
            unknown = [n for n in node.out_funcs if n not in nodes]
            if unknown:
                raise self._error(f"Step *{node.name}* specifies a self.next() transition to an "
                                  f"unknown step, *{unknown[0]}*.", node.tail_next_lineno)
        self._check_acyclicity()
        reach = set(self.reachable())
        for node in self:
            if node.name not in reach:
                raise self._error(f"Step *{node.name}* is unreachable from the start step. Add "
                                  f"self.next({node.name}) in another step or remove *{node.name}*.",
                                  node.lineno)
        for node in self:
            if node.type == "foreach":
                joins = [n for n in node.out_funcs if nodes[n].type == "join"]
                if joins:
                    raise self._error(f"Step *{node.name}* is a foreach split that has no children: "
                                      f"it is followed immediately by a join step, *{joins[0]}*. Add "
                                      "at least one step between the split and the join.",
                                      node.lineno)
        self._check_split_join_balance()
        for node in self:
            if node.type == "switch" and len(node.switch_cases) < 2:
                raise self._error(f"Step *{node.name}* is a switch split but defines "
                                  f"{len(node.switch_cases)} transitions. Switch splits must "
                                  "define at least 2 transitions.", node.lineno)
        for node in self:
            if node.type == "join":
                bad = [p for p in node.in_funcs if nodes[p].type == "switch"]
                if bad:
                    raise self._error(
                        "A conditional path cannot lead directly to a join step. In your "
                        f"conditional step(s) {', '.join('*%s*' % p for p in bad)}, one or more of "
                        f"the possible paths transition directly to the join step *{node.name}*. "
                        "As a workaround, please introduce an intermediate, unconditional step on "
                        "that specific path before joining.", node.lineno)
        for node in self:  # Metaflow's @catch refuses these steps before a run starts
            kind = {"foreach": "foreach split", "switch": "conditional switch"}.get(node.type)
            if kind and node.decorator("catch") is not None:
                raise self._error(f"@catch is defined for the step *{node.name}* but @catch is "
                                  f"not supported in {kind} steps.", node.lineno)

    def _check_num_args(self) -> None:
        for node in self:
            if node.num_args > 2:
                raise self._error(f"Step {node.name} has too many arguments. Normal steps take only "
                                  "'self' as an argument. Join steps take 'self' and 'inputs'.",
                                  node.lineno)
            if node.num_args == 2 and node.name == "start":
                raise self._error("The *start* step takes only 'self' as an argument: it cannot "
                                  "be a join step. Remove the extra argument.", node.lineno)
            if node.num_args == 2 and node.type in ("split", "foreach", "switch"):
                raise self._error(f"Step *{node.name}* is both a join step (it takes an extra "
                                  "argument) and a split step (it transitions to multiple steps). "
                                  "This is not allowed. Add a new step so that split and join "
                                  "become separate steps.", node.lineno)
            if node.num_args == 0:
                raise self._error(f"Step *{node.name}* is missing the 'self' argument.", node.lineno)

    def _check_acyclicity(self) -> None:
        nodes = self.nodes
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        path: list[str] = []

        def dfs(name: str) -> None:
            state[name] = 1
            path.append(name)
            node = nodes[name]
            for n in node.out_funcs:
                if n == name and node.type == "switch":
                    continue  # a switch may loop back to itself (Metaflow 2.19 recursion)
                if state.get(n) == 1:
                    loop = path[path.index(n):] + [n]
                    hint = ""
                    if any(nodes[s].type == "switch" for s in loop):
                        hint = " A switch step may only loop back to itself."
                    raise self._error(f"There is a loop in your flow: *{'->'.join(loop)}*. Break the "
                                      f"loop by fixing self.next() transitions.{hint}",
                                      node.tail_next_lineno)
                if n not in state:
                    dfs(n)
            path.pop()
            state[name] = 2

        for name in ["start"] + [n for n in nodes if n != "start"]:
            if name not in state:
                dfs(name)

    def _check_split_join_balance(self) -> None:
        nodes = self.nodes
        # A step taking only 'self' that closes branches of a split (its parents come
        # from different branches). After a switch, parents share their branch: fine.
        for node in self:
            if node.type != "linear":
                continue
            parents = [p for p in node.in_funcs if p != node.name]
            if len({tuple(nodes[p].split_branches) for p in parents}) > 1:
                splits = [s for p in parents for s in nodes[p].split_parents[-1:]]
                where = f", branches of the split at *{splits[-1]}*," if splits else ""
                raise self._error(f"Step *{node.name}* is reached from *{', '.join(parents)}*{where} "
                                  "but takes only 'self'. A join step takes 'self' and 'inputs': "
                                  f"def {node.name}(self, inputs).", node.lineno)

        def branch_of(n: str) -> str | None:
            branches = nodes[n].split_branches
            return branches[-1] if branches else None

        def lineage(n: str) -> tuple:
            if nodes[n].type == "join":
                return tuple(nodes[n].split_parents[:-1])
            return tuple(nodes[n].split_parents)

        seen: set[tuple] = set()

        def traverse(node: Node, stack: tuple) -> None:
            key = (node.name, tuple(s for s, _ in stack))
            if key in seen:
                return
            seen.add(key)
            new_stack = stack
            if node.type in ("split", "foreach"):
                new_stack = stack + ((node.name, tuple(node.out_funcs)),)
            elif node.type == "end":
                if stack:
                    roots = ", ".join(stack[-1][1])
                    raise self._error(f"Step *end* reached before a split started at step(s) "
                                      f"*{roots}* were joined. Add a join step before *end*.",
                                      node.lineno)
            elif node.type == "join":
                if not stack:
                    raise self._error(f"Step *{node.name}* seems like a join step (it takes an extra "
                                      "input argument) but it is not preceded by a split. Ensure "
                                      "that there is a matching split for every join.", node.lineno)
                _, roots = stack[-1]
                new_stack = stack[:-1]
                resolved = {branch_of(n) for n in node.in_funcs}
                if len(resolved) != len(roots) or resolved ^ set(roots):
                    paths = ", ".join(sorted(str(r) for r in resolved))
                    raise self._error(
                        f"Step *{node.name}* seems like a join step (it takes an extra input "
                        f"argument) but an incorrect number of steps (*{paths}*) lead to it. This "
                        f"join was expecting {len(roots)} incoming paths, starting from split "
                        f"step(s) *{', '.join(roots)}*.", node.lineno)
                if len({lineage(n) for n in node.in_funcs}) > 1:
                    raise self._error(f"Step *{node.name}* joins steps from unrelated splits. "
                                      "Ensure that there is a matching join for every split.",
                                      node.lineno)
            for n in node.out_funcs:
                if n == node.name and node.type == "switch":
                    continue
                traverse(nodes[n], new_stack)

        traverse(nodes["start"], ())


# --------------------------------------------------------------------------- parsing

def _flow_classes(tree: ast.Module, aliases: dict[str, str]) -> dict[str, ast.ClassDef]:
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    flows: dict[str, ast.ClassDef] = {}

    def is_flowspec(base: ast.AST) -> bool:
        if isinstance(base, ast.Name):
            return aliases.get(base.id, base.id) == "FlowSpec" or base.id in flows
        return isinstance(base, ast.Attribute) and base.attr == "FlowSpec"

    changed = True
    while changed:
        changed = False
        for name, cls in classes.items():
            if name not in flows and any(is_flowspec(b) for b in cls.bases):
                flows[name] = cls
                changed = True
    # keep file order
    return {name: cls for name, cls in classes.items() if name in flows}


def _main_instantiations(tree: ast.Module) -> list[str]:
    """Classes called inside ``if __name__ == "__main__":`` blocks."""
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and "__main__" in ast.dump(stmt.test):
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                    names.append(sub.func.id)
    return names


def _choose_flow(tree: ast.Module, flows: dict[str, ast.ClassDef], flow_name: str | None,
                 file: str) -> ast.ClassDef:
    if not flows:
        raise FlowLoadError("no FlowSpec subclass found", file)
    if flow_name is not None:
        if flow_name not in flows:
            raise FlowLoadError(f"no flow named '{flow_name}'; flows in this file: "
                                f"{', '.join(flows)}", file)
        return flows[flow_name]
    if len(flows) == 1:
        return next(iter(flows.values()))
    # Base flows subclassed in the same file are not candidates.
    used_as_base = {b.id for c in flows.values() for b in c.bases if isinstance(b, ast.Name)}
    leaves = [n for n in flows if n not in used_as_base]
    if len(leaves) == 1:
        return flows[leaves[0]]
    main = [n for n in _main_instantiations(tree) if n in leaves]
    if len(set(main)) == 1:
        return flows[main[0]]
    raise FlowLoadError(f"several flows found: {', '.join(leaves or flows)}; "
                        "pass --flow NAME to choose one", file)


def _class_members(cls: ast.ClassDef) -> dict[str, ast.AST]:
    members: dict[str, ast.AST] = {}
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            members[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    members[target.id] = stmt
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            members[stmt.target.id] = stmt
    return members


def _parameter_spec(attr: str, stmt: ast.AST, source: str,
                    aliases: dict[str, str]) -> ParameterSpec | None:
    value = getattr(stmt, "value", None)
    if not isinstance(value, ast.Call):
        return None
    kind = _last_name(value.func)
    if isinstance(value.func, ast.Name):
        kind = aliases.get(value.func.id, value.func.id)
    if kind not in ("Parameter", "IncludeFile"):
        return None
    kwargs = {k.arg: _literal(k.value, source) for k in value.keywords if k.arg}
    name = kwargs.pop("name", None)
    if value.args:
        name = _literal(value.args[0], source)
    return ParameterSpec(attr=attr, name=name if isinstance(name, str) else None,
                         lineno=stmt.lineno, kind=kind, kwargs=kwargs)


def parse_graph(path: str | Path, flow_name: str | None = None, validate: bool = True,
                *, source: str | None = None) -> FlowGraph:
    """Build the graph of the flow in ``path`` from its AST, without importing it.

    ``source`` may be given to parse text already read. Raises ``FlowLoadError``
    (unreadable file, syntax error, no/several/unknown flow classes) and, when
    ``validate`` is true, ``GraphError``.
    """
    path = Path(path)
    file = str(path)
    if source is None:
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FlowLoadError("no such file", file) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise FlowLoadError(f"cannot read the file: {exc}", file) from None
    try:
        tree = ast.parse(source, filename=file)
    except SyntaxError as exc:
        raise FlowLoadError(f"syntax error: {exc.msg}", file, exc.lineno) from None
    except ValueError as exc:  # e.g. null bytes
        raise FlowLoadError(f"syntax error: {exc}", file) from None

    aliases = _import_aliases(tree)
    flows = _flow_classes(tree, aliases)
    cls = _choose_flow(tree, flows, flow_name, file)
    bases = {name: [b.id for b in c.bases if isinstance(b, ast.Name) and b.id in flows]
             for name, c in flows.items()}
    mro = [flows[n] for n in _c3(cls.name, bases)]
    members = [_class_members(c) for c in mro]

    # Names in declaration order (base classes first), resolved along the MRO.
    ordered: list[str] = []
    for m in reversed(members):
        for name in m:
            if name not in ordered:
                ordered.append(name)

    def resolve(name: str) -> ast.AST:
        for m in members:
            if name in m:
                return m[name]
        raise KeyError(name)

    lines = source.splitlines(keepends=True)
    nodes: dict[str, Node] = {}
    parameters: list[ParameterSpec] = []
    for name in ordered:
        stmt = resolve(name)
        if isinstance(stmt, ast.FunctionDef) and any(_is_step_decorator(d, aliases)
                                                     for d in stmt.decorator_list):
            node = Node(
                name=name, type=None, lineno=stmt.lineno, doc=ast.get_docstring(stmt) or "",
                decorators=[_decorator_spec(d, source, aliases) for d in stmt.decorator_list
                            if not _is_step_decorator(d, aliases)],
                source=_function_source(stmt, lines), source_hash=source_hash_of(stmt),
                source_line=min([d.lineno for d in stmt.decorator_list] + [stmt.lineno]),
            )
            _parse_transition(node, stmt)
            node.is_join = node.type == "join"
            nodes[name] = node
        else:
            spec = _parameter_spec(name, stmt, source, aliases)
            if spec is not None:
                parameters.append(spec)

    methods = {name: resolve(name) for name in ordered}
    for name, digest in fingerprints(tree, cls, methods, nodes, path).items():
        nodes[name].fingerprint = digest

    graph = FlowGraph(
        name=cls.name, file=path, lineno=cls.lineno, doc=ast.get_docstring(cls) or "",
        nodes=nodes,
        flow_decorators=[_decorator_spec(d, source, aliases) for d in cls.decorator_list],
        parameters=parameters,
    )
    if validate:
        graph.validate()
    return graph


__all__ = ["parse_graph", "FlowGraph", "Node", "DecoratorSpec", "ParameterSpec",
           "NODE_TYPES", "source_hash_of"]
