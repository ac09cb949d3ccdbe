"""The forgetting meter every continual-learning chapter reads: one accuracy matrix, three numbers.

A run trains in stages (say, general tasks, then stream tasks one by one) and measures every
task it cares about after every stage. Row ``stage`` of the matrix holds those accuracies.
From it come the numbers the papers report:

- ``average(stage)``: mean accuracy over the tasks measured at that stage (the final row by
  default), what class-incremental papers call average accuracy;
- ``forgetting(task, since=stage)``: accuracy at ``since`` minus the final accuracy, the drop
  from a named starting point (Luo et al. measure from the model before continual tuning);
- ``forgetting(task)`` without ``since``: the best earlier accuracy minus the final one
  (Chaudhry et al., 2018), for tasks learned at different stages.
"""
from collections.abc import Callable, Iterable, Mapping

from .train import accuracy


def evaluate(model, tasks: Mapping[str, tuple], score: Callable = accuracy) -> dict[str, float]:
    """``score(model, X, y)`` on every task ``name → (X, y)``."""
    return {name: score(model, X, y) for name, (X, y) in tasks.items()}


class AccuracyMatrix:
    """Accuracies of a run: one row per stage, one column per task measured at that stage."""

    def __init__(self):
        self.rows: dict[str, dict[str, float]] = {}

    def record(self, stage: str, accuracies: Mapping[str, float]) -> None:
        if stage in self.rows:
            raise ValueError(f"stage {stage!r} is already recorded")
        self.rows[stage] = dict(accuracies)

    def __getitem__(self, key: tuple[str, str]) -> float:
        stage, task = key
        return self.rows[stage][task]

    @property
    def final_stage(self) -> str:
        return list(self.rows)[-1]

    def average(self, stage: str | None = None, tasks: Iterable[str] | None = None) -> float:
        """Mean accuracy at `stage` (default: the last) over `tasks` (default: all measured there)."""
        row = self.rows[self.final_stage if stage is None else stage]
        names = list(row if tasks is None else tasks)
        return sum(row[t] for t in names) / len(names)

    def forgetting(self, task: str, since: str | None = None) -> float:
        """How much accuracy on `task` was lost by the end of the run.

        With `since`, the reference is the accuracy at that stage; without it, the best
        accuracy at any earlier stage where the task was measured. Positive means forgotten.
        """
        final = self.rows[self.final_stage][task]
        if since is not None:
            return self.rows[since][task] - final
        earlier = [row[task] for stage, row in self.rows.items()
                   if stage != self.final_stage and task in row]
        if not earlier:
            raise ValueError(f"task {task!r} was not measured before the final stage")
        return max(earlier) - final

    def mean_forgetting(self, tasks: Iterable[str], since: str | None = None) -> float:
        names = list(tasks)
        return sum(self.forgetting(t, since) for t in names) / len(names)
