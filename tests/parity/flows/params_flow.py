"""Parameter types and defaults, bool flags, JSON, and an IncludeFile with a relative default."""
from metaflow import FlowSpec, IncludeFile, JSONType, Parameter, step


class ParityParamsFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5, help="a float")
    n = Parameter("n", default=3)
    flag = Parameter("flag", default=False, type=bool)
    on = Parameter("on", default=True)
    label = Parameter("label", default="x", help="a string")
    cfg = Parameter("cfg", default='{"a": 1}', type=JSONType)
    text = IncludeFile("text", default="data.txt")

    @step
    def start(self):
        names = ["alpha", "n", "flag", "on", "label", "cfg", "text"]
        self.values = {name: getattr(self, name) for name in names}
        self.types = {name: type(getattr(self, name)).__name__ for name in names}
        self.next(self.end)

    @step
    def end(self):
        self.alpha_at_end = self.alpha


if __name__ == "__main__":
    ParityParamsFlow()
