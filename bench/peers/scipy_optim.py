"""SciPy peer of the lbfgs workload (bench/main.ts): L-BFGS-B on n-d Rosenbrock from (-1.2, 1, ...),
stopping like Fluxion's side at max-norm of the gradient <= 1e-5 (gtol; ftol = 0 turns off SciPy's
relative-decrease test). Timed as lib/timing.ts does; prints one @@RESULT line of JSON per task."""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize

TOLERANCE = 1e-5  # workloads/models.ts: LBFGS_TOLERANCE
WARMUP_SECONDS = 1.0
SLOW_CALL_SECONDS = 0.5


def rosenbrock(x):
    head, tail = x[:-1], x[1:]
    f = np.sum(100 * (tail - head ** 2) ** 2 + (1 - head) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400 * head * (tail - head ** 2) - 2 * (1 - head)
    g[1:] += 200 * (tail - head ** 2)
    return f, g


def solve(n, **options):
    x0 = np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])
    return minimize(rosenbrock, x0, jac=True, method="L-BFGS-B", options={"maxiter": 2000, **options})


def checksum(r):
    """[evaluations, iterations, f, max-norm of the gradient, max |x - 1|] (workloads/models.ts: lbfgsChecksum)."""
    f, g = rosenbrock(r.x)
    return [int(r.nfev), int(r.nit), float(f), float(np.abs(g).max()), float(np.abs(r.x - 1).max())]


def timed(call, reps, min_rep_seconds):
    t0 = time.perf_counter()
    call()
    first = time.perf_counter() - t0
    probe, warm_start, k = first, time.perf_counter(), 0
    while k < 2 or time.perf_counter() - warm_start < WARMUP_SECONDS:
        t0 = time.perf_counter()
        call()
        probe = time.perf_counter() - t0
        k += 1
    calls = max(1, min(100000, int(np.ceil(min_rep_seconds / max(probe, 1e-7)))))
    reps = min(reps, 5) if probe > SLOW_CALL_SECONDS else reps
    seconds = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        seconds.append((time.perf_counter() - t0) / calls)
    return seconds, calls, first


def main():
    tasks = json.loads(sys.argv[1])
    for task in tasks:
        base = {"peer": "SciPy", "workload": task["workload"], "size": task["size"], "seconds": [], "callsPerRep": 0, "checksum": [], "firstCallSeconds": float("nan")}
        try:
            if task["workload"] != "lbfgs":
                raise ValueError(f"no {task['workload']} workload in scipy_optim.py")
            n = task["size"]
            seconds, calls, first = timed(lambda: solve(n, gtol=TOLERANCE, ftol=0), task["reps"], task["minRepSeconds"])
            r = solve(n, gtol=TOLERANCE, ftol=0)
            d = solve(n)  # SciPy's defaults, for the note: ftol 2.2e-9 stops it earlier than the gradient test
            dc = checksum(d)
            note = (f"L-BFGS-B, 10 correction pairs, gtol {TOLERANCE:g}, ftol 0; with SciPy's default ftol it stops after "
                    f"{dc[0]} evaluations at f = {dc[2]:.1e}, max|g| = {dc[3]:.1e}")
            m = {**base, "seconds": seconds, "callsPerRep": calls, "firstCallSeconds": first, "checksum": checksum(r), "note": note}
        except Exception as e:  # reported as this task's error, never a silent drop
            m = {**base, "error": f"crashed: {e}"}
        print("@@RESULT " + json.dumps(m), flush=True)
    import scipy
    print("@@INFO " + json.dumps({"scipy": scipy.__version__}), flush=True)


main()
