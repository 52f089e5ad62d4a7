"""Shape: a foreach inside one case of a switch
(Metaflow test/core/graphs/foreach_in_switch.json)."""
from metaflow import FlowSpec, step


class ShapeForeachInSwitch(FlowSpec):
    @step
    def start(self):
        self.mode = "process"
        self.next({"process": self.process_items, "skip": self.skip_processing},
                  condition="mode")

    @step
    def process_items(self):
        self.items_to_process = ["item_1", "item_2"]
        self.next(self.do_work, foreach="items_to_process")

    @step
    def do_work(self):
        self.result = self.input.upper()
        self.next(self.join_work)

    @step
    def join_work(self, inputs):
        self.results = [i.result for i in inputs]
        self.next(self.end)

    @step
    def skip_processing(self):
        self.results = []
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShapeForeachInSwitch()
