"""mlbook.pointmass: collision geometry on hand cases, the speed cap, and demos that are safe and bimodal."""
import numpy as np
import pytest

from mlbook.pointmass import PointMass, clip_speed, passing_side, segment_hits_disk, windows


def test_segment_disk_collision_on_hand_cases():
    p0 = np.array([[-1.0, 0.0], [-1.0, 0.5], [-1.0, 0.2], [0.5, -1.0], [0.0, -0.5], [-1.0, 0.0]])
    p1 = np.array([[1.0, 0.0], [1.0, 0.5], [1.0, 0.2], [0.5, 1.0], [0.0, -0.2], [-0.6, 0.0]])
    # Through the centre; above the disk (0.5 > 0.3); cuts a chord (0.2 < 0.3), though both ends
    # are far outside; beside it; ends inside; stops short of it.
    assert segment_hits_disk(p0, p1, np.zeros(2), 0.3).tolist() == [True, False, True, False, True, False]
    # Grazing at exactly the radius is not a collision; a hair closer is.
    graze = segment_hits_disk(np.array([[-1.0, 0.3], [-1.0, 0.2999]]), np.array([[1.0, 0.3], [1.0, 0.2999]]),
                              np.zeros(2), 0.3)
    assert graze.tolist() == [False, True]


def test_speed_cap_scales_only_fast_actions():
    a = np.array([[3.0, 4.0], [0.03, 0.04], [0.0, 0.0]])
    out = clip_speed(a, 0.1)
    assert np.allclose(out, [[0.06, 0.08], [0.03, 0.04], [0, 0]])
    env = PointMass()
    state = env.reset(np.random.default_rng(0), 3)
    moved = env.step(state, np.array([[0.0, 5.0], [5.0, 0.0], [0.01, 0.0]]))
    assert np.allclose(np.linalg.norm(moved.pos - state.pos, axis=1), [env.max_speed, env.max_speed, 0.01])


def test_a_collision_stops_the_robot_and_ends_the_episode():
    env = PointMass(max_speed=1.0)
    state = env.reset(np.random.default_rng(0), 2)._replace(pos=np.array([[0.0, -0.5], [1.0, -0.5]]))
    state = env.step(state, np.array([[0.0, 1.0], [0.0, 1.0]]))       # robot 0 drives through the disk
    assert state.collided.tolist() == [True, False] and np.allclose(state.pos[0], [0.0, -0.5])
    state = env.step(state, np.array([[-1.0, 0.0], [0.0, 0.0]]))
    assert np.allclose(state.pos[0], [0.0, -0.5]) and state.collided.tolist() == [True, False]


def test_demos_never_collide_reach_the_goal_and_pass_left_or_right_half_the_time():
    env = PointMass()
    d = env.demos(np.random.default_rng(1), 4000)
    T = env.horizon
    assert d.obs.shape == (4000, T + 1, 2) and d.actions.shape == (4000, T, 2)
    hits = segment_hits_disk(d.obs[:, :-1].reshape(-1, 2), d.obs[:, 1:].reshape(-1, 2), np.zeros(2),
                             env.obstacle_radius + 0.05)
    assert not hits.any()
    assert (np.linalg.norm(d.obs[:, -1] - d.goal, axis=1) <= env.goal_tolerance).all()
    assert (np.linalg.norm(d.actions, axis=-1) <= env.max_speed + 1e-12).all()
    assert (passing_side(d.obs) == d.side).all()
    # 4000 fair coin flips: the share of left passes is ½ within 4 standard errors (0.032).
    assert abs((d.side < 0).mean() - 0.5) < 4 * 0.5 / np.sqrt(4000)


def test_replaying_demo_actions_succeeds_and_a_straight_policy_collides():
    env = PointMass()
    d = env.demos(np.random.default_rng(2), 200)
    # The same generator state gives the same starts and goals, so replaying the actions chunk by chunk succeeds.
    replay = iter(np.split(d.actions, env.horizon // 4, axis=1))
    out = env.rollout(lambda prev, obs, goal: next(replay), np.random.default_rng(2), 200, chunk=4)
    assert np.allclose(out.path, d.obs) and out.success.all() and out.side.tolist() == d.side.astype(int).tolist()
    # Heading straight for the goal (the average of the two modes) drives into the obstacle.
    straight = env.rollout(lambda prev, obs, goal: (goal - obs)[:, None].repeat(4, 1), np.random.default_rng(3), 200)
    assert straight.collided.all() and not straight.success.any()


def test_rollouts_and_demos_are_deterministic_given_the_seed():
    env = PointMass()
    a, b = env.demos(np.random.default_rng(5), 50), env.demos(np.random.default_rng(5), 50)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a.obs, env.demos(np.random.default_rng(6), 50).obs)


def test_windows_pair_each_observation_with_its_next_chunk():
    env = PointMass()
    d = env.demos(np.random.default_rng(0), 3)
    prev, obs, goal, chunks = windows(d, chunk=4)
    T = env.horizon
    assert chunks.shape == (3 * T, 4, 2)
    i, t = 2, 5
    row = i * T + t
    assert np.array_equal(obs[row], d.obs[i, t]) and np.array_equal(prev[row], d.obs[i, t - 1])
    assert np.array_equal(chunks[row], d.actions[i, t:t + 4]) and np.array_equal(goal[row], d.goal[i])
    assert np.array_equal(prev[i * T], obs[i * T])                   # o_{−1} = o_0
    assert np.array_equal(chunks[i * T + T - 1, 1:], np.zeros((3, 2)))   # past the end: zeros
    # A chunk is what moves o_t to o_{t+1}: o_t + a_t = o_{t+1} for demos (no cap or collision kicks in).
    assert np.allclose(obs[row] + chunks[row, 0], d.obs[i, t + 1])
