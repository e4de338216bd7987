// Every registered distribution passes through jit, vmap and grad as a pytree (TFP's JAX transformation test):
// jit(logProb) and jit(sample) equal eager, jit returns distributions, vmap over a batch of distributions equals
// the batched eager call, and grad w.r.t. a distribution is a distribution of gradients that matches finite
// differences along a random direction.
import { afterEach, describe, expect, it } from "vitest";
import { NDArray, np, random, tree } from "@fluxion/core";
import { grad, jit, vmap } from "@fluxion/transforms";
import { type Distribution, distributionRegistry } from "./index.js";
import { EXAMPLES } from "./testing/registryExamples.js";
import { expectClose } from "./testing/helpers.js";

// Sampling on the js backend is long synchronous work: give vitest's worker RPC an event-loop turn between tests.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const CLOSE = { rtol: 1e-9, atol: 1e-11 };
const floatLeaves = (d: unknown): NDArray[] => (tree.leaves(d) as NDArray[]).filter((l) => l.dtype === "float64");

describe("pytree registry coverage", () => {
  it("every registered distribution class has a transformation example", () => {
    const missing = [...distributionRegistry.keys()].filter((name) => !EXAMPLES[name]);
    expect(missing).toEqual([]);
  });
});

for (const [name, make] of Object.entries(EXAMPLES)) {
  describe(`${name} as a pytree`, () => {
    const d = make();
    const x = d.sample(random.key(11));

    it("flattens to its parameters and unflattens to an equal distribution", () => {
      expect(d.batchShape).toEqual([3]);
      const [leaves, def] = tree.flatten(d);
      expect(leaves.length).toBeGreaterThan(0);
      const back = tree.unflatten(def, leaves) as Distribution;
      expect(back.constructor).toBe(d.constructor);
      expectClose(`${name} unflattened logProb`, back.logProb(x), Array.from(d.logProb(x).dataSync()), CLOSE);
    });

    it("jit: logProb and sample equal eager; a jitted identity returns the distribution", () => {
      const lp = jit((dist: Distribution, v: NDArray) => dist.logProb(v))(d, x) as NDArray;
      expectClose(`${name} jit logProb`, lp, Array.from(d.logProb(x).dataSync()), CLOSE);
      const key = random.key(12);
      const s = jit((dist: Distribution, k: NDArray) => dist.sample(k, [2]))(d, key) as NDArray;
      const eager = d.sample(key, [2]);
      expect(s.shape).toEqual(eager.shape);
      expectClose(`${name} jit sample`, s, Array.from(eager.dataSync()), CLOSE);
      const same = jit((dist: Distribution) => dist)(d) as Distribution;
      expect(same.constructor).toBe(d.constructor);
      expect(same.batchShape).toEqual(d.batchShape);
    });

    it("vmap over the batch axis of every parameter equals the batched call", () => {
      const lp = vmap((dist: Distribution, v: NDArray) => dist.logProb(v))(d, x) as NDArray;
      expectClose(`${name} vmap logProb`, lp, Array.from(d.logProb(x).dataSync()), CLOSE);
      const keys = random.split(random.key(13), 3);
      const s = vmap((dist: Distribution, k: NDArray) => dist.sample(k))(d, keys) as NDArray;
      expect(s.shape).toEqual([3, ...d.eventShape]);
      const built = vmap((dist: Distribution) => dist)(d) as Distribution;
      expect(built.constructor).toBe(d.constructor);
      expect(built.batchShape).toEqual([3]);
    });

    it("grad w.r.t. the distribution is a distribution of gradients matching finite differences", () => {
      const loss = (dist: Distribution) => np.sum(dist.logProb(x));
      const g = grad(loss)(d) as Distribution;
      expect(g.constructor).toBe(d.constructor);
      const gl = floatLeaves(g);
      const dl = floatLeaves(d);
      expect(gl.length).toBe(dl.length);
      gl.forEach((l, i) => expect(l.shape).toEqual(dl[i]!.shape));
      // Directional derivative along a fixed pseudo-random direction (relative steps).
      const [leaves, def] = tree.flatten(d);
      let seed = 1;
      const direction = (leaves as NDArray[]).map((l) => {
        if (l.dtype !== "float64") return np.zerosLike(l);
        const n = l.size;
        const v = Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
        return np.multiply(np.reshape(np.array(v, "float64"), l.shape), np.clip(np.abs(l), 1e-2, 1));
      });
      const eps = 1e-6;
      const shifted = (s: number) => tree.unflatten(def, (leaves as NDArray[]).map((l, i) => (l.dtype === "float64" ? np.add(l, np.multiply(direction[i]!, s)) : l))) as Distribution;
      const fd = (loss(shifted(eps)).item() - loss(shifted(-eps)).item()) / (2 * eps);
      const gAll = tree.leaves(g) as NDArray[];
      let analytic = 0;
      (leaves as NDArray[]).forEach((l, i) => {
        if (l.dtype !== "float64") return;
        const a = gAll[i]!.dataSync();
        const v = direction[i]!.dataSync();
        for (let k = 0; k < a.length; k++) analytic += a[k]! * v[k]!;
      });
      expect(Number.isFinite(analytic)).toBe(true);
      expect(Math.abs(analytic - fd)).toBeLessThan(1e-5 + 1e-5 * Math.abs(fd));
    });
  });
}
