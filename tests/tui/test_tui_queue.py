"""Work queues instead of refusing (issue 9/14 item 7): a command given while another runs
waits in a queue the header shows; x cancels the running one (and holds the queue), a second
x clears the queue. With the real worker: two spins pressed back to back both run."""
from __future__ import annotations

from tui_helpers import IdleEngine, run_flow, settle, spin, wait_for, wait_idle
from workbench.engine import protocol as P


def make_app(workdir, engine):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=engine, poll_interval=0.2)
    app.animation_level = "none"
    return app


def header_text(app) -> str:
    from workbench.tui.widgets.panes import StatusHeader

    return str(app.main.query_one(StatusHeader).content)


async def test_a_second_command_queues_and_x_cancels_then_clears(workdir):
    from workbench.tui.messages import EngineEvent

    run_flow(workdir)
    app = make_app(workdir, IdleEngine)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine stand-in")
        await settle(pilot)
        await pilot.press("s", "j", "s", "r")
        sent = app.engine.sent
        assert [type(c) for c in sent] == [P.SpinCommand]
        assert [type(c) for c, _ in app.queue] == [P.SpinCommand, P.RunCommand]
        assert "2 queued" in header_text(app) and "spinning features" in header_text(app)
        # the running command finishes: the next one goes
        app.post_message(EngineEvent(P.CommandFinished("spin", "succeeded", 2)))
        await wait_for(pilot, lambda: len(app.engine.sent) == 2, what="the queued spin")
        assert isinstance(sent[1], P.SpinCommand) and sent[1].step == "features"
        assert "1 queued" in header_text(app)
        # x cancels the running one and holds the queue; x again clears it
        await pilot.press("x")
        assert isinstance(sent[-1], P.CancelCommand) and app.queue_held
        assert "held" in header_text(app)
        app.post_message(EngineEvent(P.CommandFinished("spin", "cancelled", 3)))
        await pilot.pause(0.3)
        assert not any(isinstance(c, P.RunCommand) for c in sent)  # held: nothing started
        await pilot.press("x")
        assert app.queue == [] and not app.queue_held
        assert "queued" not in header_text(app)


async def test_two_spins_back_to_back_both_run_on_the_real_worker(workdir):
    from workbench.store import Store

    run_flow(workdir)
    app = make_app(workdir, True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        await pilot.press("j", "s", "j", "s")
        await wait_for(pilot, lambda: not app.queue and not app.busy, timeout=60,
                       what="both spins")
        await wait_idle(pilot)
        # the user moved on while the first spin ran: the selection stayed with them and
        # follows the last spin, which they asked for where they were
        assert (app.selected_run, app.selected_step) == (3, "train")
    runs = Store(workdir / "store", create=False).catalog.list_runs("ChurnFlow")
    assert sorted((r.number, r.kind, r.spun_step) for r in runs)[1:] == \
        [(2, "spin", "features"), (3, "spin", "train")]


async def test_a_finished_spin_does_not_take_the_selection_back(workdir):
    """The spin of features finishes after the user moved to train: train stays selected."""
    from workbench.engine import protocol as P
    from workbench.tui.messages import EngineEvent

    run_flow(workdir)
    spin(workdir, "features")
    app = make_app(workdir, False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("u", "j", "d")  # run 1
        while app.selected_step != "features":
            await pilot.press("j")
        await pilot.press("s")
        await pilot.press("j")
        assert app.selected_step == "train"
        app.post_message(EngineEvent(P.SpinFinished(2, 1, "features", "succeeded", 0.1, [])))
        app.post_message(EngineEvent(P.CommandFinished("spin", "succeeded", 2)))
        await settle(pilot)
        assert (app.selected_run, app.selected_step) == (1, "train")
        # a spin the user waited for takes them to its run and diff
        await pilot.press("k", "s")
        app.post_message(EngineEvent(P.SpinFinished(2, 1, "features", "succeeded", 0.1, [])))
        app.post_message(EngineEvent(P.CommandFinished("spin", "succeeded", 2)))
        await settle(pilot)
        assert (app.selected_run, app.selected_step) == (2, "features")
