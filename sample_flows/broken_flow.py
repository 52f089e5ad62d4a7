"""A flow whose `clean` step fails on purpose, to show fix-then-spin.

    workbench run sample_flows/broken_flow.py     # fails at `clean`
    # fix the bug in `clean` (see the comment there), then re-run only that step:
    workbench spin sample_flows/broken_flow.py clean
"""
import pandas as pd

from workbench import FlowSpec, step


class BrokenFlow(FlowSpec):
    """Load raw sensor readings, clean them, summarise."""

    @step
    def start(self):
        """Raw readings, with a few missing and a few garbage values."""
        self.raw = pd.DataFrame({
            "sensor": ["a", "b", "c", "d", "e", "f"],
            "reading": ["1.5", "2.0", None, "3.25", "n/a", "4.0"],
        })
        self.next(self.clean)

    @step
    def clean(self):
        """Turn readings into floats. Bug: 'n/a' is not a number.

        Fix: pd.to_numeric(self.raw.reading, errors="coerce")
        """
        self.readings = self.raw.reading.dropna().astype(float)
        self.next(self.end)

    @step
    def end(self):
        """Summarise."""
        self.mean = float(self.readings.mean())
        print(f"mean reading {self.mean:.2f} over {self.readings.count()} sensors")


if __name__ == "__main__":
    BrokenFlow()
