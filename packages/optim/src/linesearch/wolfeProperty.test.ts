// Property: whenever hagerZhang reports `converged`, its left point (the step the minimisers take)
// satisfies the exact or approximate Wolfe conditions. Random Himmelblau lines, random quartics, a kink.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { NDArray, np } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import { hagerZhang, type LinePoint } from "./hagerZhang.js";

const DELTA = 0.1; // sufficientDecreaseParam default
const SIGMA = 0.9; // curvatureParam default
const EPS = 1e-6; // thresholdUseApproximateWolfeCondition default

/** Exact Wolfe (T1) or approximate Wolfe (T2), Hager & Zhang (2005) eq. 22-23, in plain float64. */
function isWolfe(t: number, f: number, df: number, f0: number, df0: number): boolean {
  const curvature = df >= SIGMA * df0;
  const exact = f - f0 <= DELTA * t * df0 && curvature;
  const approx = f <= f0 + EPS * Math.abs(f0) && (2 * DELTA - 1) * df0 >= df && curvature;
  return exact || approx;
}

// Himmelblau (x^2 + y - 11)^2 + (x + y^2 - 7)^2 restricted to p + t d; value and slope in plain JS.
function himmelblauLine(px: number, py: number, dx: number, dy: number, t: number): [number, number] {
  const x = px + t * dx;
  const y = py + t * dy;
  const a = x * x + y - 11;
  const b = x + y * y - 7;
  const [gx, gy] = himmelblauGradient(x, y);
  return [a * a + b * b, gx * dx + gy * dy];
}

function himmelblauGradient(x: number, y: number): [number, number] {
  const a = x * x + y - 11;
  const b = x + y * y - 7;
  return [4 * x * a + 2 * b, 2 * a + 4 * y * b];
}

/** The same line as a batched LinePoint function of t, p and d being [b] arrays. */
function himmelblauLineArrays(px: NDArray, py: NDArray, dx: NDArray, dy: NDArray) {
  return (t: NDArray): LinePoint => {
    const x = np.add(px, np.multiply(t, dx));
    const y = np.add(py, np.multiply(t, dy));
    const a = np.subtract(np.add(np.square(x), y), 11);
    const b = np.subtract(np.add(x, np.square(y)), 7);
    const gx = np.add(np.multiply(np.multiply(x, a), 4), np.multiply(b, 2));
    const gy = np.add(np.multiply(a, 2), np.multiply(np.multiply(y, b), 4));
    return { x: t, f: np.add(np.square(a), np.square(b)), df: np.add(np.multiply(gx, dx), np.multiply(gy, dy)) };
  };
}

// Quartic c4 t^4 + c3 t^3 + c2 t^2 + c1 t + c0 with c1 < 0 (descent at 0) and c4 > 0 (bounded below).
const quarticJs = (c: number[], t: number): [number, number] => [
  (((c[4]! * t + c[3]!) * t + c[2]!) * t + c[1]!) * t + c[0]!,
  ((4 * c[4]! * t + 3 * c[3]!) * t + 2 * c[2]!) * t + c[1]!,
];

function quarticArrays(c: NDArray[]) {
  return (t: NDArray): LinePoint => {
    const f = np.add(np.multiply(np.add(np.multiply(np.add(np.multiply(np.add(np.multiply(c[4]!, t), c[3]!), t), c[2]!), t), c[1]!), t), c[0]!);
    const df = np.add(np.multiply(np.add(np.multiply(np.add(np.multiply(np.multiply(c[4]!, 4), t), np.multiply(c[3]!, 3)), t), np.multiply(c[2]!, 2)), t), c[1]!);
    return { x: t, f, df };
  };
}

interface Checked { converged: boolean[]; t: number[]; f: number[]; df: number[] }
const f64 = (v: number[]) => np.array(v, "float64");
const unpack = (r: { converged: NDArray; left: LinePoint }): Checked => ({
  converged: r.converged.toArray() as boolean[],
  t: r.left.x.toArray() as number[],
  f: r.left.f.toArray() as number[],
  df: r.left.df.toArray() as number[],
});

/** Every converged member's left point is Wolfe, and its f, df are the line's at that step. */
function expectWolfeWhereConverged(r: Checked, line: (i: number, t: number) => [number, number]) {
  r.converged.forEach((conv, i) => {
    if (!conv) return;
    const [f0, df0] = line(i, 0);
    const [f, df] = line(i, r.t[i]!);
    // The reported values are the function's own (to rounding), so the Wolfe test below is about the point.
    expect(Math.abs(r.f[i]! - f)).toBeLessThanOrEqual(1e-9 * (Math.abs(f) + 1));
    expect(Math.abs(r.df[i]! - df)).toBeLessThanOrEqual(1e-9 * (Math.abs(df) + Math.abs(df0)));
    if (!isWolfe(r.t[i]!, r.f[i]!, r.df[i]!, f0, df0)) {
      throw new Error(`member ${i}: converged at t = ${r.t[i]} with f = ${r.f[i]}, df = ${r.df[i]} but f0 = ${f0}, df0 = ${df0} fails Wolfe`);
    }
  });
}

const BATCH = 24;
const coord = fc.double({ min: -6, max: 6, noNaN: true });
const logStep = fc.double({ min: -4, max: 1.5, noNaN: true }); // initial step 1e-4 .. 31

describe("hagerZhang: converged implies a Wolfe point", () => {
  test("the reported bug: from (-2/3, -2) along -g the left point is Wolfe", () => {
    const [px, py] = [-2 / 3, -2];
    const [gx0, gy0] = himmelblauGradient(px, py);
    const line = himmelblauLineArrays(f64([px]), f64([py]), f64([-gx0]), f64([-gy0]));
    const r = unpack(hagerZhang(line, { initialStepSize: f64([1]) }));
    expect(r.converged).toEqual([true]);
    expectWolfeWhereConverged(r, (_i, t) => himmelblauLine(px, py, -gx0, -gy0, t));
  });

  test("a kink: the interval shrinks to adjacent floats and the search returns its Wolfe end", () => {
    // phi(t) = -t left of c = 1/3 and K (t - c) - c right of it. No point left of c satisfies the
    // curvature condition (slope -1 < 0.9 * -1); right of c only points within ~0.9 c / K of c satisfy
    // sufficient decrease. TFP's search ends on [left, right] adjacent around c and returns left.
    const c = 1 / 3;
    const steep = 1e3;
    const phi = (t: NDArray): LinePoint => {
      const right = np.greater(t, c);
      return { x: t, f: np.where(right, np.subtract(np.multiply(np.subtract(t, c), steep), c), np.negative(t)), df: np.where(right, np.fullLike(t, steep), np.fullLike(t, -1)) };
    };
    const phiJs = (t: number): [number, number] => (t > c ? [steep * (t - c) - c, steep] : [-t, -1]);
    // Bisection towards c takes ~55 iterations from these steps; the default 50 would stop it first.
    const r = hagerZhang(phi, { initialStepSize: f64([1, 0.7, 2.5]), maxIterations: 200 });
    const checked = unpack(r);
    expect(checked.converged).toEqual([true, true, true]);
    expectWolfeWhereConverged(checked, (_i, t) => phiJs(t));
    // The step is the kink's right neighbourhood, and both ends are that point.
    checked.t.forEach((t, i) => {
      expect(t).toBeGreaterThan(c);
      expect(t - c).toBeLessThan(0.9 * c / steep);
      expect((r.right.x.toArray() as number[])[i]).toBe(t);
    });
  });

  test("Himmelblau along steepest descent and perturbed descent directions from random points", () => {
    const search = jit((px: NDArray, py: NDArray, dx: NDArray, dy: NDArray, step: NDArray) => {
      const r = hagerZhang(himmelblauLineArrays(px, py, dx, dy), { initialStepSize: step });
      return { converged: r.converged, left: r.left };
    });
    const member = fc.tuple(coord, coord, fc.double({ min: -0.7, max: 0.7, noNaN: true }), logStep);
    let convergedSeen = 0;
    fc.assert(fc.property(fc.array(member, { minLength: BATCH, maxLength: BATCH }), (members) => {
      // Direction: -g rotated by up to 0.7 rad, still a descent direction (cos > 0).
      const dirs = members.map(([px, py, angle]) => {
        const [gx, gy] = himmelblauGradient(px, py);
        const [c, s] = [Math.cos(angle), Math.sin(angle)];
        return [-(c * gx - s * gy), -(s * gx + c * gy)] as [number, number];
      });
      const r = unpack(search(f64(members.map((m) => m[0])), f64(members.map((m) => m[1])), f64(dirs.map((d) => d[0])), f64(dirs.map((d) => d[1])), f64(members.map((m) => 10 ** m[3]))) as { converged: NDArray; left: LinePoint });
      convergedSeen += r.converged.filter(Boolean).length;
      expectWolfeWhereConverged(r, (i, t) => himmelblauLine(members[i]![0], members[i]![1], dirs[i]![0], dirs[i]![1], t));
    }), { numRuns: 12, seed: 20261122 });
    // The property is not vacuous: almost every search converges.
    expect(convergedSeen).toBeGreaterThan(0.9 * 12 * BATCH);
  });

  test("random quartics with a descent at 0", () => {
    const search = jit((c0: NDArray, c1: NDArray, c2: NDArray, c3: NDArray, c4: NDArray, step: NDArray) => {
      const r = hagerZhang(quarticArrays([c0, c1, c2, c3, c4]), { initialStepSize: step });
      return { converged: r.converged, left: r.left };
    });
    const coef = fc.double({ min: -20, max: 20, noNaN: true });
    const member = fc.tuple(coef, fc.double({ min: -20, max: -1e-3, noNaN: true }), coef, coef, fc.double({ min: 1e-3, max: 20, noNaN: true }), logStep);
    let convergedSeen = 0;
    fc.assert(fc.property(fc.array(member, { minLength: BATCH, maxLength: BATCH }), (members) => {
      const col = (k: number) => f64(members.map((m) => m[k]!));
      const r = unpack(search(col(0), col(1), col(2), col(3), col(4), f64(members.map((m) => 10 ** m[5]))) as { converged: NDArray; left: LinePoint });
      convergedSeen += r.converged.filter(Boolean).length;
      expectWolfeWhereConverged(r, (i, t) => quarticJs(members[i]!.slice(0, 5), t));
    }), { numRuns: 12, seed: 7 });
    expect(convergedSeen).toBeGreaterThan(0.9 * 12 * BATCH);
  });
});
