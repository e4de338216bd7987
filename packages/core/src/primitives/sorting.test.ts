// sort: values against JS's stable sort (NaNs last, lexicographic keys), jvp against central
// differences, the transpose identity of its linearization, vmap against stacked slices, errors.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ShapeError, np, lax, type NDArray } from "@fluxion/core";
import { checkJvp, checkTranspose, checkVmap, rng } from "./gradchecks.testing.js";

const byNumberNaNLast = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);

describe("sort values", () => {
  it("sorts every row, NaNs last (property)", () => {
    fc.assert(fc.property(fc.array(fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(NaN), fc.constant(Infinity), fc.constant(-Infinity)), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (rows) => {
      const x = np.array(rows, "float64");
      const [s] = lax.sort([x], 1);
      expect(s!.toArray()).toEqual(rows.map((r) => [...r].sort(byNumberNaNLast)));
      const [c] = lax.sort([x], 0);
      const cols = rows[0]!.map((_, j) => rows.map((r) => r[j]!).sort(byNumberNaNLast));
      expect(c!.toArray()).toEqual(rows.map((_, i) => cols.map((col) => col[i]!)));
    }), { seed: 3, numRuns: 60 });
  });

  it("is stable and lexicographic over numKeys, permuting the other operands", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 12 }), (pairs) => {
      const k1 = np.array(pairs.map((p) => p[0]), "int32");
      const k2 = np.array(pairs.map((p) => p[1]), "float32");
      const pos = np.arange(pairs.length);
      const order = pairs.map((p, i) => [...p, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const [a, b, c] = lax.sort([k1, k2, pos], 0, 2);
      expect(a!.toArray()).toEqual(order.map((o) => o[0]));
      expect(b!.toArray()).toEqual(order.map((o) => o[1]));
      expect(c!.toArray()).toEqual(order.map((o) => o[2]));
      // One key: ties in k1 keep their original order (stability).
      const [, p1] = lax.sort([k1, pos], 0, 1);
      expect(p1!.toArray()).toEqual(pairs.map((p, i) => [p[0], i]).sort((x, y) => x[0]! - y[0]!).map((x) => x[1]));
    }), { seed: 4, numRuns: 60 });
  });
});

const distinct = (shape: number[], seed: number) => {
  const next = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  // A random permutation of well-separated values: no ties, so sort is differentiable.
  const vals = Array.from({ length: n }, (_, i) => i * 0.37 + 0.05 * next());
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [vals[i], vals[j]] = [vals[j]!, vals[i]!]; }
  return np.array(vals, "float64").reshape(shape);
};

describe.each([
  { name: "one operand, axis 1", f: (x: NDArray) => lax.sort([x], 1), args: () => [distinct([3, 5], 1)] },
  { name: "one operand, axis 0", f: (x: NDArray) => lax.sort([x], 0), args: () => [distinct([4, 2], 2)] },
  { name: "key + value", f: (k: NDArray, v: NDArray) => lax.sort([k, v], 1), args: () => [distinct([2, 6], 3), distinct([2, 6], 4)] },
  { name: "integer keys, float values", f: (k: NDArray, v: NDArray) => lax.sort([k, v], 0), args: () => [np.array([[3, 1], [0, 1], [2, 0]], "int32"), distinct([3, 2], 5)] },
])("sort $name", ({ f, args }) => {
  const fn = f as (...xs: NDArray[]) => NDArray[];
  it("jvp matches central differences", () => {
    const { maxError, scale } = checkJvp(fn, args(), 7);
    expect(maxError).toBeLessThan(1e-7 * (1 + scale));
  });
  it("vjp is the transpose of jvp", () => {
    const { maxError, scale } = checkTranspose(fn, args(), 8);
    expect(maxError).toBeLessThan(1e-12 * (1 + scale));
  });
  it.each([0, 1])("vmap over in-axis %i equals stacking", (axis) => {
    const a = args();
    const mapped = a.map((x) => np.stack([x, np.flip(x, 0), x.dtype === "int32" ? np.flip(x, x.ndim - 1) : np.negative(x)], axis));
    expect(checkVmap(fn, mapped, a.map(() => axis))).toBe(0);
    // Only the first operand mapped: the others are broadcast.
    expect(checkVmap(fn, [mapped[0]!, ...a.slice(1)], a.map((_, i) => (i === 0 ? axis : null)))).toBe(0);
  });
});

describe("sort errors", () => {
  it("names the op and the shapes", () => {
    expect(() => lax.sort([np.zeros([2, 3]), np.zeros([3, 2])], 0)).toThrow(/sort: operands f32\[2,3\], f32\[3,2\] must all have the same shape/);
    expect(() => lax.sort([np.zeros([2, 3])], 2)).toThrow(ShapeError);
    expect(() => lax.sort([np.zeros([2, 3])], 2)).toThrow(/sort: dimension 2 is out of range for operand f32\[2,3\]/);
    expect(() => lax.sort([np.zeros([2])], 0, 2)).toThrow(/sort: numKeys 2 must lie in \[1, 1\]/);
  });
});
