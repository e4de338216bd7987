// Poisson sampling as JAX does it (after TensorFlow and NumPy): Knuth's product of uniforms for rate < 10,
// Hörmann's transformed rejection (PTRS) otherwise, each in a whileLoop over the whole sample array.
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { DTypeError, ShapeError } from "../errors.js";
import { whileLoop } from "../lax/control.js";
import { reduceOrP } from "../primitives/reductions.js";
import { broadcastShapes, shapesEqual, showShape } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { lgamma } from "../primitives/special.js";
import {
  abs, add, and, broadcastToShape, constant, convert, div, eq, floor, ge, gt, le, log, lt, mul, ne, neg, not, or, select, sqrt, sub,
} from "./ops.js";
import { type PRNGKey, type ShapeLike, asKey, normalizeShape, split, uniform } from "./prng.js";
import { keyAt } from "./samplers.js";

/** Whether any element is true (a scalar bool). */
function anyTrue(x: NDArray): NDArray {
  return x.ndim === 0 ? x : bind1(reduceOrP, [x], { axes: x.shape.map((_, i) => i) });
}

// JAX passes iinfo(int32).max: the loops stop by their own condition long before.
const MAX_ITERATIONS = 2147483647;

/** Knuth: count uniforms until their product drops below exp(-lam); log-products keep it in float32 range. */
function poissonKnuth(key: PRNGKey, lam: NDArray, dtype: "int32" | "uint32"): NDArray {
  const shape = lam.shape;
  type State = [NDArray, NDArray, NDArray, NDArray];
  const minusLam = neg(lam);
  const [, count] = whileLoop(
    ([i, , , logProduct]: State) => and(anyTrue(gt(logProduct, minusLam)), lt(i, constant([], MAX_ITERATIONS, "int32"))),
    ([i, k, rng, logProduct]: State): State => {
      const keys = split(rng);
      const next = select(gt(logProduct, minusLam), add(k, constant(shape, 1, dtype)), k);
      const u = uniform(keyAt(keys, 1), shape, { dtype: "float32" });
      return [add(i, constant([], 1, "int32")), next, keyAt(keys, 0), add(logProduct, log(u))];
    },
    [constant([], 0, "int32"), constant(shape, 0, dtype), key, constant(shape, 0, "float32")] as State,
  );
  return sub(count, constant(shape, 1, dtype));
}

/**
 * Hörmann, "The transformed rejection method for generating Poisson random variables" (Insurance: Mathematics
 * and Economics 12, 1993), algorithm PTRS, with JAX's constants and update order.
 */
function poissonRejection(key: PRNGKey, lam: NDArray, dtype: "int32" | "uint32"): NDArray {
  const shape = lam.shape;
  const c = (v: number) => constant(shape, v, "float32");
  const logLam = log(lam);
  const b = add(c(0.931), mul(c(2.53), sqrt(lam)));
  const a = add(c(-0.059), mul(c(0.02483), b));
  const invAlpha = add(c(1.1239), div(c(1.1328), sub(b, c(3.4))));
  const vR = sub(c(0.9277), div(c(3.6224), sub(b, c(2))));
  type State = [NDArray, NDArray, NDArray, NDArray];
  const [, accepted] = whileLoop(
    ([i, , done]: State) => and(anyTrue(not(done)), lt(i, constant([], MAX_ITERATIONS, "int32"))),
    ([i, kOut, done, rng]: State): State => {
      const keys = split(rng, 3);
      const u = sub(uniform(keyAt(keys, 1), shape, { dtype: "float32" }), c(0.5));
      const v = uniform(keyAt(keys, 2), shape, { dtype: "float32" });
      const uShifted = sub(c(0.5), abs(u));
      const k = floor(add(add(mul(add(div(mul(c(2), a), uShifted), b), u), lam), c(0.43)));
      const s = log(div(mul(v, invAlpha), add(div(a, mul(uShifted, uShifted)), b)));
      const t = sub(add(neg(lam), mul(k, logLam)), lgamma(add(k, c(1))));
      const accept1 = and(ge(uShifted, c(0.07)), le(v, vR));
      const reject = or(lt(k, c(0)), and(lt(uShifted, c(0.013)), gt(v, uShifted)));
      const accept = or(accept1, and(not(reject), le(s, t)));
      return [add(i, constant([], 1, "int32")), select(accept, k, kOut), or(done, accept), keyAt(keys, 0)];
    },
    [constant([], 0, "int32"), c(-1), constant(shape, 0, "bool"), key] as State,
  );
  return convert(accepted, dtype);
}

export interface PoissonOptions {
  dtype?: "int32" | "uint32";
}

/**
 * random.poisson: Poisson(lam) counts (int32 by default). Shape defaults to lam's shape. As in JAX the rate is
 * taken in float32, both algorithms run over the whole array, and each element keeps the one its rate selects.
 */
export function poisson(key: ArrayLike, lam: number | NDArray, shape?: ShapeLike, options: PoissonOptions = {}): NDArray {
  const k = asKey("poisson", key);
  const dtype = options.dtype ?? "int32";
  if (dtype !== "int32" && dtype !== "uint32") throw new DTypeError(`random.poisson: dtype must be "int32" or "uint32", got ${String(dtype)}.`);
  const rate = typeof lam === "number" ? constant([], lam, "float32") : convert(lam, "float32");
  let dims: number[];
  if (shape === undefined) dims = [...rate.shape];
  else {
    dims = normalizeShape("poisson", shape);
    if (!shapesEqual(broadcastShapes("random.poisson", dims, rate.shape), dims)) {
      throw new ShapeError(`random.poisson: lam of shape ${showShape(rate.shape)} must broadcast to the shape argument ${showShape(dims)}.`);
    }
  }
  const lamArray = broadcastToShape(rate, dims);
  const c = (v: number) => constant(dims, v, "float32");
  const useKnuth = or(ne(lamArray, lamArray), lt(lamArray, c(10)));
  const lamKnuth = select(useKnuth, lamArray, c(0));
  // PTRS accepts at most ~89% as lam grows; lanes that use Knuth get a large rate so they accept quickly.
  const lamRejection = select(useKnuth, c(1e5), lamArray);
  const result = select(useKnuth, poissonKnuth(k, lamKnuth, dtype), poissonRejection(k, lamRejection, dtype));
  return select(eq(lamArray, c(0)), constant(dims, 0, dtype), result);
}
