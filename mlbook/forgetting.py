"""The forgetting meter every continual-learning chapter reads: one accuracy matrix, three numbers.

A run trains in stages (say, general tasks, then stream tasks one by one) and measures every
task it cares about after every stage. Row ``stage`` of the matrix holds those accuracies.
From it come the numbers the papers report:

- ``average(stage)``: mean accuracy over the tasks measured at that stage (the final row by
  default), what class-incremental papers call average accuracy;
- ``forgetting(task, since=stage)``: accuracy at ``since`` minus the final accuracy, the drop
  from a named starting point (say, the model before continual tuning);
- ``average_drop(tasks, since=stage, relative=True)``: Luo et al.'s (2023) FG, the drop from
  ``since`` divided by the accuracy there, averaged over every later stage and over the tasks;
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

    def average_drop(self, tasks: Iterable[str], since: str, relative: bool = False) -> float:
        """Mean over `tasks` and over every stage after `since` of the drop from `since`.

        With ``relative=True`` each drop is divided by the accuracy at `since`: this is the FG
        of Luo et al. (2023), (1/|E|) Σ_e (1/N) Σ_m (R_since − R_m) / R_since, whose average runs
        over all N later stages, not only the final one.
        """
        stages = list(self.rows)
        later = stages[stages.index(since) + 1:]
        if not later:
            raise ValueError(f"no stage follows {since!r}")
        drops = []
        for task in tasks:
            start = self.rows[since][task]
            for stage in later:
                drop = start - self.rows[stage][task]
                drops.append(drop / start if relative else drop)
        return sum(drops) / len(drops)
