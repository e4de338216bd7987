// WishartTriL(df, scaleTril) over positive-definite matrices (TFP's tfd.WishartTriL), optionally taking and
// returning Cholesky factors (inputOutputCholesky). Samples by the Bartlett decomposition: X = L A A^T L^T with A
// lower triangular, A_ii = sqrt(chi2(df - i)) and standard normal entries below the diagonal.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, cholesky, commonFloatDtype, diagPart, matrixTranspose, solveLowerMatrix, toFloat } from "./internal.js";
import { splitKey } from "./sampling.js";

export interface WishartTriLParams extends DistributionOptions {
  df: ArrayLike;
  scaleTril: ArrayLike;
  inputOutputCholesky?: boolean;
}

export class WishartTriL extends Distribution {
  readonly df: NDArray;
  readonly scaleTril: NDArray;
  readonly inputOutputCholesky: boolean;

  constructor(params: WishartTriLParams) {
    super(params);
    const dtype = commonFloatDtype([params.df, params.scaleTril]);
    this.df = toFloat(params.df, dtype);
    this.scaleTril = np.tril(toFloat(params.scaleTril, dtype));
    if (this.scaleTril.ndim < 2) throw new Error(`WishartTriL: scaleTril must be [..., k, k], got [${this.scaleTril.shape}].`);
    this.inputOutputCholesky = params.inputOutputCholesky ?? false;
    this.validateParameters();
  }
  private k(): number {
    return this.scaleTril.shape[this.scaleTril.ndim - 1]!;
  }
  get batchShape(): number[] {
    return broadcastShapes("WishartTriL", this.df.shape, this.scaleTril.shape.slice(0, -2));
  }
  override get eventShape(): number[] {
    return [this.k(), this.k()];
  }
  get dtype(): DType {
    return this.scaleTril.dtype;
  }
  protected override _parameterChecks(): Check[] {
    const d = diagPart(this.scaleTril);
    return [
      { what: "df", ok: np.greater(this.df, this.k() - 1), requirement: `greater than dimension - 1 = ${this.k() - 1}`, value: this.df },
      { what: "scaleTril", ok: np.greater(d, 0), requirement: "lower-triangular with a positive diagonal", value: d },
    ];
  }
  /** Sigma = L L^T. */
  private scaleMatrix(): NDArray {
    return np.matmul(this.scaleTril, matrixTranspose(this.scaleTril));
  }
  private logDetScale(): NDArray {
    return np.multiply(2, np.sum(np.log(diagPart(this.scaleTril)), -1));
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const k = this.k();
    const shape = [n, ...this.batchShape];
    const dtype = this.floatDtype;
    const [gammaKey, normalKey] = splitKey(key, 2);
    // Diagonal: sqrt(chi2(df - i)) = sqrt(2 Gamma((df - i)/2)).
    const dofs = np.subtract(np.expandDims(broadcastTo(this.df, shape), -1), np.array(Array.from({ length: k }, (_, i) => i), dtype));
    const chi2 = np.multiply(2, random.gamma(gammaKey!, np.multiply(0.5, dofs), [...shape, k]));
    const eye = np.eye(k, k, 0, dtype);
    const below = np.tril(random.normal(normalKey!, [...shape, k, k], { dtype }), -1);
    const a = np.add(below, np.multiply(np.expandDims(np.sqrt(chi2), -1), eye));
    const factor = np.matmul(this.scaleTril, a);
    return this.inputOutputCholesky ? factor : np.matmul(factor, matrixTranspose(factor));
  }
  // log p(X) = (df - k - 1)/2 log|X| - tr(Sigma^-1 X)/2 - df k/2 log 2 - df/2 log|Sigma| - log Gamma_k(df/2).
  protected override _logProb(x: NDArray): NDArray {
    const k = this.k();
    const factor = this.inputOutputCholesky ? x : cholesky(x);
    const logDetX = np.multiply(2, np.sum(np.log(diagPart(factor)), -1));
    const shape = broadcastShapes("WishartTriL.logProb", factor.shape.slice(0, -2), this.scaleTril.shape.slice(0, -2));
    const w = solveLowerMatrix(broadcastTo(this.scaleTril, [...shape, k, k]), broadcastTo(factor, [...shape, k, k]));
    const trace = np.sum(np.square(w), [-2, -1]);
    const df = this.df;
    return np.subtract(
      np.subtract(np.multiply(np.multiply(0.5, np.subtract(df, k + 1)), logDetX), np.multiply(0.5, trace)),
      np.add(np.add(np.multiply(0.5 * k * Math.LN2, df), np.multiply(np.multiply(0.5, df), this.logDetScale())), special.multigammaln(np.multiply(0.5, df), k)),
    );
  }
  protected override _mean(): NDArray {
    return np.multiply(np.expandDims(this.df, [-1, -2]), this.scaleMatrix());
  }
  protected override _mode(): NDArray {
    const k = this.k();
    const value = np.multiply(np.expandDims(np.subtract(this.df, k + 1), [-1, -2]), this.scaleMatrix());
    const shape = [...this.batchShape, k, k];
    const defined = broadcastTo(np.expandDims(np.greater(this.df, k + 1), [-1, -2]), shape);
    return this.undefinedStat("mode", broadcastTo(value, shape), defined, "df > dimension + 1");
  }
  /** Var(X_ij) = df (Sigma_ij^2 + Sigma_ii Sigma_jj). */
  protected override _variance(): NDArray {
    const s = this.scaleMatrix();
    const d = diagPart(s);
    return np.multiply(np.expandDims(this.df, [-1, -2]), np.add(np.square(s), np.multiply(np.expandDims(d, -1), np.expandDims(d, -2))));
  }
  protected override _entropy(): NDArray {
    const k = this.k();
    const df = this.df;
    let digammas = np.zerosLike(df);
    for (let i = 0; i < k; i++) digammas = np.add(digammas, special.digamma(np.multiply(0.5, np.subtract(df, i))));
    const expectedLogDet = np.add(np.add(digammas, k * Math.LN2), this.logDetScale());
    const logZ = np.add(np.add(np.multiply(0.5 * k * Math.LN2, df), np.multiply(np.multiply(0.5, df), this.logDetScale())), special.multigammaln(np.multiply(0.5, df), k));
    return np.add(np.subtract(np.multiply(0.5 * k, df), np.multiply(np.multiply(0.5, np.subtract(df, k + 1)), expectedLogDet)), logZ);
  }
  protected override _eventSpace(): EventSpace {
    return this.inputOutputCholesky ? { kind: "choleskyFactor" } : { kind: "positiveDefinite" };
  }
}
registerDistribution(WishartTriL, ["df", "scaleTril"], ["inputOutputCholesky"]);
