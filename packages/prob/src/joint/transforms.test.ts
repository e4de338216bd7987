// Joint distributions, pinned joints and the joint bijector as pytrees: jit equals eager, vmap over a batch of
// joints equals a loop, and grad w.r.t. a joint is a joint of gradients matching closed forms.
import { describe, expect, it } from "vitest";
import { NDArray, np, random, tree } from "@fluxion/core";
import { grad, jit, vmap } from "@fluxion/transforms";
import * as tfd from "../distributions/index.js";
import { JointDistributionCoroutine, JointDistributionDefaultBijector, JointDistributionNamed, JointDistributionPinned, JointDistributionSequential, Root, type ModelGenerator } from "./index.js";

const f64 = (x: number | number[] | number[][]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);
const num = (x: NDArray): number => Number(x.dataSync()[0]);

function closeAll(a: number[], e: number[], tol = 1e-12): void {
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]!) <= tol * (1 + Math.abs(e[i]!)))) throw new Error(`index ${i}: got ${v}, expected ${e[i]} (${a} vs ${e})`);
  });
}

const makeSequential = (loc: NDArray, scale: NDArray) =>
  new JointDistributionSequential([new tfd.Normal({ loc, scale }), (m: NDArray) => new tfd.Normal({ loc: m, scale: f64(0.5) })]);

describe("joint distributions are pytrees", () => {
  it("leaves are the distributions' parameters; makers are static", () => {
    const jd = makeSequential(f64(1), f64(2));
    expect(tree.leaves(jd).length).toBe(2);
    const named = new JointDistributionNamed({ a: new tfd.Normal({ loc: f64(0), scale: f64(1) }), b: (a: NDArray) => new tfd.Normal({ loc: a, scale: 1 }) });
    expect(tree.leaves(named).length).toBe(2);
    const co = new JointDistributionCoroutine(function* (): ModelGenerator {
      yield Root(new tfd.Normal({ loc: 0, scale: 1 }));
    });
    expect(tree.leaves(co).length).toBe(0);
    const rebuilt = tree.unflatten(tree.structure(jd), tree.leaves(jd)) as JointDistributionSequential;
    expect(rebuilt).toBeInstanceOf(JointDistributionSequential);
    closeAll(nums(rebuilt.logProb([f64(0.5), f64(0.2)])), nums(jd.logProb([f64(0.5), f64(0.2)])));
  });

  it("jit: logProb and sample equal eager; a jitted identity returns an equivalent joint", () => {
    const jd = makeSequential(f64(1), f64(2));
    const v = [f64(0.5), f64(0.2)];
    closeAll(nums(jit((d: JointDistributionSequential, x: NDArray[]) => d.logProb(x))(jd, v) as NDArray), nums(jd.logProb(v)));
    const key = random.key(3);
    const s = jit((d: JointDistributionSequential, k: NDArray) => d.sample(k, [4]))(jd, key) as NDArray[];
    const e = jd.sample(key, [4]) as NDArray[];
    s.forEach((x, i) => closeAll(nums(x), nums(e[i]!)));
    const same = jit((d: JointDistributionSequential) => d)(jd) as JointDistributionSequential;
    closeAll(nums(same.logProb(v)), nums(jd.logProb(v)));
  });

  it("vmap over a batch of joints (leading axis on every parameter) equals a loop", () => {
    const locs = [0, 1, -2], scales = [1, 0.5, 2];
    const batched = makeSequential(f64(locs), f64(scales));
    const values = [f64([0.1, 0.7, -1.5]), f64([0.3, 0.2, -1.0])];
    const lp = vmap((d: JointDistributionSequential, x: NDArray[]) => d.logProb(x))(batched, values) as NDArray;
    const loop = locs.map((l, i) => num(makeSequential(f64(l), f64(scales[i]!)).logProb([values[0]!.slice(i), values[1]!.slice(i)])));
    closeAll(nums(lp), loop);
    const named = new JointDistributionNamed(
      { a: new tfd.Normal({ loc: f64(locs), scale: f64(scales) }), b: (a: NDArray) => new tfd.Normal({ loc: a, scale: 1 }) },
      { batchNdims: 0, useVectorizedMap: true },
    );
    const keys = random.split(random.key(5), 3);
    const draws = vmap((d: JointDistributionNamed, k: NDArray) => d.sample(k))(named, keys) as Record<string, NDArray>;
    expect(draws.a!.shape).toEqual([3]);
    expect(draws.b!.shape).toEqual([3]);
  });

  it("grad w.r.t. a joint is a joint of gradients: d/dloc and d/dscale of the Normal part in closed form", () => {
    const loc = 0.4, scale = 1.7, x0 = 1.1, x1 = 0.3;
    const jd = makeSequential(f64(loc), f64(scale));
    const g = grad((d: JointDistributionSequential) => d.logProb([f64(x0), f64(x1)]))(jd) as JointDistributionSequential;
    expect(g).toBeInstanceOf(JointDistributionSequential);
    const first = g.model[0] as tfd.Normal;
    closeAll([num(first.loc)], [(x0 - loc) / scale ** 2]);
    closeAll([num(first.scale)], [-1 / scale + (x0 - loc) ** 2 / scale ** 3]);
  });

  it("pinned joints and the joint bijector pass through jit and grad", () => {
    const jd = new JointDistributionNamed({
      mu: new tfd.Normal({ loc: f64(0), scale: f64(1) }),
      sigma: new tfd.Exponential({ rate: f64(1) }),
      y: (mu: NDArray, sigma: NDArray) => new tfd.Sample({ distribution: new tfd.Normal({ loc: mu, scale: sigma }), sampleShape: 3 }),
    });
    const pinned = jd.experimentalPin({ y: f64([0.2, -0.4, 1.0]) });
    const bij = pinned.defaultEventSpaceBijector();
    const u = { mu: f64(0.3), sigma: f64(0.1) };
    const target = (p: JointDistributionPinned, b: JointDistributionDefaultBijector, x: Record<string, NDArray>) =>
      np.add(p.unnormalizedLogProb(b.forward(x) as Record<string, NDArray>), b.forwardLogDetJacobian(x));
    closeAll(nums(jit(target)(pinned, bij, u) as NDArray), nums(target(pinned, bij, u)));
    const roundTrip = jit((p: JointDistributionPinned) => p)(pinned) as JointDistributionPinned;
    expect(roundTrip).toBeInstanceOf(JointDistributionPinned);
    closeAll(nums(roundTrip.pins.y!), [0.2, -0.4, 1.0]);
    // d/dy of the pinned density: -(y - mu) / sigma^2 for each observation.
    const gp = grad((p: JointDistributionPinned) => p.unnormalizedLogProb({ mu: f64(0.3), sigma: f64(0.8) }))(pinned) as JointDistributionPinned;
    closeAll(nums(gp.pins.y!), [0.2, -0.4, 1.0].map((y) => -(y - 0.3) / 0.64));
    const gb = jit((b: JointDistributionDefaultBijector) => b)(bij) as JointDistributionDefaultBijector;
    expect(gb.forwardMinEventNdims).toEqual({ mu: 0, sigma: 0 });
  });
});
