"""Churn model: synthetic customers, features, a small hyper-parameter sweep, pick the best.

    workbench run sample_flows/churn_flow.py --param n_customers=20000
"""
import numpy as np
import pandas as pd

from workbench import FlowSpec, Parameter, step


def make_customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, n)
    monthly = rng.normal(70, 20, n).clip(10, 150)
    tickets = rng.poisson(1.5, n)
    contract = rng.choice(["monthly", "yearly", "two-year"], n, p=[0.55, 0.3, 0.15])
    logit = -1.0 - 0.04 * tenure + 0.02 * monthly + 0.45 * tickets + (contract == "monthly") * 1.2
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"tenure": tenure, "monthly": monthly, "tickets": tickets,
                         "contract": contract, "churned": churned})


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class ChurnFlow(FlowSpec):
    """Train a churn classifier with a few settings and keep the best one."""

    n_customers = Parameter("n_customers", default=5000, help="How many customers to simulate")
    seed = Parameter("seed", default=7, help="Random seed of the simulation")

    @step
    def start(self):
        """Simulate the customer table."""
        self.customers = make_customers(self.n_customers, self.seed)
        print(f"simulated {len(self.customers)} customers, "
              f"churn rate {self.customers.churned.mean():.1%}")
        self.next(self.features)

    @step
    def features(self):
        """Scale numeric columns and one-hot the contract type."""
        df = self.customers
        X = pd.DataFrame({
            "tenure": (df.tenure - df.tenure.mean()) / df.tenure.std(),
            "monthly": (df.monthly - df.monthly.mean()) / df.monthly.std(),
            "tickets": df.tickets.astype(float),
            "is_monthly": (df.contract == "monthly").astype(float),
        })
        self.X = X
        self.y = df.churned.astype(float).to_numpy()
        self.settings = [{"lr": lr, "l2": l2} for lr in (0.05, 0.2) for l2 in (0.0, 0.1)]
        self.next(self.train, foreach="settings")

    @step
    def train(self):
        """Logistic regression by gradient descent with one setting."""
        setting = self.input
        X = np.column_stack([np.ones(len(self.X)), self.X.to_numpy()])
        w = np.zeros(X.shape[1])
        for _ in range(300):
            p = sigmoid(X @ w)
            grad = X.T @ (p - self.y) / len(self.y) + setting["l2"] * w
            w -= setting["lr"] * grad
        p = sigmoid(X @ w)
        self.setting = setting
        self.weights = w
        self.accuracy = float(((p > 0.5) == (self.y > 0.5)).mean())
        print(f"lr={setting['lr']} l2={setting['l2']} accuracy={self.accuracy:.3f}")
        self.next(self.pick_best)

    @step
    def pick_best(self, inputs):
        """Keep the most accurate model."""
        best = max(inputs, key=lambda inp: inp.accuracy)
        self.model = {"setting": best.setting, "weights": best.weights}
        self.accuracy = best.accuracy
        self.leaderboard = sorted(
            ({"lr": i.setting["lr"], "l2": i.setting["l2"], "accuracy": i.accuracy}
             for i in inputs), key=lambda row: -row["accuracy"])
        self.next(self.end)

    @step
    def end(self):
        """Report the winner."""
        print(f"best setting {self.model['setting']} with accuracy {self.accuracy:.3f}")


if __name__ == "__main__":
    ChurnFlow()
