// Test objectives shared by the optimizer tests and the benchmark: TFP's quadratic bowls, skewed
// quadratics, Rosenbrock, Himmelblau and the geometric GLM, with data from scripts/fixtures/gen_optim.py.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NDArray, np } from "@fluxion/core";
import { valueAndGrad } from "@fluxion/transforms";
import type { ValueAndGradientsFunction } from "./bfgsUtils.js";

interface Fixture {
  bowl10: { minimum: number[]; scales: number[] };
  bowl40: { minimum: number[]; scales: number[] };
  skew3: { minimum: number[]; hessian: number[][] };
  skew50: { minimum: number[]; hessian: number[][] };
  strongSkew3: { minimum: number[]; hessian: number[][] };
  dataFitting: { x: number[][]; y: number[] };
  dataFitting30: { x: number[][]; y: number[] };
}

let cached: Fixture | null = null;
export function fixture(): Fixture {
  cached ??= JSON.parse(readFileSync(fileURLToPath(new URL("../../../scripts/fixtures/optim_problems.json", import.meta.url)), "utf8")) as Fixture;
  return cached;
}

export const f64 = (x: number | number[] | number[][] | number[][][]) => np.array(x, "float64");

const vg = (f: (x: NDArray) => NDArray): ValueAndGradientsFunction => valueAndGrad(f) as ValueAndGradientsFunction;

/** sum(scales * (x - minimum)^2) over the last axis; batched over leading axes of x. */
export function quadraticBowl(minimum: number[], scales: number[]): ValueAndGradientsFunction {
  const m = f64(minimum);
  const s = f64(scales);
  return (x) => {
    // Summing over the last axis keeps batched inputs batched; valueAndGrad needs a scalar, so
    // batched calls differentiate the sum (each member's gradient only depends on its own value).
    const value = (z: NDArray) => np.sum(np.multiply(s, np.square(np.subtract(z, m))), -1);
    const [, g] = vg((z) => np.sum(value(z)))(x) as [NDArray, NDArray];
    return [value(x), g];
  };
}

/** (x - m)' H (x - m) / 2. */
export function skewedQuadratic(minimum: number[], hessian: number[][]): ValueAndGradientsFunction {
  const m = f64(minimum);
  const h = f64(hessian);
  return vg((x) => {
    const y = np.subtract(x, m);
    return np.divide(np.sum(np.multiply(y, np.matmul(h, y))), 2);
  });
}

/** Rosenbrock in 2-d with its hand-written gradient (as TFP's test). */
export const rosenbrock2d: ValueAndGradientsFunction = (c) => {
  const x = c.slice(0);
  const y = c.slice(1);
  const f = np.add(np.square(np.subtract(1, x)), np.multiply(np.square(np.subtract(y, np.square(x))), 100));
  const dfx = np.add(np.multiply(np.subtract(x, 1), 2), np.multiply(np.multiply(x, np.subtract(np.square(x), y)), 400));
  const dfy = np.multiply(np.subtract(y, np.square(x)), 200);
  return [f, np.stack([dfx, dfy])];
};

/** The n-dimensional Rosenbrock function sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, by autodiff. */
export function rosenbrockValue(x: NDArray): NDArray {
  const n = x.shape[x.ndim - 1]!;
  const head = x.slice("...", [0, n - 1]);
  const tail = x.slice("...", [1, n]);
  return np.sum(np.add(np.multiply(np.square(np.subtract(tail, np.square(head))), 100), np.square(np.subtract(1, head))), -1);
}
export const rosenbrockNd: ValueAndGradientsFunction = vg(rosenbrockValue);

/** Himmelblau's function, batched over leading axes. */
export function himmelblauValue(c: NDArray): NDArray {
  const x = c.slice("...", 0);
  const y = c.slice("...", 1);
  return np.add(np.square(np.subtract(np.add(np.square(x), y), 11)), np.square(np.subtract(np.add(x, np.square(y)), 7)));
}
export const himmelblau: ValueAndGradientsFunction = (c) => {
  const [, g] = vg((z) => np.sum(himmelblauValue(z)))(c) as [NDArray, NDArray];
  return [himmelblauValue(c), g];
};

export const himmelblauMinima: Record<string, number[]> = {
  "1,1": [3, 2],
  "-2,2": [-2.805118, 3.131312],
  "-1,-1": [-3.77931, -3.283186],
  "1,-2": [3.584428, -1.848126],
};

/** Negative log-likelihood of TFP's geometric GLM test (test_data_fitting) plus a ridge term. */
export function dataFittingObjective(which: "dataFitting" | "dataFitting30" = "dataFitting"): ValueAndGradientsFunction {
  const { x, y } = fixture()[which];
  const xData = f64(x);
  const yData = f64(y);
  return vg((state: NDArray) => {
    const linear = np.matmul(state, xData);
    const softplus = np.logaddexp(np.zerosLike(linear), linear);
    const term1 = np.sum(np.multiply(softplus, yData));
    const term2 = np.subtract(np.multiply(np.sum(np.square(state)), 0.5), np.sum(linear));
    return np.add(term1, term2);
  });
}
