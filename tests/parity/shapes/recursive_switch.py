"""Shape: a step that switches back to itself (Metaflow test/core/graphs/recursive_switch.json)."""
from metaflow import FlowSpec, step


class ShapeRecursiveSwitch(FlowSpec):
    @step
    def start(self):
        self.count = 0
        self.next(self.loop_step)

    @step
    def loop_step(self):
        self.count += 1
        self.loop_status = "continue" if self.count < 3 else "exit"
        self.next({"continue": self.loop_step, "exit": self.exit_loop},
                  condition="loop_status")

    @step
    def exit_loop(self):
        self.final = self.count
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShapeRecursiveSwitch()
