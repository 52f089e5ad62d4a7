"""Every shape the Metaflow import must carry: foreach, nested branches, a switch, @catch,
a retried task (its second attempt is the one imported)."""
from metaflow import FlowSpec, Parameter, catch, current, retry, step


class ImportShapesFlow(FlowSpec):
    n = Parameter("n", default=3)
    mode = Parameter("mode", default="a")

    @step
    def start(self):
        self.items = list(range(self.n))
        self.route = self.mode
        print("start with", self.n)
        self.next(self.fan, foreach="items")

    @retry(times=1)
    @step
    def fan(self):
        if current.retry_count == 0 and self.input == 1:
            raise RuntimeError("flaky on purpose")
        self.sq = self.input ** 2
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.total = sum(i.sq for i in inputs)
        self.squares = [i.sq for i in inputs]
        self.route = inputs[0].route
        self.next(self.fork)

    @step
    def fork(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.lv = self.total + 1
        self.next(self.inner_a, self.inner_b)

    @step
    def inner_a(self):
        self.a = "A"
        self.next(self.inner_join)

    @step
    def inner_b(self):
        self.b = {"b": [1, 2]}
        self.next(self.inner_join)

    @step
    def inner_join(self, inputs):
        self.ab = inputs.inner_a.a + str(inputs.inner_b.b)
        self.merge_artifacts(inputs)
        self.next(self.outer_join)

    @catch(var="oops", print_exception=False)
    @step
    def right(self):
        self.rv = -1
        self.rv = 1 / 0
        self.next(self.outer_join)

    @step
    def outer_join(self, inputs):
        self.caught = inputs.right.oops is not None
        self.ab = inputs.inner_join.ab
        self.route = inputs.inner_join.route
        self.next(self.choose)

    @step
    def choose(self):
        self.next({"a": self.path_a, "b": self.path_b}, condition="route")

    @step
    def path_a(self):
        self.picked = "a"
        self.next(self.end)

    @step
    def path_b(self):
        self.picked = "b"
        self.next(self.end)

    @step
    def end(self):
        print("done", self.picked)


if __name__ == "__main__":
    ImportShapesFlow()
