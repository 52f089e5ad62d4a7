"""Shape: nested switches (Metaflow test/core/graphs/switch_nested.json)."""
from metaflow import FlowSpec, step


class ShapeSwitchNested(FlowSpec):
    @step
    def start(self):
        self.condition1 = "case1"
        self.next({"case1": self.switch2, "case2": self.b}, condition="condition1")

    @step
    def switch2(self):
        self.condition2 = "case2_2"
        self.next({"case2_1": self.c, "case2_2": self.d}, condition="condition2")

    @step
    def b(self):
        self.took = "b"
        self.next(self.end)

    @step
    def c(self):
        self.took = "c"
        self.next(self.end)

    @step
    def d(self):
        self.took = "d"
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShapeSwitchNested()
