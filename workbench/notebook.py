"""How runs, tasks, spins and diffs look in a notebook: HTML for Jupyter (``_repr_html_``)
and rich renderables for a terminal IPython (``__rich__``).

Objects are read by their attributes (client ``Run``/``Task``, ``queries.TaskDiff``,
``compare.ArtifactDiff``), so this module imports nothing of workbench but ``display``. Every
text that comes from a flow (names, summaries, detail lines, exceptions) goes through
``display.safe`` and then ``html.escape``: it reaches the page as text, never as markup.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from .display import STATUS_GLYPH, format_seconds, format_size, safe, safe_html

OPEN_CHANGES = 3  # a diff of this many changed artifacts or fewer shows their details open
_CHANGE_COLOUR = {"added": "#1a7f37", "removed": "#cf222e", "changed": "#9a6700",
                  "unchanged": "#6e7781"}
_STATUS_COLOUR = {"succeeded": "#1a7f37", "failed": "#cf222e", "crashed": "#cf222e",
                  "running": "#9a6700", "cancelled": "#8250df"}
_STYLE = ("<style>.wb table{border-collapse:collapse;font-family:monospace;font-size:12px;"
          "margin:4px 0 6px 0}"
          ".wb td,.wb th{padding:2px 8px;text-align:left;vertical-align:top}"
          ".wb th{border-bottom:1px solid #d0d7de}.wb summary{cursor:pointer}"
          ".wb pre{margin:2px 0 6px 16px;font-size:12px}</style>")


_e = safe_html  # a flow's text as HTML text


def _status(status: str | None) -> str:
    colour = _STATUS_COLOUR.get(status or "", "#6e7781")
    return (f'<span style="color:{colour}">{_e(STATUS_GLYPH.get(status or "", "·"))} '
            f"{_e(status or 'not run')}</span>")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _wrap(title: str, body: str) -> str:
    return f'{_STYLE}<div class="wb"><div><b>{title}</b></div>{body}</div>'


def run_html(run: Any) -> str:
    """A run: its pathspec and status, then one row per step (tasks, status, time)."""
    rows = []
    for step in run.steps():
        tasks = step.task_records()
        statuses = {t.status for t in tasks}
        status = statuses.pop() if len(statuses) == 1 else "failed" if "failed" in statuses \
            else "running"
        took = max((t.duration or 0.0 for t in tasks), default=0.0)
        rows.append((_e(step.name), _e(len(tasks)), _status(status), _e(format_seconds(took))))
    title = f"{_e(run.pathspec)} &nbsp; {_status(run.status)}"
    return _wrap(title, _table(("step", "tasks", "status", "time"), rows))


def task_html(task: Any) -> str:
    """A task: pathspec and status, its exception if any, then its artifacts (nothing
    loaded: type, size and summary come from the catalog)."""
    rec = task.record
    rows = [(_e(a.name), _e(a.record.type_name), _e(format_size(a.record.size)),
             _e(a.record.summary)) for a in task.artifacts]
    title = f"{_e(task.pathspec)} &nbsp; {_status(rec.status)}"
    body = ""
    if rec.exception and rec.status != "succeeded":
        body += f'<pre style="color:#cf222e">{_e(rec.exception)}</pre>'
    return _wrap(title, body + _table(("artifact", "type", "size", "summary"), rows))


def diffs_html(diffs: Sequence[Any], *, show_unchanged: bool = False) -> str:
    """Typed artifact diffs as a table: one row per artifact (name, change, type, before,
    after), its detail in a collapsible row under it (open when ``OPEN_CHANGES`` or fewer
    artifacts changed; a DataFrame's or Series' as small tables)."""
    rows = []
    few = sum(1 for d in diffs if d.change != "unchanged") <= OPEN_CHANGES
    for d in diffs:
        if d.change == "unchanged" and not show_unchanged:
            continue
        colour = _CHANGE_COLOUR.get(d.change, "")
        before = "" if d.change in ("added", "unchanged") else _e(d.summary_before)
        after = "" if d.change == "removed" else _e(d.summary_after)
        kind = d.type_after or d.type_before or ""
        if d.type_before and d.type_after and d.type_before != d.type_after:
            kind = f"{d.type_before} -> {d.type_after}"
        rows.append(f"<tr><td><b>{_e(d.name)}</b></td>"
                    f'<td style="color:{colour}">{_e(d.change)}</td><td><i>{_e(kind)}</i></td>'
                    f"<td>{before}</td><td>{after}</td></tr>")
        detail = d.detail.lines() if d.detail is not None else []
        if not detail:
            continue
        body = (_frame_detail(d.detail) if getattr(d.detail, "kind", None) in
                ("dataframe", "series") else f"<pre>{_e(chr(10).join(detail))}</pre>")
        fold = "<details open>" if few else "<details>"
        rows.append(f'<tr class="wb-detail"><td></td><td colspan="4">{fold}<summary>'
                    f"detail of {_e(d.name)}</summary>{body}</details></td></tr>")
    unchanged = sum(1 for d in diffs if d.change == "unchanged")
    if not rows:
        return (f'<div style="color:#6e7781">no artifact changed ({unchanged} '
                "unchanged)</div>")
    head = "".join(f"<th>{h}</th>" for h in ("artifact", "change", "type", "before", "after"))
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    if unchanged and not show_unchanged:
        table += f'<div style="color:#6e7781">{unchanged} unchanged</div>'
    return table


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        return _e(f"{value:.6g}")
    return _e("-" if value is None else value)


def _frame_detail(detail: Any) -> str:
    """A DataFrame's or Series' change as small tables: what changed (shape, columns, dtypes),
    per-column stats before and after, and example rows with each changed cell."""
    lines = detail.lines()
    stats = list(getattr(detail, "stats", None) or [])
    examples = list(getattr(detail, "examples", None) or [])
    tail = (1 + 2 * len(stats) if stats else 0) + (1 + len(examples) if examples else 0)
    summary = lines[: len(lines) - tail] if tail else lines
    out = [f"<div>{_e(summary[0])}</div>"] if summary else []
    out += [f'<div style="margin-left:16px">{_e(line.strip())}</div>' for line in summary[1:]]
    if stats:
        names = next((list(v) for st in stats for v in (st.before, st.after) if v), [])
        rows = [(_e(st.column), _e(when), *(_cell_text((values or {}).get(n)) for n in names))
                for st in stats for when, values in (("before", st.before), ("after", st.after))]
        out.append(_table(("column", "", *names), rows))
    if examples:
        rows = [(_e(ex.index), _e(c.column), _cell_text(c.old), _cell_text(c.new))
                for ex in examples for c in ex.changes]
        out.append(_table(("row", "column", "before", "after"), rows))
    return "".join(out)


def task_diff_html(task_diff: Any) -> str:
    """One re-executed task against its before (``queries.TaskDiff``)."""
    body = (f'<div style="color:#9a6700">{_e(task_diff.error)}</div>' if task_diff.error
            else diffs_html(task_diff.diffs))
    return _wrap(_e(task_diff.header), body)


def spin_html(result: Any) -> str:
    """A spin: the run it made, on which inputs, in how long, then each spun task's diff."""
    title = (f"{_e(result.run.pathspec)} &nbsp; {_status(result.status)} &nbsp; on the inputs "
             f"of {_e(result.reference.pathspec)} in {_e(format_seconds(result.seconds))}")
    body = "".join(f"<div><b>{_e(d.header)}</b></div>"
                   + (f'<div style="color:#9a6700">{_e(d.error)}</div>' if d.error
                      else diffs_html(d.diffs)) for d in result.diffs)
    return _wrap(title, body)


def comparison_html(cmp: Any) -> str:
    """Two runs (``queries.RunComparison``): parameters that differ, each step's status,
    time and code on both sides, then each change under the step that made it."""
    a, b = cmp.run_a, cmp.run_b
    title = f"{_e(a.pathspec)} vs {_e(b.pathspec)}"
    params = _table(("parameter", f"run {a.number}", f"run {b.number}"),
                    [(_e(p.name), _e(p.before), _e(p.after)) for p in cmp.parameters]) \
        if cmp.parameters else '<div style="color:#6e7781">same parameters</div>'
    code = {True: "changed", False: "same", None: "-"}
    steps = _table(("step", f"run {a.number}", f"run {b.number}", "time", "code"), [
        (_e(s.step), _status(s.status_a), _status(s.status_b),
         _e(f"{format_seconds(s.seconds_a)} → {format_seconds(s.seconds_b)}"),
         _e(code[s.code_changed])) for s in cmp.steps])
    changes = []
    for s in cmp.steps:
        for pair in s.pairs:
            listed = [d for d in cmp.listed(pair) if d.change != "unchanged"]
            if listed:
                label = s.step + (f"[{','.join(map(str, pair.split))}]" if pair.split else "")
                changes.append(f"<div><b>{_e(label)}</b></div>" + diffs_html(listed))
    return _wrap(title, params + steps + ("".join(changes) or
                                          '<div style="color:#6e7781">no artifact changed'
                                          "</div>"))


# -- a terminal IPython: rich renderables -------------------------------------------------------


def diffs_rich(header: str, diffs: Sequence[Any], error: str | None = None) -> Any:
    """The CLI's diff rendering (``cli.diff_render``'s look) for a console."""
    from rich.console import Group
    from rich.text import Text

    lines: list[Any] = [Text(safe(header), style="bold")]
    if error:
        lines.append(Text(safe(error), style="yellow"))
    changed = [d for d in diffs if d.change != "unchanged"]
    for d in changed:
        lines.append(Text.assemble((safe(d.name), "bold"), " ", (d.change, {
            "added": "green", "removed": "red", "changed": "yellow"}.get(d.change, "dim"))))
        for line in d.lines()[1:]:
            lines.append(Text(safe(line), style="dim"))
    if not changed and not error:
        lines.append(Text(f"no artifact changed ({len(diffs)} unchanged)", style="dim"))
    return Group(*lines)


def as_text(obj: Any) -> str:
    """``obj.__rich__()`` rendered for a terminal (colour when it is one): what a terminal
    IPython prints for a result (``_repr_pretty_``)."""
    import io
    import sys

    from rich.console import Console

    out = io.StringIO()
    # force_jupyter=False: in a kernel, rich would otherwise display the text as a second
    # output of the cell instead of writing it to ``out``
    console = Console(file=out, force_terminal=sys.stdout.isatty(), width=100,
                      highlight=False, force_jupyter=False)
    console.print(obj.__rich__())
    return out.getvalue().rstrip("\n")


def comparison_rich(cmp: Any) -> Any:
    from rich.console import Group

    parts: list[Any] = [table_rich(
        f"{cmp.run_a.pathspec} vs {cmp.run_b.pathspec}", ("step", "a", "b", "code"),
        [(s.step, s.status_a or "-", s.status_b or "-",
          {True: "changed", False: "same", None: "-"}[s.code_changed]) for s in cmp.steps])]
    for p in cmp.parameters:
        parts.append(diffs_rich(f"parameter {p.name}: {p.before!r} -> {p.after!r}", []))
    for s in cmp.steps:
        for pair in s.pairs:
            listed = [d for d in cmp.listed(pair) if d.change != "unchanged"]
            if listed:
                parts.append(diffs_rich(s.step, listed))
    return Group(*parts)


def table_rich(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(safe(title)), title_justify="left")
    for name in header:
        table.add_column(name)
    for row in rows:
        table.add_row(*(Text(safe(cell)) for cell in row))
    return table


def run_rich(run: Any) -> Any:
    rows = []
    for step in run.steps():
        tasks = step.task_records()
        rows.append((step.name, str(len(tasks)), ", ".join(sorted({t.status for t in tasks}))))
    return table_rich(f"{run.pathspec}  {run.status}", ("step", "tasks", "status"), rows)


def task_rich(task: Any) -> Any:
    rows = [(a.name, a.record.type_name or "", format_size(a.record.size),
             a.record.summary or "") for a in task.artifacts]
    return table_rich(f"{task.pathspec}  {task.record.status}",
                      ("artifact", "type", "size", "summary"), rows)
