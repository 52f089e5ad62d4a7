"""Shape: a recursive switch inside a foreach
(Metaflow test/core/graphs/recursive_switch_inside_foreach.json)."""
from metaflow import FlowSpec, step


class ShapeRecursiveSwitchInForeach(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.start_loop, foreach="items")

    @step
    def start_loop(self):
        self.goal = self.input + 1
        self.count = 0
        self.next(self.loop_body)

    @step
    def loop_body(self):
        self.count += 1
        self.should_continue = str(self.count < self.goal)
        self.next({"True": self.loop_body, "False": self.exit_item_loop},
                  condition="should_continue")

    @step
    def exit_item_loop(self):
        self.done = self.count
        self.next(self.join)

    @step
    def join(self, inputs):
        self.done = [i.done for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShapeRecursiveSwitchInForeach()
