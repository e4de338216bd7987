// LKJ(dimension, concentration) over correlation matrices (or their Cholesky factors with inputOutputCholesky) and
// CholeskyLKJ over Cholesky factors (TFP's tfd.LKJ / tfd.CholeskyLKJ; Lewandowski, Kurowicka & Joe 2009).
// Sampling is TFP's onion method: row i of the factor is sqrt(b_i) u_i padded by sqrt(1 - b_i), with
// b_i ~ Beta(i/2, concentration + (dimension - 2)/2 - (i - 1)/2) and u_i uniform on the unit sphere in R^i.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastTo, cholesky, commonFloatDtype, diagPart, matrixTranspose, toFloat } from "./internal.js";
import { splitKey } from "./sampling.js";

/**
 * log of the LKJ normaliser (TFP's form): sum_{k=1}^{D-1} [lgamma(c_k) - lgamma(c_k + k/2)] + log(pi) D (D-1)/4,
 * with c_k = concentration + (D - 1 - k)/2.
 */
function logNormalization(concentration: NDArray, dimension: number): NDArray {
  let total = np.fullLike(concentration, Math.log(Math.PI) * (dimension * (dimension - 1)) / 4);
  for (let k = 1; k < dimension; k++) {
    const c = np.add(concentration, (dimension - 1 - k) / 2);
    total = np.add(total, np.subtract(special.gammaln(c), special.gammaln(np.add(c, k / 2))));
  }
  return total;
}

/** Lower-triangular Cholesky factors of LKJ draws, [...shape, D, D]. */
function sampleCholeskyFactor(key: NDArray, concentration: NDArray, dimension: number, shape: readonly number[]): NDArray {
  const dtype = concentration.dtype as "float32" | "float64";
  const eta = broadcastTo(concentration, [...shape]);
  if (dimension <= 1) return np.ones([...shape, dimension, dimension], dtype);
  const keys = splitKey(key, 2 * dimension);
  const rows: NDArray[] = [np.concatenate([np.ones([...shape, 1], dtype), np.zeros([...shape, dimension - 1], dtype)], -1)];
  const betaBase = np.add(eta, (dimension - 2) / 2);
  for (let i = 1; i < dimension; i++) {
    const c1 = np.fullLike(eta, i / 2);
    const c0 = np.subtract(betaBase, (i - 1) / 2);
    const norm = random.beta(keys[2 * i]!, c1, c0, [...shape]);
    const z = random.normal(keys[2 * i + 1]!, [...shape, i], { dtype });
    const direction = np.divide(z, np.sqrt(np.sum(np.square(z), -1, true)));
    const parts = [np.multiply(np.expandDims(np.sqrt(norm), -1), direction), np.expandDims(np.sqrt(np.subtract(1, norm)), -1)];
    if (i < dimension - 1) parts.push(np.zeros([...shape, dimension - 1 - i], dtype));
    rows.push(np.concatenate(parts, -1));
  }
  return np.stack(rows, -2);
}

/** Support checks: a correlation matrix (symmetric, unit diagonal), or its lower Cholesky factor (unit rows). */
function correlationChecks(x: NDArray, choleskyFactor: boolean): Check[] {
  const tol = x.dtype === "float64" ? 1e-10 : 1e-5;
  if (choleskyFactor) {
    const rows = np.sum(np.square(x), -1);
    return [
      { what: "value", ok: np.all(np.equal(np.triu(x, 1), 0), [-2, -1]), requirement: "lower triangular" },
      { what: "value", ok: np.all(np.greater(diagPart(x), 0), -1), requirement: "a Cholesky factor with a positive diagonal" },
      { what: "value", ok: np.all(np.less(np.abs(np.subtract(rows, 1)), tol), -1), requirement: "a correlation Cholesky factor (rows of unit norm)" },
    ];
  }
  return [
    { what: "value", ok: np.all(np.less(np.abs(np.subtract(x, matrixTranspose(x))), tol), [-2, -1]), requirement: "symmetric" },
    { what: "value", ok: np.all(np.less(np.abs(np.subtract(diagPart(x), 1)), tol), -1), requirement: "a correlation matrix (unit diagonal)" },
  ];
}

export interface LKJParams extends DistributionOptions {
  dimension: number;
  concentration: ArrayLike;
  /** Samples and logProb inputs are Cholesky factors of correlation matrices (the density is still the LKJ one). */
  inputOutputCholesky?: boolean;
}

/** What LKJ and CholeskyLKJ share: a dimension, a positive concentration, D×D events, no reparameterization. */
abstract class LkjFamily extends Distribution {
  readonly dimension: number;
  readonly concentration: NDArray;

  protected constructor(params: CholeskyLKJParams, name: string) {
    super(params);
    if (!Number.isInteger(params.dimension) || params.dimension < 0) throw new Error(`${name}: dimension must be a non-negative integer, got ${params.dimension}.`);
    this.dimension = params.dimension;
    this.concentration = toFloat(params.concentration, commonFloatDtype([params.concentration]));
  }
  get batchShape(): number[] {
    return [...this.concentration.shape];
  }
  override get eventShape(): number[] {
    return [this.dimension, this.dimension];
  }
  get dtype(): DType {
    return this.concentration.dtype;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "concentration", ok: np.greater(this.concentration, 0), requirement: "positive", value: this.concentration }];
  }
}

export class LKJ extends LkjFamily {
  readonly inputOutputCholesky: boolean;

  constructor(params: LKJParams) {
    super(params, "LKJ");
    this.inputOutputCholesky = params.inputOutputCholesky ?? false;
    this.validateParameters();
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return correlationChecks(x, this.inputOutputCholesky);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const l = sampleCholeskyFactor(key, this.concentration, this.dimension, [n, ...this.batchShape]);
    if (this.inputOutputCholesky) return l;
    const c = np.matmul(l, matrixTranspose(l));
    // Exact unit diagonal (as TFP's set_diag).
    const eye = np.eye(this.dimension, this.dimension, 0, this.floatDtype);
    return np.add(np.multiply(c, np.subtract(1, eye)), eye);
  }
  /** (concentration - 1) log det(X) - log normaliser; det from the Cholesky factor. */
  protected override _logProb(x: NDArray): NDArray {
    const factor = this.inputOutputCholesky ? x : cholesky(x);
    const logDet = np.multiply(2, np.sum(np.log(diagPart(factor)), -1));
    return np.subtract(np.multiply(np.subtract(this.concentration, 1), logDet), logNormalization(this.concentration, this.dimension));
  }
  protected override _mean(): NDArray {
    return broadcastTo(np.eye(this.dimension, this.dimension, 0, this.floatDtype), [...this.batchShape, this.dimension, this.dimension]);
  }
  protected override _eventSpace(): EventSpace {
    return this.inputOutputCholesky ? { kind: "correlationCholesky" } : { kind: "correlationMatrix" };
  }
}
registerDistribution(LKJ, ["concentration"], ["dimension", "inputOutputCholesky"]);

export interface CholeskyLKJParams extends DistributionOptions {
  dimension: number;
  concentration: ArrayLike;
}

/** The law of the Cholesky factor L of an LKJ matrix: density sum_i (2 eta - 2 + D - 1 - i) log L_ii - log Z. */
export class CholeskyLKJ extends LkjFamily {
  constructor(params: CholeskyLKJParams) {
    super(params, "CholeskyLKJ");
    this.validateParameters();
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return correlationChecks(x, true);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return sampleCholeskyFactor(key, this.concentration, this.dimension, [n, ...this.batchShape]);
  }
  protected override _logProb(x: NDArray): NDArray {
    const d = this.dimension;
    const logDiag = np.log(diagPart(x));
    const offsets = np.array(Array.from({ length: d }, (_, i) => d - 1 - i), this.floatDtype);
    const weights = np.add(np.subtract(np.multiply(2, np.expandDims(this.concentration, -1)), 2), offsets);
    return np.subtract(np.sum(np.multiply(weights, logDiag), -1), logNormalization(this.concentration, d));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "correlationCholesky" };
  }
}
registerDistribution(CholeskyLKJ, ["concentration"], ["dimension"]);
