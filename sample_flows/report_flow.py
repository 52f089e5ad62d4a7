"""Sales report: two analyses in parallel branches, joined into one report.

Written with Metaflow's imports: it runs unchanged under workbench and under Metaflow.

    workbench run sample_flows/report_flow.py --param top=3
    workbench card SalesReportFlow/1/report   # the report step's card, as an HTML page
"""
import numpy as np
import pandas as pd

from metaflow import FlowSpec, Parameter, card, current, step
from metaflow.cards import Image, Markdown, Table, ValueBox, VegaChart


class SalesReportFlow(FlowSpec):
    """Summarise synthetic sales by region and by product, then merge the two views."""

    top = Parameter("top", default=5, help="How many products the report lists")

    @step
    def start(self):
        """Generate a year of orders."""
        rng = np.random.default_rng(11)
        n = 20_000
        self.orders = pd.DataFrame({
            "region": rng.choice(["north", "south", "east", "west"], n),
            "product": rng.choice([f"p{i:02d}" for i in range(25)], n),
            "units": rng.integers(1, 20, n),
            "price": rng.gamma(4.0, 6.0, n).round(2),
        })
        self.orders["revenue"] = self.orders.units * self.orders.price
        self.next(self.by_region, self.by_product)

    @step
    def by_region(self):
        """Revenue and order count per region."""
        self.regions = (self.orders.groupby("region")
                        .agg(revenue=("revenue", "sum"), orders=("units", "size"))
                        .sort_values("revenue", ascending=False))
        self.next(self.report)

    @step
    def by_product(self):
        """The best-selling products."""
        self.products = (self.orders.groupby("product")["revenue"].sum()
                         .sort_values(ascending=False).head(self.top))
        self.next(self.report)

    @card
    @step
    def report(self, inputs):
        """Merge both views into one report (and a card of it)."""
        self.merge_artifacts(inputs, include=["orders"])
        self.regions = inputs.by_region.regions
        self.products = inputs.by_product.products
        self.total_revenue = float(self.orders.revenue.sum())
        current.card.append(Markdown(f"# Sales report\n{len(self.orders):,} orders, "
                                     f"top {self.top} products"))
        current.card.append(ValueBox(title="Total revenue", value=f"{self.total_revenue:,.0f}"))
        try:  # a picture of it too, where Matplotlib is installed
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            plt = None
        if plt is not None:
            figure, axes = plt.subplots(figsize=(4.8, 2.4), dpi=80)
            self.regions.revenue.plot.bar(ax=axes, color="#4c72b0", rot=0)
            axes.set_ylabel("revenue")
            figure.tight_layout()
            current.card.append(Image.from_matplotlib(figure, label="revenue by region"))
        current.card.append(Table.from_dataframe(self.regions.reset_index()))
        current.card.append(VegaChart({
            "title": "Revenue of the top products", "mark": "bar",
            "data": {"values": [{"product": p, "revenue": round(r, 2)}
                                for p, r in self.products.items()]},
            "encoding": {"x": {"field": "product", "type": "nominal"},
                         "y": {"field": "revenue", "type": "quantitative"}}}))
        self.next(self.end)

    @step
    def end(self):
        """Print the report."""
        print(f"total revenue {self.total_revenue:,.0f}")
        print(self.regions.to_string())
        print(self.products.to_string())


if __name__ == "__main__":
    SalesReportFlow()
