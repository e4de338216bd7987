// Pinned joints and the joint default event-space bijector: TFP's JointDistributionPinned docstring examples,
// the unnormalized posterior density against hand-written sums, and the bijector against hand formulas and
// log|det| of its jacfwd Jacobian (supports that depend on upstream parts included).
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { checkGrads, grad, jacfwd } from "@fluxion/transforms";
import * as tfd from "../distributions/index.js";
import { JointDistributionNamed, JointDistributionPinned, JointDistributionSequential } from "./index.js";

const f64 = (x: number | number[]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);
const num = (x: NDArray): number => Number(x.dataSync()[0]);
const normalLp = (x: number, loc: number, scale: number) => -0.5 * ((x - loc) / scale) ** 2 - Math.log(scale) - 0.5 * Math.log(2 * Math.PI);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const logSigmoid = (x: number) => -softplus(-x);

function close(a: number, e: number, tol = 1e-12): void {
  if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) throw new Error(`got ${a}, expected ${e}`);
}

/** log|det J| of a square Jacobian by Gaussian elimination with partial pivoting (an independent oracle). */
function logAbsDet(m: number[][]): number {
  const a = m.map((r) => [...r]);
  const n = a.length;
  let s = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const piv = a[c]![c]!;
    s += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const k = a[r]![c]! / piv;
      for (let j = c; j < n; j++) a[r]![j]! -= k * a[c]![j]!;
    }
  }
  return s;
}

describe("JointDistributionPinned (TFP docstring: z, y, x = y + z + noise)", () => {
  const jd = new JointDistributionSequential([
    new tfd.Normal({ loc: f64(0), scale: 1, name: "z" }),
    new tfd.Normal({ loc: f64(0), scale: 1, name: "y" }),
    (y: NDArray, z: NDArray) => new tfd.Normal({ loc: np.add(y, z), scale: 1, name: "x" }),
  ]);

  it("pins given by name or by position resolve to the same pins", () => {
    const a = jd.experimentalPin({ x: 2 });
    const b = jd.experimentalPin([null, null, 2]);
    const c = jd.pin({ x: 2, z: null });
    for (const p of [a, b, c]) {
      expect(Object.keys(p.pins)).toEqual(["x"]);
      expect(num(p.pins.x!)).toBe(2);
    }
    expect(a.dtype).toEqual(["float64", "float64"]);
    expect(a.flatNames()).toEqual(["z", "y"]);
    expect(a.eventShape).toEqual([[], []]);
  });

  it("unnormalizedLogProb is the joint density with the pins; logProbParts splits pinned and unpinned", () => {
    const pinned = jd.experimentalPin({ x: 2 });
    const [z, y] = pinned.sampleUnpinned(random.key(2)) as [NDArray, NDArray];
    expect([z.shape, y.shape]).toEqual([[], []]);
    const zv = num(z), yv = num(y);
    const expected = normalLp(zv, 0, 1) + normalLp(yv, 0, 1) + normalLp(2, yv + zv, 1);
    close(num(pinned.unnormalizedLogProb([z, y])), expected);
    close(num(pinned.logProb({ z, y })), expected);
    const parts = pinned.logProbParts([z, y]);
    expect((parts.pinned as NDArray[]).length).toBe(1);
    close(num((parts.pinned as NDArray[])[0]!), normalLp(2, yv + zv, 1));
    close(num(pinned.logWeight([z, y])), normalLp(2, yv + zv, 1));
    expect(() => pinned.logProb([z])).toThrow(/unpinned part "y" is missing/);
    expect(jd.experimentalPin({ x: 2 }).unpin("x")).toBe(jd);
    expect(() => pinned.unpin("z")).toThrow(/not pinned/);
  });
});

describe("the joint default event-space bijector", () => {
  it("maps each part onto its support: real loc, positive scale (Softplus), pinned observations", () => {
    const data = f64([0.3, -1.2, 2.5, 0.9]);
    const jd = new JointDistributionNamed({
      loc: new tfd.Normal({ loc: f64(0), scale: 1 }),
      scale: new tfd.Gamma({ concentration: f64(1), rate: f64(1) }),
      obs: (loc: NDArray, scale: NDArray) => new tfd.Sample({ distribution: new tfd.Normal({ loc, scale }), sampleShape: 4 }),
    });
    const pinned = jd.experimentalPin({ obs: data });
    expect(pinned.eventShape).toEqual({ loc: [], scale: [] });
    const bij = pinned.defaultEventSpaceBijector();
    expect(bij.inverseEventShape(pinned.eventShape)).toEqual({ loc: [], scale: [] });
    const x = { loc: f64(0.7), scale: f64(-0.4) };
    const y = bij.forward(x) as Record<string, NDArray>;
    close(num(y.loc!), 0.7);
    close(num(y.scale!), softplus(-0.4));
    close(num(bij.forwardLogDetJacobian(x)), logSigmoid(-0.4));
    const back = bij.inverse({ loc: f64(0.7), scale: f64(softplus(-0.4)) }) as Record<string, NDArray>;
    close(num(back.scale!), -0.4, 1e-12);
    close(num(bij.inverseLogDetJacobian(y)), -logSigmoid(-0.4));
    // The unconstrained target MCMC and VI use: log p(forward(x), data) + log|det J|.
    const target = (u: Record<string, NDArray>) => np.add(pinned.unnormalizedLogProb(bij.forward(u) as Record<string, NDArray>), bij.forwardLogDetJacobian(u));
    const s = softplus(-0.4);
    const expected = normalLp(0.7, 0, 1) + (-s) + nums(data).reduce((a, d) => a + normalLp(d, 0.7, s), 0) + logSigmoid(-0.4);
    close(num(target(x)), expected);
    checkGrads(target, [x], { order: 1, eps: 1e-6, rtol: 1e-6 });
  });

  it("supports that depend on upstream parts: Uniform(0.2, upper) follows the constrained upper", () => {
    const jd = new JointDistributionNamed({
      upper: new tfd.Uniform({ low: f64(0.4), high: f64(1.5) }),
      stddev: (upper: NDArray) => new tfd.Uniform({ low: f64(0.2), high: upper }),
    });
    const bij = jd.defaultEventSpaceBijector();
    const x0 = 0.3, x1 = -1.1;
    const y = bij.forward({ upper: f64(x0), stddev: f64(x1) }) as Record<string, NDArray>;
    const up = 0.4 + 1.1 * sigmoid(x0);
    close(num(y.upper!), up);
    close(num(y.stddev!), 0.2 + (up - 0.2) * sigmoid(x1));
    const ldj = num(bij.forwardLogDetJacobian({ upper: f64(x0), stddev: f64(x1) }));
    close(ldj, Math.log(1.1) + logSigmoid(x0) + logSigmoid(-x0) + Math.log(up - 0.2) + logSigmoid(x1) + logSigmoid(-x1));
    // Against log|det| of the (lower-triangular, here) Jacobian of the forward map.
    const fwd = (v: NDArray) => {
      const out = bij.forward({ upper: v.slice(0), stddev: v.slice(1) }) as Record<string, NDArray>;
      return np.stack([out.upper!, out.stddev!]);
    };
    const jac = jacfwd(fwd)(f64([x0, x1])) as NDArray;
    const j = nums(jac);
    close(ldj, logAbsDet([[j[0]!, j[1]!], [j[2]!, j[3]!]]), 1e-10);
    expect(Math.abs(j[2]!)).toBeGreaterThan(1e-3); // stddev really depends on upper's coordinate
    // Round trip through the inverse, which conditions on the constrained upper.
    const back = bij.inverse(y) as Record<string, NDArray>;
    close(num(back.upper!), x0, 1e-12);
    close(num(back.stddev!), x1, 1e-11);
    close(num(bij.inverseLogDetJacobian(y)), -ldj, 1e-12);
  });

  it("TFP's pinned-joint example (without the LKJ part): pulled-back shapes and a gradient of the unconstrained target", () => {
    const n = 25;
    const dim = 3;
    const joint = new JointDistributionNamed({
      upper: new tfd.Uniform({ low: f64(0.4), high: f64(1.5) }),
      concentration: new tfd.Gamma({ concentration: f64(1), rate: f64(0.5) }),
      stddev: (upper: NDArray) => new tfd.Sample({ distribution: new tfd.Uniform({ low: f64(0.2), high: upper }), sampleShape: dim }),
      obs: (stddev: NDArray, concentration: NDArray) =>
        new tfd.Sample({ distribution: new tfd.MultivariateNormalDiag({ loc: np.zeros([dim], "float64"), scaleDiag: np.multiply(stddev, concentration.slice("...", null)) }), sampleShape: n }),
    });
    const fixedUpper = 1.3;
    const data = (joint.sample(random.key(21), [], { upper: fixedUpper }) as Record<string, NDArray>).obs!;
    expect(data.shape).toEqual([n, dim]);
    const pinned = new JointDistributionPinned(joint, { upper: fixedUpper, obs: data });
    const bij = pinned.experimentalDefaultEventSpaceBijector();
    expect(pinned.eventShape).toEqual({ concentration: [], stddev: [dim] });
    expect(bij.inverseEventShape(pinned.eventShape)).toEqual({ concentration: [], stddev: [dim] });
    const init = { concentration: f64(-0.5), stddev: f64([0.1, -0.3, 1.2]) };
    const y = bij.forward(init) as Record<string, NDArray>;
    // stddev lives in (0.2, 1.3): the pinned upper, not a sampled one.
    nums(y.stddev!).forEach((v, i) => close(v, 0.2 + 1.1 * sigmoid(nums(init.stddev)[i]!)));
    const target = (u: Record<string, NDArray>) => np.add(pinned.unnormalizedLogProb(bij.forward(u) as Record<string, NDArray>), bij.forwardLogDetJacobian(u));
    expect(Number.isFinite(num(target(init)))).toBe(true);
    const g = grad(target)(init) as Record<string, NDArray>;
    expect(g.stddev!.shape).toEqual([dim]);
    checkGrads(target, [init], { order: 1, eps: 1e-6, rtol: 1e-5 });
  });
});
