# Generates examples/data/examples_fixtures.json: the GP regression data set with scipy's maximum marginal
# likelihood fit and closed-form predictive at that fit, and SciPy's L-BFGS-B results for the restarts example.
# Run: python3 examples/data/gen_examples.py  (numpy 2.x, scipy 1.1x)
import json
import pathlib

import numpy as np
from scipy.optimize import minimize

out = {}

# --- GP regression (TFP's GaussianProcessRegressionModel docstring: f(x) = sin(10 x) exp(-x^2), noisy) ---
rng = np.random.default_rng(0)
x = np.sort(rng.uniform(-1.0, 1.0, 40))
y = np.sin(10 * x) * np.exp(-x**2) + rng.normal(0.0, 0.1, x.shape)
JITTER = 1e-6  # TFP's GaussianProcess default, added to the diagonal of K + noise I


def eq_kernel(a, b, amplitude, length_scale):
    return amplitude**2 * np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / length_scale**2)


def nll(log_params):
    amplitude, length_scale, noise = np.exp(log_params)
    k = eq_kernel(x, x, amplitude, length_scale) + (noise + JITTER) * np.eye(len(x))
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(chol, y)
    return 0.5 * alpha @ alpha + np.log(np.diag(chol)).sum() + 0.5 * len(x) * np.log(2 * np.pi)


# Both fits start from amplitude 1, length scale 0.2, noise 0.1: from length scale 1 the likelihood has a
# second, degenerate optimum that explains everything as noise.
INIT = [1.0, 0.2, 0.1]
fit = minimize(nll, np.log(INIT), method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 1000})
amplitude, length_scale, noise = np.exp(fit.x)
xs = np.linspace(-1.0, 1.0, 11)
k = eq_kernel(x, x, amplitude, length_scale) + (noise + JITTER) * np.eye(len(x))
chol = np.linalg.cholesky(k)
a = np.linalg.solve(chol, eq_kernel(x, xs, amplitude, length_scale))
mean = a.T @ np.linalg.solve(chol, y)
variance = amplitude**2 - (a * a).sum(0)  # noiseless latent function values (predictive noise 0)
out["gp"] = {
    "x": x.tolist(), "y": y.tolist(), "indexPoints": xs.tolist(), "jitter": JITTER, "init": INIT,
    "amplitude": amplitude, "lengthScale": length_scale, "observationNoiseVariance": noise,
    "negLogMarginalLikelihood": float(fit.fun), "predictiveMean": mean.tolist(), "predictiveVariance": variance.tolist(),
}

# --- L-BFGS restarts: SciPy's L-BFGS-B (m = 10 correction pairs) from the same starting grid ---
starts = [[a, b] for a in np.linspace(-2.0, 2.0, 4) for b in np.linspace(-2.0, 2.0, 4)]


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_grad(p):
    return np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)])


def himmelblau(p):
    return (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2


def himmelblau_grad(p):
    u, v = p[0] ** 2 + p[1] - 11, p[0] + p[1] ** 2 - 7
    return np.array([4 * p[0] * u + 2 * v, 2 * u + 4 * p[1] * v])


def run(f, g):
    rows = []
    for s in starts:
        r = minimize(f, np.array(s), jac=g, method="L-BFGS-B", options={"gtol": 1e-8, "ftol": 1e-15, "maxcor": 10, "maxiter": 500})
        rows.append({"start": s, "position": r.x.tolist(), "value": float(r.fun), "nfev": int(r.nfev), "success": bool(r.success)})
    return rows


# Himmelblau's four minima to full precision (polished from SciPy's solutions by Newton's method on the gradient).
minima = []
for guess in [[3, 2], [-2.8, 3.1], [-3.8, -3.3], [3.6, -1.8]]:
    p = np.array(guess, dtype=float)
    for _ in range(50):
        u, v = p[0] ** 2 + p[1] - 11, p[0] + p[1] ** 2 - 7
        hess = np.array([[4 * u + 8 * p[0] ** 2 + 2, 4 * p[0] + 4 * p[1]], [4 * p[0] + 4 * p[1], 2 + 4 * v + 8 * p[1] ** 2]])
        p = p - np.linalg.solve(hess, himmelblau_grad(p))
    minima.append(p.tolist())
out["lbfgs"] = {"starts": starts, "rosenbrock": run(rosenbrock, rosenbrock_grad), "himmelblau": run(himmelblau, himmelblau_grad), "himmelblauMinima": minima}

path = pathlib.Path(__file__).with_name("examples_fixtures.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: gp fit amplitude={amplitude:.6f} lengthScale={length_scale:.6f} noise={noise:.6g} nll={fit.fun:.8f}")
print("rosenbrock nfev", [r["nfev"] for r in out["lbfgs"]["rosenbrock"]])
print("himmelblau nfev", [r["nfev"] for r in out["lbfgs"]["himmelblau"]])
