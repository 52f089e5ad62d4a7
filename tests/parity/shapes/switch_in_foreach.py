"""Shape: a switch inside a foreach (Metaflow test/core/graphs/switch_in_foreach.json)."""
from metaflow import FlowSpec, step


class ShapeSwitchInForeach(FlowSpec):
    @step
    def start(self):
        self.items = ["type_a", "type_b", "type_a"]
        self.next(self.process_item, foreach="items")

    @step
    def process_item(self):
        self.item_type = self.input
        self.next({"type_a": self.handle_a, "type_b": self.handle_b}, condition="item_type")

    @step
    def handle_a(self):
        self.handled = "a%d" % self.index
        self.next(self.join)

    @step
    def handle_b(self):
        self.handled = "b%d" % self.index
        self.next(self.join)

    @step
    def join(self, inputs):
        self.handled = sorted(i.handled for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShapeSwitchInForeach()
