// GaussianProcess and GaussianProcessRegressionModel (TFP's tfd.GaussianProcess / GaussianProcessRegressionModel):
// the finite-dimensional marginal at index points is a multivariate normal whose scale is the Cholesky factor of
// kernel matrix + noise + jitter; regression conditions on noisy observations (Rasmussen & Williams, Alg. 2.1).
import { ConcreteArray, NDArray, np, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "../distributions/distribution.js";
import type { EventSpace } from "../distributions/eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, matrixTranspose, solveLowerMatrix, toFloat, type FloatDType } from "../distributions/internal.js";
import { MultivariateNormalTriL } from "../distributions/multivariateNormal.js";
import type { PositiveSemidefiniteKernel } from "./kernels.js";

/** A covariance matrix that is not numerically positive definite (its Cholesky factor came out NaN). */
export class CholeskyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CholeskyError";
  }
}

export interface GaussianProcessParams extends DistributionOptions {
  kernel: PositiveSemidefiniteKernel;
  /** [batch..., e, features...]: the e points where the process is observed (featureNdims = kernel.featureNdims). */
  indexPoints: ArrayLike;
  /** Prior mean function of the index points, [..., e, f...] -> [..., e]; default zero. */
  meanFn?: ((x: NDArray) => NDArray) | null;
  /** Variance of iid normal noise added to every value (default 0). */
  observationNoiseVariance?: ArrayLike;
  /** Added to the diagonal before the Cholesky factorization (default 1e-6, as TFP). Ignored with choleskyFn. */
  jitter?: number;
  /** Replaces jittered Cholesky: maps a covariance matrix to a lower-triangular factor. */
  choleskyFn?: ((matrix: NDArray) => NDArray) | null;
}

/** Pads `x` with trailing unit dims. */
const expandTrailing = (x: NDArray, n: number): NDArray => (n === 0 ? x : np.reshape(x, [...x.shape, ...new Array<number>(n).fill(1)]));

/** Solves L X = B for lower-triangular L, broadcasting the batch dims of L [..., n, n] and B [..., n, k]. */
function lowerSolve(l: NDArray, b: NDArray): NDArray {
  const batch = broadcastShapes("GaussianProcess solve", l.shape.slice(0, -2), b.shape.slice(0, -2));
  return solveLowerMatrix(broadcastTo(l, [...batch, ...l.shape.slice(-2)]), broadcastTo(b, [...batch, ...b.shape.slice(-2)]));
}

/** x + v I over the last two axes, v broadcasting against the batch dims. */
function addDiagonal(m: NDArray, v: NDArray | number): NDArray {
  const n = m.shape[m.ndim - 1]!;
  const eye = np.eye(n, n, 0, m.dtype);
  return np.add(m, np.multiply(typeof v === "number" ? v : expandTrailing(v, 2), eye));
}

export class GaussianProcess extends Distribution {
  readonly kernel: PositiveSemidefiniteKernel;
  readonly indexPoints: NDArray;
  readonly observationNoiseVariance: NDArray;
  readonly meanFn: ((x: NDArray) => NDArray) | null;
  readonly jitter: number;
  readonly choleskyFn: ((matrix: NDArray) => NDArray) | null;

  constructor(params: GaussianProcessParams) {
    super(params);
    const kernelDtype = params.kernel.dtype;
    const dtype: FloatDType = commonFloatDtype([params.indexPoints, params.observationNoiseVariance, ...(kernelDtype === "float64" ? [np.zeros([], "float64")] : [])]);
    this.kernel = params.kernel;
    this.indexPoints = toFloat(params.indexPoints, dtype);
    this.observationNoiseVariance = toFloat(params.observationNoiseVariance ?? 0, dtype);
    this.meanFn = params.meanFn ?? null;
    this.jitter = params.jitter ?? 1e-6;
    this.choleskyFn = params.choleskyFn ?? null;
    const f = this.kernel.featureNdims;
    if (this.indexPoints.ndim < f + 1) throw new Error(`${new.target.name}: indexPoints must be [batch..., e, features...] with ${f} feature dims (the kernel's featureNdims), got shape [${this.indexPoints.shape}].`);
    this.validateParameters();
  }

  get batchShape(): number[] {
    const f = this.kernel.featureNdims;
    return broadcastShapes(this.constructor.name, this.kernel.batchShape, this.indexPoints.shape.slice(0, this.indexPoints.ndim - f - 1), this.observationNoiseVariance.shape);
  }
  override get eventShape(): number[] {
    return [this.indexPoints.shape[this.indexPoints.ndim - this.kernel.featureNdims - 1]!];
  }
  get dtype(): DType {
    return this.indexPoints.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "observationNoiseVariance", ok: np.greaterEqual(this.observationNoiseVariance, 0), requirement: "non-negative", value: this.observationNoiseVariance }];
  }

  // ------------------------------------------------------------------ the marginal at the index points

  /** The prior mean m(x) at index points x: [..., e]. */
  protected priorMean(x: NDArray): NDArray {
    if (this.meanFn === null) return np.zeros([x.shape[x.ndim - this.kernel.featureNdims - 1]!], x.dtype);
    return this.meanFn(x);
  }
  /** Noise variance on the diagonal of this distribution's covariance. */
  protected addedNoiseVariance(): NDArray {
    return this.observationNoiseVariance;
  }
  /** Mean of the marginal at the index points. */
  protected marginalMean(): NDArray {
    return this.priorMean(this.indexPoints);
  }
  /** Covariance of the latent function values at the index points (no noise, no jitter). */
  protected latentCovariance(): NDArray {
    return this.kernel.matrix(this.indexPoints, this.indexPoints);
  }
  /** Latent variances at the index points (the diagonal of latentCovariance, without forming it). */
  protected latentVariance(): NDArray {
    return this.kernel.apply(this.indexPoints, this.indexPoints, 1);
  }

  /** Lower Cholesky factor of `covariance` (+ jitter, unless choleskyFn is given), with a clear error when it fails. */
  protected factor(covariance: NDArray, what: string): NDArray {
    const l = this.choleskyFn ? this.choleskyFn(covariance) : np.linalg.cholesky(addDiagonal(covariance, this.jitter));
    if (l instanceof ConcreteArray && covariance instanceof ConcreteArray) {
      const data = l.dataSync();
      for (let i = 0; i < data.length; i++) {
        if (Number.isNaN(data[i])) {
          const n = l.shape[l.ndim - 1]!;
          const batchIndex = Math.floor(i / (n * n));
          throw new CholeskyError(
            `${this.constructor.name}: the Cholesky factorization of the ${what} failed${l.ndim > 2 ? ` (batch member ${batchIndex})` : ""}: the matrix is not numerically positive definite (or has NaN entries). ` +
              `Increase \`jitter\` (now ${this.jitter}) or the observation noise variance, remove duplicate index points, or pass a \`choleskyFn\`. (Under jit/vmap/grad the factor is NaN instead of this error.)`,
          );
        }
      }
    }
    return l;
  }

  /** The multivariate normal of the values at the index points (TFP's get_marginal_distribution). */
  getMarginalDistribution(): MultivariateNormalTriL {
    const cov = addDiagonal(this.latentCovariance(), this.addedNoiseVariance());
    const scaleTril = this.factor(cov, "marginal covariance");
    const batch = this.batchShape;
    const k = this.eventShape[0]!;
    return new MultivariateNormalTriL({ loc: broadcastTo(this.marginalMean(), [...broadcastShapes(this.constructor.name, batch, this.marginalMean().shape.slice(0, -1)), k]), scaleTril });
  }

  protected override _logProb(x: NDArray): NDArray {
    return this.getMarginalDistribution().logProb(x);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return this.getMarginalDistribution().sample(key, [n]);
  }
  protected override _mean(): NDArray {
    return this.marginalMean();
  }
  protected override _mode(): NDArray {
    return this.marginalMean();
  }
  protected override _variance(): NDArray {
    return np.add(this.latentVariance(), expandTrailing(this.addedNoiseVariance(), 1));
  }
  protected override _covariance(): NDArray {
    return addDiagonal(this.latentCovariance(), this.addedNoiseVariance());
  }
  protected override _entropy(): NDArray {
    return this.getMarginalDistribution().entropy();
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }

  /** The posterior predictive given observations at these index points (TFP's posterior_predictive). */
  posteriorPredictive(observations: ArrayLike, predictiveIndexPoints?: ArrayLike, options: Partial<GaussianProcessRegressionModelParams> = {}): GaussianProcessRegressionModel {
    return new GaussianProcessRegressionModel({
      kernel: this.kernel,
      indexPoints: predictiveIndexPoints ?? this.indexPoints,
      observationIndexPoints: this.indexPoints,
      observations,
      observationNoiseVariance: this.observationNoiseVariance,
      meanFn: this.meanFn,
      jitter: this.jitter,
      choleskyFn: this.choleskyFn,
      ...options,
    });
  }
}
registerDistribution(GaussianProcess, ["kernel", "indexPoints", "observationNoiseVariance"], ["meanFn", "jitter", "choleskyFn"]);

export interface GaussianProcessRegressionModelParams extends GaussianProcessParams {
  /** [batch..., n, features...]: where the observations were made (null with observations null: the prior predictive). */
  observationIndexPoints?: ArrayLike | null;
  /** [batch..., n] noisy observations. */
  observations?: ArrayLike | null;
  /** Noise variance of the predictive distribution (default: observationNoiseVariance; 0 for noiseless function values). */
  predictiveNoiseVariance?: ArrayLike | null;
}

/**
 * The posterior predictive of a GP conditioned on noisy observations (TFP's GaussianProcessRegressionModel):
 * with L = chol(K_zz + (σ² + jitter) I), A = L⁻¹ K_zx,
 * mean = m(x) + Aᵀ L⁻¹ (y - m(z)), covariance = K_xx - AᵀA + σ²_pred I.
 */
export class GaussianProcessRegressionModel extends GaussianProcess {
  readonly observationIndexPoints: NDArray | null;
  readonly observations: NDArray | null;
  readonly predictiveNoiseVariance: NDArray;

  constructor(params: GaussianProcessRegressionModelParams) {
    super(params);
    const hasPoints = params.observationIndexPoints !== undefined && params.observationIndexPoints !== null;
    const hasObs = params.observations !== undefined && params.observations !== null;
    if (hasPoints !== hasObs) throw new Error("GaussianProcessRegressionModel: pass both observationIndexPoints and observations, or neither (the prior predictive).");
    const dtype = this.indexPoints.dtype as FloatDType;
    this.observationIndexPoints = hasPoints ? toFloat(params.observationIndexPoints!, dtype) : null;
    this.observations = hasObs ? toFloat(params.observations!, dtype) : null;
    this.predictiveNoiseVariance = params.predictiveNoiseVariance === undefined || params.predictiveNoiseVariance === null ? this.observationNoiseVariance : toFloat(params.predictiveNoiseVariance, dtype);
    if (this.observationIndexPoints && this.observations) {
      const f = this.kernel.featureNdims;
      const n = this.observationIndexPoints.shape[this.observationIndexPoints.ndim - f - 1];
      if (this.observations.shape[this.observations.ndim - 1] !== n) {
        throw new Error(`GaussianProcessRegressionModel: observations [${this.observations.shape}] must end with the number of observation index points (${n}; observationIndexPoints is [${this.observationIndexPoints.shape}]).`);
      }
    }
  }

  override get batchShape(): number[] {
    const shapes: (readonly number[])[] = [super.batchShape, this.predictiveNoiseVariance.shape];
    if (this.observationIndexPoints && this.observations) {
      const f = this.kernel.featureNdims;
      shapes.push(this.observationIndexPoints.shape.slice(0, this.observationIndexPoints.ndim - f - 1), this.observations.shape.slice(0, -1));
    }
    return broadcastShapes("GaussianProcessRegressionModel", ...shapes);
  }

  protected override addedNoiseVariance(): NDArray {
    return this.predictiveNoiseVariance;
  }

  /** L = chol(K_zz + σ²_obs I (+ jitter)), A = L⁻¹ K_zx, and w = L⁻¹ (y - m(z)); null without observations. */
  private conditioning(): { a: NDArray; w: NDArray } | null {
    if (!this.observationIndexPoints || !this.observations) return null;
    const z = this.observationIndexPoints;
    const divisor = addDiagonal(this.kernel.matrix(z, z), this.observationNoiseVariance);
    const l = this.factor(divisor, "observation covariance (kernel matrix at the observation index points + observation noise)");
    const a = lowerSolve(l, this.kernel.matrix(z, this.indexPoints));
    const w = lowerSolve(l, expandTrailing(np.subtract(this.observations, this.priorMean(z)), 1));
    return { a, w };
  }

  protected override marginalMean(): NDArray {
    const prior = this.priorMean(this.indexPoints);
    const c = this.conditioning();
    if (c === null) return prior;
    return np.add(prior, np.squeeze(np.matmul(matrixTranspose(c.a), c.w), -1));
  }
  protected override latentCovariance(): NDArray {
    const kxx = this.kernel.matrix(this.indexPoints, this.indexPoints);
    const c = this.conditioning();
    if (c === null) return kxx;
    return np.subtract(kxx, np.matmul(matrixTranspose(c.a), c.a));
  }
  protected override latentVariance(): NDArray {
    const diag = this.kernel.apply(this.indexPoints, this.indexPoints, 1);
    const c = this.conditioning();
    if (c === null) return diag;
    return np.subtract(diag, np.sum(np.square(c.a), -2));
  }
}
registerDistribution(
  GaussianProcessRegressionModel,
  ["kernel", "indexPoints", "observationNoiseVariance", "observationIndexPoints", "observations", "predictiveNoiseVariance"],
  ["meanFn", "jitter", "choleskyFn"],
);

