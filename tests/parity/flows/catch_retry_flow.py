"""@catch (the flow continues, the exception is an artifact), @retry, @timeout."""
import time

from metaflow import FlowSpec, catch, current, retry, step, timeout


class ParityCatchFlow(FlowSpec):

    @step
    def start(self):
        self.next(self.fail)

    @catch(var="err")
    @step
    def fail(self):
        self.before = "set before the failure"
        raise ValueError("bad value")
        self.next(self.flaky)

    @retry(times=2)
    @step
    def flaky(self):
        print("attempt", current.retry_count)
        self.attempt_seen = current.retry_count
        if current.retry_count < 1:
            raise RuntimeError("flaky")
        self.next(self.slow)

    @catch(var="timeout_err", print_exception=False)
    @timeout(seconds=1)
    @step
    def slow(self):
        time.sleep(3)
        self.next(self.end)

    @step
    def end(self):
        self.error_type = self.err.type
        self.error_message = self.err.exception
        self.error_printed = "ValueError: bad value" in str(self.err)
        self.timeout_type = self.timeout_err.type.rsplit(".", 1)[-1]
        self.timeout_message = self.timeout_err.exception.splitlines()[0]


if __name__ == "__main__":
    ParityCatchFlow()
