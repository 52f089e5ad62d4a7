"""Cards as Metaflow documents them: @card (default) with components appended from the step,
a blank card reached by id, and every component type of metaflow.cards."""
from metaflow import FlowSpec, Parameter, card, current, step
from metaflow.cards import (Artifact, Error, Image, Markdown, ProgressBar, Table, ValueBox,
                            VegaChart)


class ParityCardsFlow(FlowSpec):
    rate = Parameter("rate", default=0.25)

    @card
    @step
    def start(self):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import pandas as pd

        self.frame = pd.DataFrame({"x": list(range(12)), "label": ["<b>%d</b>" % i for i in range(12)]})
        self.scores = {"auc": 0.91, "loss": [0.5, 0.25]}
        self.title = "Cards <i>& friends</i>"
        current.card.append(Markdown("# Report\nRate is **%s** and _markup_ <b>stays text</b>" % self.rate))
        current.card.append(Table([["auc", 0.91], ["nested", Artifact({"k": [1, 2]})],
                                   ["md", Markdown("*cell*")]], headers=["metric", "value"]))
        current.card.append(Table.from_dataframe(self.frame))
        current.card.append(Artifact(self.scores, name="scores"))
        figure, axes = plt.subplots(figsize=(3, 2), dpi=50)
        axes.plot([1, 2, 3], [3, 1, 2])
        current.card.append(Image.from_matplotlib(figure, label="a line"))
        current.card.append(ProgressBar(max=20, value=15, label="epochs", unit="ep",
                                        metadata="done early"))
        current.card.append(ValueBox(title="AUC", value=0.91, subtitle="validation"))
        current.card.append(VegaChart({"mark": "bar", "data": {"values": [
            {"a": "x", "b": 1}, {"a": "y", "b": 3}]},
            "encoding": {"x": {"field": "a"}, "y": {"field": "b"}}}))
        try:
            raise ValueError("shown, not raised")
        except ValueError as exc:
            current.card.append(Error(exc, "a caught error"))
        self.next(self.end)

    @card(type="blank", id="summary")
    @step
    def end(self):
        current.card["summary"].append(Markdown("## Summary"))
        current.card["summary"].append(Table([[1, "one"], [2, "two"]], headers=["n", "name"]))


if __name__ == "__main__":
    ParityCardsFlow()
