"""Process-level tuning applied once the server has started."""

from __future__ import annotations

import gc

# A large GraphQL response allocates tens of thousands of short-lived objects (rows,
# field results, dicts); with CPython's default threshold of 700 allocations the
# youngest generation is collected dozens of times per request. Measured with the
# benchmark's Q1 (one task) and Q4 (2,400 objects) at 16 connections:
#   threshold   Q4 CPU/request   Q4 p99     Q1 p99
#   700         ~53 ms           —          14 ms
#   2,000       42 ms            760-860 ms 14 ms
#   20,000      42 ms            1,330 ms   18-20 ms
# Larger thresholds stop paying off past 2,000 and make each collection a longer pause.
GEN0_THRESHOLD = 2_000


def tune_garbage_collector() -> None:
    """Freeze what start-up built and collect the young generation less often.

    Objects alive after start-up (modules, the schema, caches) never become garbage:
    ``gc.freeze`` moves them out of the collector's reach, so full collections stay
    short however large the schema grows.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
