// checkGrads: JAX's check_grads — jvp against central finite differences, and vjp against jvp
// (<vjp(u), v> = <u, jvp(v)>), in random directions, to a given order. Run it on float64 inputs.
import { NDArray, np, tree } from "@fluxion/core";
import { jvp, vjp } from "../autodiff.js";

type Fn = (...args: never[]) => unknown;

export interface CheckGradsOptions {
  order?: number;
  modes?: readonly ("fwd" | "rev")[];
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/** Small deterministic generator (mulberry32) so checks are reproducible without the PRNG module. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const leavesOf = (x: unknown): NDArray[] => tree.leaves(x).map((l) => (l instanceof NDArray ? l : np.asarray(l as number, "float64")));

const isFloat = (a: NDArray) => a.dtype === "float32" || a.dtype === "float64";

/** A random direction for float leaves; zeros for integer/bool leaves (they are not perturbed). */
function randomLike(x: unknown, next: () => number): unknown {
  return tree.map((l: unknown) => {
    const a = l instanceof NDArray ? l : np.asarray(l as number, "float64");
    if (!isFloat(a)) return np.zerosLike(a);
    const data = Array.from({ length: a.size }, () => next() * 2 - 1);
    return np.reshape(np.array(data, a.dtype), a.shape);
  }, x);
}

function inner(a: unknown, b: unknown): number {
  const la = leavesOf(a);
  const lb = leavesOf(b);
  let s = 0;
  la.forEach((x, i) => {
    const dx = x.dataSync();
    const dy = lb[i]!.dataSync();
    for (let k = 0; k < dx.length; k++) s += dx[k]! * dy[k]!;
  });
  return s;
}

function axpy(alpha: number, x: unknown, y: unknown): unknown {
  return tree.map((xl: unknown, yl: unknown) => (isFloat(yl as NDArray) ? np.add(np.multiply(xl as NDArray, alpha), yl as NDArray) : yl), x, y);
}

/** Central finite-difference directional derivative of f at args along v. */
function numericalJvp(call: (xs: readonly unknown[]) => unknown, args: readonly unknown[], v: unknown, eps: number): unknown {
  const plus = call(axpy(eps, v, [...args]) as unknown[]);
  const minus = call(axpy(-eps, v, [...args]) as unknown[]);
  return tree.map((p: unknown, m: unknown) => np.divide(np.subtract(p as NDArray, m as NDArray), 2 * eps), plus, minus);
}

function assertClose(what: string, got: unknown, want: unknown, rtol: number, atol: number): void {
  const g = leavesOf(got);
  const w = leavesOf(want);
  if (g.length !== w.length) throw new Error(`${what}: ${g.length} leaves vs ${w.length}`);
  g.forEach((x, i) => {
    const a = x.dataSync();
    const b = w[i]!.dataSync();
    for (let k = 0; k < a.length; k++) {
      const err = Math.abs(a[k]! - b[k]!);
      if (!(err <= atol + rtol * Math.abs(b[k]!))) {
        throw new Error(`${what}: leaf ${i} element ${k}: got ${a[k]}, expected ${b[k]} (|diff| ${err.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`);
      }
    }
  });
}

/** Throws with a detailed message when a derivative rule disagrees with finite differences. */
export function checkGrads(f: Fn, args: readonly unknown[], opts: CheckGradsOptions = {}): void {
  const order = opts.order ?? 1;
  const modes = opts.modes ?? ["fwd", "rev"];
  const eps = opts.eps ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-7;
  const next = rng(opts.seed ?? 0);
  const call = (xs: readonly unknown[]) => (f as (...a: unknown[]) => unknown)(...xs);
  const v = randomLike([...args], next) as unknown[];
  if (modes.includes("fwd")) {
    const [, t] = jvp(f, args, v);
    assertClose("jvp vs finite differences", t, numericalJvp(call, args, v, eps), rtol, atol);
    if (order > 1) checkGrads(((...xs: unknown[]) => jvp(f, xs, v)[1]) as Fn, args, { ...opts, order: order - 1, modes: ["fwd"], seed: (opts.seed ?? 0) + 1 });
  }
  if (modes.includes("rev")) {
    const [y, pullback] = vjp(f, ...args);
    const u = randomLike(y, next);
    const ct = pullback(u);
    // As JAX's check_vjp: <vjp(u), v> against <u, numerical jvp(v)>.
    const lhs = inner(ct, v);
    const rhs = inner(u, numericalJvp(call, args, v, eps));
    if (!(Math.abs(lhs - rhs) <= atol * Math.sqrt(leavesOf(y).reduce((s, l) => s + l.size, 1)) + rtol * Math.max(Math.abs(lhs), Math.abs(rhs)))) {
      throw new Error(`vjp vs finite differences: <vjp(u), v> = ${lhs} but <u, (f(x+εv)-f(x-εv))/2ε> = ${rhs}`);
    }
    if (order > 1) checkGrads(((...xs: unknown[]) => vjp(f, ...xs)[1](u)) as Fn, args, { ...opts, order: order - 1, modes: ["rev"], seed: (opts.seed ?? 0) + 2 });
  }
}
