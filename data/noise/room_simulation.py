"""Room impulse responses of random shoebox rooms, simulated with pyroomacoustics.

Each room gets random dimensions and a random reverberation time; the wall absorption that gives that
RT60 comes from Sabine's formula, and the response is computed with the image-source method for the early
reflections plus ray tracing for the late tail (pyroomacoustics' hybrid simulator).
"""
from __future__ import annotations

import numpy as np
import pyroomacoustics as pra

MIN_RT60, MAX_RT60 = 0.15, 0.8
MAX_IMAGE_ORDER = 10  # the hybrid simulator's ray tracing covers the rest of the tail
WALL_MARGIN = 0.5  # metres kept between walls and the source or microphone
MIN_DISTANCE = 0.5  # metres between source and microphone
LEAD_SAMPLES = 40  # samples kept before the direct-path peak (half of pyroomacoustics' delay filter)
TAIL_DECAY_DB = 60.0  # the response is cut where the energy still to come has fallen this far


def simulate_rir(sample_rate: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """One random room's impulse response (peak 1, starting just before the direct sound) and its description."""
    dims = np.array([rng.uniform(3.0, 10.0), rng.uniform(3.0, 8.0), rng.uniform(2.4, 4.0)])
    rt60 = rng.uniform(max(MIN_RT60, _shortest_rt60(dims)), MAX_RT60)
    absorption, max_order = pra.inverse_sabine(rt60, dims)
    room = pra.ShoeBox(dims, fs=sample_rate, materials=pra.Material(absorption),
                       max_order=min(max_order, MAX_IMAGE_ORDER), air_absorption=True,
                       ray_tracing=True, use_rand_ism=False)
    room.set_ray_tracing()
    source = _random_position(dims, rng)
    microphone = _random_position(dims, rng)
    while np.linalg.norm(source - microphone) < MIN_DISTANCE:
        microphone = _random_position(dims, rng)
    room.add_source(source)
    room.add_microphone(microphone)
    room.compute_rir()
    rir = np.asarray(room.rir[0][0], dtype=np.float64)
    start = max(int(np.argmax(np.abs(rir))) - LEAD_SAMPLES, 0)
    rir = _cut_tail(rir[start:]) / np.max(np.abs(rir))
    info = {"target_rt60": round(float(rt60), 3), "room_dims": [round(float(d), 2) for d in dims],
            "source_mic_distance": round(float(np.linalg.norm(source - microphone)), 2)}
    return rir, info


def _shortest_rt60(dims: np.ndarray) -> float:
    """The RT60 Sabine's formula gives when the walls absorb 95% of the energy (anything shorter is impossible)."""
    volume = float(np.prod(dims))
    surface = 2.0 * float(dims[0] * dims[1] + dims[0] * dims[2] + dims[1] * dims[2])
    return 24.0 * np.log(10.0) * volume / (pra.constants.get("c") * surface * 0.95)


def _cut_tail(rir: np.ndarray) -> np.ndarray:
    """Drop the end of ``rir`` once the energy still to come is TAIL_DECAY_DB below the total."""
    remaining = np.cumsum(rir[::-1] ** 2)[::-1]
    end = int(np.count_nonzero(remaining > remaining[0] * 10.0 ** (-TAIL_DECAY_DB / 10.0)))
    return rir[:max(end, 1)]


def _random_position(dims: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.array([rng.uniform(WALL_MARGIN, d - WALL_MARGIN) for d in dims])
