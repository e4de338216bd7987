// The leapfrog integrator: time reversibility (forward, flip momentum, forward again returns to the
// start), second-order energy error, and the metric's momentum distribution.
import { afterEach, describe, expect, test } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { valueAndGrad, vmap } from "@fluxion/transforms";
import { integrate, hamiltonian, leapfrogStep, Metric, type PhasePoint } from "./index.js";
import { runOnWasm } from "./testing/device.js";

runOnWasm();

// Long synchronous tests starve the worker's RPC; give the event loop a turn between tests.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

// A non-quadratic, correlated target so the test exercises real dynamics: log π(q) = -½ qᵀAq - ¼ Σ q⁴ + sin(q₀ q₁).
const A = np.array([[2.0, 0.6, 0.1], [0.6, 1.0, -0.3], [0.1, -0.3, 0.5]], "float64");
const logProb = (q: NDArray) => {
  const quadratic = np.multiply(np.sum(np.multiply(q, np.matmul(A, q))), -0.5);
  const quartic = np.multiply(np.sum(np.power(q, 4)), -0.25);
  return np.add(np.add(quadratic, quartic), np.sin(np.multiply(q.slice(0), q.slice(1))));
};
const vg = valueAndGrad(logProb as never);
const logProbAndGrad = (q: NDArray) => vg(q) as [NDArray, NDArray];

const metrics: [string, NDArray | undefined][] = [
  ["identity", undefined],
  ["diagonal", np.array([0.5, 2.0, 1.3], "float64")],
  ["dense", np.array([[1.0, 0.3, 0.0], [0.3, 2.0, 0.4], [0.0, 0.4, 0.7]], "float64")],
];

function startPoint(): PhasePoint {
  const position = np.array([0.7, -1.2, 0.4], "float64");
  const [lp, g] = logProbAndGrad(position);
  return { position, momentum: np.array([0.3, 0.9, -1.1], "float64"), targetLogProb: lp, gradTargetLogProb: g };
}

const maxAbsDiff = (a: NDArray, b: NDArray) => np.max(np.abs(np.subtract(a, b))).item();

describe("leapfrog", () => {
  for (const [name, inverseMassMatrix] of metrics) {
    test(`is time reversible to 1e-10 (${name} metric)`, () => {
      const metric = new Metric(inverseMassMatrix, 3, "float64");
      const start = startPoint();
      const eps = np.asarray(0.05, "float64");
      const forward = integrate(start, eps, 200, logProbAndGrad, metric);
      expect(maxAbsDiff(forward.position, start.position)).toBeGreaterThan(0.1);
      const flipped = { ...forward, momentum: np.negative(forward.momentum) };
      const back = integrate(flipped, eps, 200, logProbAndGrad, metric);
      expect(maxAbsDiff(back.position, start.position)).toBeLessThan(1e-10);
      expect(maxAbsDiff(np.negative(back.momentum), start.momentum)).toBeLessThan(1e-10);
      // Integrating with -ε is the same as flipping momentum twice.
      const backwards = integrate(forward, np.negative(eps), 200, logProbAndGrad, metric);
      expect(maxAbsDiff(backwards.position, start.position)).toBeLessThan(1e-10);
    });
  }

  test("energy error shrinks as ε² (second order)", () => {
    const metric = new Metric(metrics[2]![1], 3, "float64");
    const start = startPoint();
    const h0 = hamiltonian(start, metric).item();
    const errorAt = (eps: number) => {
      const end = integrate(start, np.asarray(eps, "float64"), Math.round(1 / eps), logProbAndGrad, metric);
      return Math.abs(hamiltonian(end, metric).item() - h0);
    };
    const ratio = errorAt(0.02) / errorAt(0.01);
    expect(ratio).toBeGreaterThan(3.2);
    expect(ratio).toBeLessThan(4.8);
  });

  test("one step matches the velocity-Verlet update written out", () => {
    const inv = metrics[1]![1]!;
    const metric = new Metric(inv, 3, "float64");
    const s = startPoint();
    const eps = 0.1;
    const out = leapfrogStep(s, np.asarray(eps, "float64"), logProbAndGrad, metric);
    const q = s.position.toArray() as number[];
    const p = s.momentum.toArray() as number[];
    const g = s.gradTargetLogProb.toArray() as number[];
    const m = inv.toArray() as number[];
    const pHalf = p.map((v, i) => v + (eps / 2) * g[i]!);
    const q1 = q.map((v, i) => v + eps * m[i]! * pHalf[i]!);
    const g1 = logProbAndGrad(np.array(q1, "float64"))[1].toArray() as number[];
    const p1 = pHalf.map((v, i) => v + (eps / 2) * g1[i]!);
    (out.position.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(q1[i]!, 14));
    (out.momentum.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(p1[i]!, 14));
  });
});

describe("metric", () => {
  test("dense momenta have covariance M = inverse(inverseMassMatrix); kinetic energy is ½ pᵀM⁻¹p", () => {
    const inv = metrics[2]![1]!;
    const metric = new Metric(inv, 3, "float64");
    const n = 4000;
    const keys = random.split(random.key(7), n);
    const x = vmap((k: NDArray) => metric.sampleMomentum(k))(keys) as NDArray;
    const cov = np.divide(np.matmul(x.T, x), n);
    const expected = np.linalg.inv(inv);
    // Entries of a sample covariance of 4000 draws have sd below 0.05 here; 0.2 is a 4-sd bound.
    expect(maxAbsDiff(cov, expected)).toBeLessThan(0.2);
    const p = np.array([0.3, -0.2, 1.0], "float64");
    const ke = metric.kineticEnergy(p).item();
    const direct = 0.5 * (np.sum(np.multiply(p, np.matmul(inv, p))).item());
    expect(ke).toBeCloseTo(direct, 14);
  });

  test("rejects an inverse mass matrix of the wrong size", () => {
    expect(() => new Metric(np.ones([4], "float64"), 3, "float64")).toThrow(/\[3\] \(diagonal\) or \[3, 3\] \(dense\)/);
  });
});
