"""A 20-step pipeline: two loaders joined, three summaries joined, a foreach over a small
hyper-parameter grid, and a report and an export joined at the end.

    workbench sample_flows/pipeline_flow.py

Its shape is the point: two layers of joins and a foreach do not fit boxes in a 120x36
terminal, so the Flow pane draws it one line per step.
"""
from metaflow import FlowSpec, Parameter, step


class PipelineFlow(FlowSpec):
    n_rows = Parameter("n_rows", default=4000, type=int, help="orders to simulate")
    seed = Parameter("seed", default=3, type=int, help="random seed")

    @step
    def start(self):
        self.next(self.load_customers, self.load_orders)

    @step
    def load_customers(self):
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(self.seed)
        self.customers = pd.DataFrame({"customer": range(400),
                                       "region": rng.choice(["north", "south", "east"], 400)})
        self.next(self.clean_customers)

    @step
    def clean_customers(self):
        self.customers = self.customers.drop_duplicates("customer")
        self.next(self.join_sources)

    @step
    def load_orders(self):
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(self.seed + 1)
        self.orders = pd.DataFrame({
            "customer": rng.integers(0, 400, self.n_rows),
            "product": rng.choice(["tea", "coffee", "cocoa", "mate"], self.n_rows),
            "month": rng.integers(1, 13, self.n_rows),
            "amount": rng.gamma(2.0, 15.0, self.n_rows).round(2),
        })
        self.next(self.clean_orders)

    @step
    def clean_orders(self):
        self.orders = self.orders[self.orders.amount > 1.0]
        self.next(self.join_sources)

    @step
    def join_sources(self, inputs):
        self.table = inputs.clean_orders.orders.merge(inputs.clean_customers.customers,
                                                      on="customer")
        self.next(self.features)

    @step
    def features(self):
        self.table["big"] = self.table.amount > self.table.amount.median()
        self.next(self.by_region, self.by_product, self.by_month)

    @step
    def by_region(self):
        self.summary = self.table.groupby("region").amount.sum()
        self.next(self.summaries)

    @step
    def by_product(self):
        self.summary = self.table.groupby("product").amount.sum()
        self.next(self.summaries)

    @step
    def by_month(self):
        self.summary = self.table.groupby("month").amount.sum()
        self.next(self.summaries)

    @step
    def summaries(self, inputs):
        self.totals = {name: getattr(inputs, name).summary.round(2).to_dict()
                       for name in ("by_region", "by_product", "by_month")}
        self.merge_artifacts(inputs, include=["table"])
        self.next(self.make_grid)

    @step
    def make_grid(self):
        self.grid = [0.01, 0.03, 0.1, 0.3]
        self.next(self.train, foreach="grid")

    @step
    def train(self):
        import numpy as np

        self.lr = self.input
        x = self.table.amount.to_numpy() / 100.0
        y = self.table.big.to_numpy().astype(float)
        w = 0.0
        for _ in range(200):
            p = 1 / (1 + np.exp(-(w * x - 1.0)))
            w -= self.lr * float(np.mean((p - y) * x))
        self.weight = w
        self.next(self.evaluate)

    @step
    def evaluate(self):
        import numpy as np

        x = self.table.amount.to_numpy() / 100.0
        y = self.table.big.to_numpy()
        p = 1 / (1 + np.exp(-(self.weight * x - 1.0)))
        self.accuracy = round(float(np.mean((p > 0.5) == y)), 4)
        self.loss = round(float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), 4)
        print(f"lr={self.lr} accuracy={self.accuracy} loss={self.loss}")
        self.next(self.pick_best)

    @step
    def pick_best(self, inputs):
        best = max(inputs, key=lambda i: i.accuracy)
        self.lr, self.accuracy, self.loss = best.lr, best.accuracy, best.loss
        self.merge_artifacts(inputs, include=["totals"])
        self.next(self.package)

    @step
    def package(self):
        self.model = {"lr": self.lr, "accuracy": self.accuracy}
        self.next(self.report, self.export)

    @step
    def report(self):
        self.text = f"best lr {self.lr}: accuracy {self.accuracy}, loss {self.loss}"
        print(self.text)
        self.next(self.publish)

    @step
    def export(self):
        self.exported = sorted(self.model.items())
        self.next(self.publish)

    @step
    def publish(self, inputs):
        self.text = inputs.report.text
        self.exported = inputs.export.exported
        self.next(self.end)

    @step
    def end(self):
        print("done:", self.text)


if __name__ == "__main__":
    PipelineFlow()
