"""A batched 2-D point robot with a disk obstacle, scripted bimodal demos and chunked rollouts.

The Octo chapter's world: ``n`` robots at once, each starting near (0, −1) and asked to reach a
goal near (0, +1); a disk of radius r sits at the origin in between. An action is a velocity
a_t; the robot moves p_{t+1} = p_t + clip(a_t), where clip scales a_t down to the speed cap
‖a‖ ≤ v_max. A step whose segment p_t → p_{t+1} enters the disk is a collision: the robot stays
at p_t and the episode ends. Reaching within ``goal_tolerance`` of the goal also ends it.

The scripted demos pass the obstacle on the left or on the right with probability ½ each, so
the same first observation has two correct actions: a regression (MSE) head averages them into
the obstacle, a generative head can pick one.
"""
from typing import Callable, NamedTuple

import numpy as np


class State(NamedTuple):
    """A batch of robots: positions, goals and whether each episode has ended, and how."""
    pos: np.ndarray        # (n, 2)
    goal: np.ndarray       # (n, 2)
    collided: np.ndarray   # (n,) bool
    reached: np.ndarray    # (n,) bool

    @property
    def done(self) -> np.ndarray:
        return self.collided | self.reached


class Demos(NamedTuple):
    """Scripted trajectories: observations o_0…o_T, actions a_0…a_{T−1}, goals and sides."""
    obs: np.ndarray        # (n, T + 1, 2)
    actions: np.ndarray    # (n, T, 2); zero once the goal is reached
    goal: np.ndarray       # (n, 2)
    side: np.ndarray       # (n,) −1 passes left of the obstacle, +1 right


class Rollouts(NamedTuple):
    """What a policy did: positions p_0…p_T and each episode's outcome."""
    path: np.ndarray       # (n, T + 1, 2); frozen after the episode ends
    success: np.ndarray    # (n,) bool: reached the goal without a collision
    collided: np.ndarray   # (n,) bool
    side: np.ndarray       # (n,) −1 left, +1 right, 0 never crossed y = 0


def clip_speed(action: np.ndarray, max_speed: float) -> np.ndarray:
    """Scale each row a down to norm ≤ max_speed: a · min(1, v_max / ‖a‖); shorter rows unchanged."""
    norm = np.linalg.norm(action, axis=-1, keepdims=True)
    return action * np.minimum(1.0, max_speed / np.maximum(norm, 1e-12))


def segment_hits_disk(p0: np.ndarray, p1: np.ndarray, centre, radius: float) -> np.ndarray:
    """Whether each segment p0 → p1 (rows of (n, 2)) comes closer than ``radius`` to ``centre``.

    The closest point is p0 + τ (p1 − p0) with τ = clip(⟨c − p0, d⟩ / ‖d‖², 0, 1), d = p1 − p0;
    a segment only grazing the circle (distance exactly r) does not collide.
    """
    d = p1 - p0
    to_c = np.asarray(centre) - p0
    tau = np.clip((to_c * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-12), 0.0, 1.0)
    closest = p0 + tau[:, None] * d
    return np.linalg.norm(closest - centre, axis=-1) < radius


class PointMass:
    """The world's constants and its batched dynamics (no hidden state: ``step`` maps State → State)."""

    def __init__(self, max_speed: float = 0.15, obstacle_radius: float = 0.35, goal_tolerance: float = 0.1,
                 jitter: float = 0.2, horizon: int = 24):
        self.max_speed, self.obstacle_radius = max_speed, obstacle_radius
        self.goal_tolerance, self.jitter, self.horizon = goal_tolerance, jitter, horizon
        self.obstacle = np.zeros(2)

    def reset(self, rng: np.random.Generator, n: int) -> State:
        """Starts (x, −1) and goals (x', +1) with x, x' uniform in [−jitter, jitter]."""
        start = np.stack([rng.uniform(-self.jitter, self.jitter, n), -np.ones(n)], axis=1)
        goal = np.stack([rng.uniform(-self.jitter, self.jitter, n), np.ones(n)], axis=1)
        return State(start, goal, np.zeros(n, bool), np.zeros(n, bool))

    def step(self, state: State, action: np.ndarray) -> State:
        """Move every running robot by its speed-capped action; ended episodes do not move."""
        target = state.pos + clip_speed(action, self.max_speed)
        hit = ~state.done & segment_hits_disk(state.pos, target, self.obstacle, self.obstacle_radius)
        moves = ~state.done & ~hit
        pos = np.where(moves[:, None], target, state.pos)
        reached = state.reached | (moves & (np.linalg.norm(pos - state.goal, axis=1) <= self.goal_tolerance))
        return State(pos, state.goal, state.collided | hit, reached)

    def demos(self, rng: np.random.Generator, n: int, margin: float = 0.15) -> Demos:
        """Scripted demos: full speed to a waypoint (±(r + margin), 0), then to the goal.

        The side is −1 (left) or +1 (right) with probability ½ each. With the default sizes the
        straight legs stay more than 0.05 away from the disk for every start and goal, so no demo
        collides, and both legs fit well inside the horizon (≤ 17 of 24 steps).
        """
        state = self.reset(rng, n)
        side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        waypoint = np.stack([side * (self.obstacle_radius + margin), np.zeros(n)], axis=1)
        past_waypoint = np.zeros(n, bool)
        obs, actions = [state.pos], []
        for _ in range(self.horizon):
            past_waypoint |= np.linalg.norm(state.pos - waypoint, axis=1) < 1e-9
            target = np.where(past_waypoint[:, None], state.goal, waypoint)
            action = np.where(state.done[:, None], 0.0, clip_speed(target - state.pos, self.max_speed))
            state = self.step(state, action)
            obs.append(state.pos)
            actions.append(action)
        return Demos(np.stack(obs, 1), np.stack(actions, 1), state.goal, side)

    def rollout(self, policy: Callable, rng: np.random.Generator, n: int, chunk: int = 4) -> Rollouts:
        """Run ``policy`` open-loop in chunks for ``horizon`` steps on ``n`` fresh episodes.

        Every ``chunk`` steps the policy sees (o_{t−1}, o_t, goal) — at t = 0, o_{−1} = o_0 — and
        returns actions (n, ≥ chunk, 2); the first ``chunk`` are executed without looking again.
        """
        state = self.reset(rng, n)
        prev, path = state.pos, [state.pos]
        for t in range(0, self.horizon, chunk):
            plan = np.asarray(policy(prev, state.pos, state.goal), dtype=np.float64)
            for k in range(min(chunk, self.horizon - t)):
                prev = state.pos
                state = self.step(state, plan[:, k])
                path.append(state.pos)
        path = np.stack(path, 1)
        return Rollouts(path, state.reached & ~state.collided, state.collided, passing_side(path))


def passing_side(path: np.ndarray) -> np.ndarray:
    """−1 or +1: the sign of x where a path (n, T + 1, 2) first crosses y = 0; 0 if it never does."""
    y = path[..., 1]
    crossed = (y[:, :-1] < 0) & (y[:, 1:] >= 0)
    first = crossed.argmax(1)
    rows = np.arange(len(path))
    y0, y1 = y[rows, first], y[rows, first + 1]
    x0, x1 = path[rows, first, 0], path[rows, first + 1, 0]
    x_at_zero = x0 + (x1 - x0) * (0 - y0) / np.where(y1 > y0, y1 - y0, 1.0)
    return np.where(crossed.any(1), np.sign(x_at_zero), 0).astype(np.int64)


def windows(demos: Demos, chunk: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training pairs from every step t of every demo: (o_{t−1}, o_t, goal) → a_t…a_{t+chunk−1}.

    Returns ``(prev_obs, obs, goal, action_chunk)`` of shapes (N, 2), (N, 2), (N, 2), (N, chunk, 2)
    with N = n · T; o_{−1} = o_0, and actions past the end are zero (the robot has arrived).
    """
    n, T = demos.actions.shape[:2]
    obs = demos.obs[:, :T]
    prev = np.concatenate([obs[:, :1], obs[:, :-1]], axis=1)
    padded = np.concatenate([demos.actions, np.zeros((n, chunk - 1, 2))], axis=1)
    chunks = np.stack([padded[:, k:k + T] for k in range(chunk)], axis=2)        # (n, T, chunk, 2)
    goal = np.broadcast_to(demos.goal[:, None], (n, T, 2))
    return (prev.reshape(-1, 2), obs.reshape(-1, 2), goal.reshape(-1, 2), chunks.reshape(-1, chunk, 2))
