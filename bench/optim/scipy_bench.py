"""SciPy side of bench/optim: BFGS and L-BFGS-B on the problems of run.ts, timed in this process.
Prints one JSON object {problem: {method: {nfev, nit, f, success, seconds}}} on stdout.
Run by run.ts (python3 bench/optim/scipy_bench.py); the problem data comes from
scripts/fixtures/optim_problems.json (scripts/fixtures/gen_optim.py)."""
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import minimize

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "..", "scripts", "fixtures", "optim_problems.json")) as f:
    FIX = json.load(f)


def bowl(minimum, scales):
    m, s = np.array(minimum), np.array(scales)
    return lambda x: (np.sum(s * (x - m) ** 2), 2 * s * (x - m))


def skew(minimum, hessian):
    m, h = np.array(minimum), np.array(hessian)
    return lambda x: (0.5 * (x - m) @ h @ (x - m), h @ (x - m))


def rosenbrock(x):
    head, tail = x[:-1], x[1:]
    f = np.sum(100 * (tail - head ** 2) ** 2 + (1 - head) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400 * head * (tail - head ** 2) - 2 * (1 - head)
    g[1:] += 200 * (tail - head ** 2)
    return f, g


def himmelblau(c):
    x, y = c
    a, b = x * x + y - 11, x + y * y - 7
    return a * a + b * b, np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def glm(which):
    xd, yd = np.array(FIX[which]["x"]), np.array(FIX[which]["y"])

    def fg(state):
        lin = state @ xd
        sp = np.logaddexp(0, lin)
        f = sp @ yd + 0.5 * state @ state - lin.sum()
        sig = 1 / (1 + np.exp(-lin))
        g = xd @ (sig * yd) + state - xd.sum(1)
        return f, g
    return fg


def problems():
    n = 100
    return {
        "bowl2": (bowl([1, 1], [2, 3]), np.array([0.6, 0.8])),
        "bowl10": (bowl(FIX["bowl10"]["minimum"], FIX["bowl10"]["scales"]), np.ones(10)),
        "bowl40": (bowl(FIX["bowl40"]["minimum"], FIX["bowl40"]["scales"]), np.ones(40)),
        "skew50": (skew(FIX["skew50"]["minimum"], FIX["skew50"]["hessian"]), np.ones(50)),
        "rosenbrock2": (rosenbrock, np.array([-1.2, 1.0])),
        "rosenbrock100": (rosenbrock, np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])),
        "himmelblau": (himmelblau, np.array([1.0, 1.0])),
        "glm30": (glm("dataFitting30"), np.ones(30)),
    }


def run(fun, x0, method, repeats):
    opts = {"gtol": 1e-8, "maxiter": 1000}
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = minimize(fun, x0, jac=True, method=method, options=opts)
        best = min(best, time.perf_counter() - t0)
    return {"nfev": int(r.nfev), "nit": int(r.nit), "f": float(r.fun), "success": bool(r.success), "seconds": best}


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    out = {name: {m: run(fun, x0, m, repeats) for m in ("BFGS", "L-BFGS-B")} for name, (fun, x0) in problems().items()}
    json.dump(out, sys.stdout)


main()
