// Registry-driven tests: every registered primitive has every rule and at least one case; each
// case is checked for jvp/vjp against finite differences (float64), vmap against a loop over
// examples with random in-axes, and jit against eager evaluation.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NDArray, internal } from "@fluxion/core";
import { checkGrads, jit, vmap } from "@fluxion/transforms";
import { type PrimCase, expectClose, leavesOf, mulberry32, stackAlong } from "./harness.js";

const modules = import.meta.glob<{ cases: PrimCase[] }>("./cases/*.cases.ts", { eager: true });
const allCases: PrimCase[] = Object.values(modules).flatMap((m) => m.cases);

describe("primitive registry", () => {
  const prims = internal.registeredPrimitives();
  it("has the core primitives registered", () => {
    expect(prims.length).toBeGreaterThan(60);
  });
  it.each(prims.map((p) => [p.name, p] as const))("%s has every rule", (_n, p) => {
    expect(typeof p.abstractEval).toBe("function");
    expect(typeof p.jvp).toBe("function");
    expect(typeof p.batch).toBe("function");
    expect(typeof p.js === "function" || typeof p.evaluate === "function").toBe(true);
    expect(p.transpose === "nonlinear" || typeof p.transpose === "function").toBe(true);
  });
  it.each(prims.map((p) => [p.name] as const))("%s has at least one property-test case", (name) => {
    expect(allCases.filter((c) => c.prim === name).map((c) => c.name)).not.toEqual([]);
  });
});

describe.each(allCases.map((c) => [`${c.prim}: ${c.name}`, c] as const))("%s", (_label, c) => {
  it("jit equals eager", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
      const args = c.args(seed);
      expectClose("jit", jit(c.fn as never)(...args), c.fn(...args), 1e-12, 1e-12);
    }), { numRuns: 3, seed: 42 });
  });

  if (c.vmap !== false) {
    it("vmap equals a loop over examples (random in/out axes)", () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const r = mulberry32(seed);
        const B = 3;
        const examples = Array.from({ length: B }, (_, b) => c.args(seed + 17 * b));
        const n = examples[0]!.length;
        const inAxes = examples[0]!.map((a, i) => (c.vmappable && !c.vmappable[i] ? null : r() < 0.25 && i > 0 ? null : Math.floor(r() * (a.ndim + 1))));
        if (inAxes.every((a) => a === null)) inAxes[0] = 0;
        const batched = Array.from({ length: n }, (_, i) => (inAxes[i] === null ? examples[0]![i]! : stackAlong(examples.map((e) => e[i]!), inAxes[i]!)));
        const perEx = examples.map((e) => e.map((a, i) => (inAxes[i] === null ? examples[0]![i]! : a)));
        const want = perEx.map((e) => leavesOf(c.fn(...e)));
        const got = leavesOf(vmap(c.fn as never, { inAxes })(...batched));
        got.forEach((g, k) => expectClose(`vmap leaf ${k} (inAxes ${JSON.stringify(inAxes)})`, g, stackAlong(want.map((w) => w[k]!), 0), 1e-12, 1e-12));
      }), { numRuns: 4, seed: 7 });
    });
  }

  if (c.grad !== false) {
    it(`derivatives match finite differences (${c.grad ?? "both"}, order ${c.order ?? 2})`, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const modes = c.grad === "fwd" ? ["fwd" as const] : c.grad === "rev" ? ["rev" as const] : ["fwd" as const, "rev" as const];
        checkGrads(c.fn as never, c.args(seed), { order: c.order ?? 2, modes, rtol: c.rtol ?? 2e-5, atol: c.atol ?? 1e-6, eps: c.eps ?? 1e-6, seed });
      }), { numRuns: 2, seed: 3 });
    });
  } else {
    it(`has no derivative: ${c.noGradReason ?? "(reason missing)"}`, () => {
      expect(c.noGradReason).toBeTruthy();
    });
  }
});
void NDArray;
