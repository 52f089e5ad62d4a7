"""Config and config_expr (Metaflow 2.13+): a Config with a default value, one read from a
file given on the command line, a Parameter default and decorator arguments that are Config
expressions, and the values read-only in steps."""
from metaflow import (Config, FlowSpec, Parameter, catch, config_expr, current, project, retry,
                      step)


@project(name=config_expr("settings.project"))
class ParityConfigFlow(FlowSpec):
    settings = Config("settings", default_value={"project": "parity_cfg", "retries": 2,
                                                 "model": {"lr": 0.1, "layers": [4, 8]}})
    data = Config("data", default="no_such_config.json")
    lr = Parameter("lr", default=config_expr("settings.model.lr"))

    @retry(times=settings.retries)
    @step
    def start(self):
        self.seen = [self.settings.model.lr, self.settings["retries"],
                     list(self.settings.model.layers), self.lr, current.project_name,
                     self.data.source, self.data.rows]
        self.attempt = current.retry_count
        if current.retry_count < 1:
            raise ValueError("the first attempt fails")
        try:
            self.settings.model.lr = 1
        except Exception as exc:  # noqa: BLE001
            self.modify_error = type(exc).__name__
        self.next(self.end)

    @catch(var="caught", print_exception=False)
    @step
    def end(self):
        self.at_end = [self.settings.model.lr, dict(self.data)]


if __name__ == "__main__":
    ParityConfigFlow()
