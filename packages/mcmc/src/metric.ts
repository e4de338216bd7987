// The Euclidean metric of HMC/NUTS: an identity, diagonal or dense inverse mass matrix over one chain's
// flattened state, giving momentum draws p ~ N(0, M), velocities M⁻¹p and kinetic energies ½ pᵀM⁻¹p.
import { NDArray, lax, np, type DType } from "@fluxion/core";
import { standardNormal } from "./util/sampling.js";

export type MetricKind = "identity" | "diagonal" | "dense";

export class Metric {
  readonly kind: MetricKind;

  /** `inverseMassMatrix`: undefined (identity), a [D] diagonal or a [D, D] symmetric positive definite matrix. */
  constructor(readonly inverseMassMatrix: NDArray | undefined, readonly size: number, readonly dtype: DType) {
    if (inverseMassMatrix === undefined) {
      this.kind = "identity";
    } else if (inverseMassMatrix.ndim === 1 && inverseMassMatrix.shape[0] === size) {
      this.kind = "diagonal";
    } else if (inverseMassMatrix.ndim === 2 && inverseMassMatrix.shape[0] === size && inverseMassMatrix.shape[1] === size) {
      this.kind = "dense";
    } else {
      throw new RangeError(`mcmc: inverseMassMatrix has shape [${inverseMassMatrix.shape}], but the flattened state of one chain has ${size} entries; pass [${size}] (diagonal) or [${size}, ${size}] (dense).`);
    }
  }

  private matrix(): NDArray {
    const m = this.inverseMassMatrix!;
    return m.dtype === this.dtype ? m : m.astype(this.dtype);
  }

  /** M⁻¹ p: the time derivative of the position. */
  velocity(p: NDArray): NDArray {
    switch (this.kind) {
      case "identity": return p;
      case "diagonal": return np.multiply(this.matrix(), p);
      case "dense": return np.matmul(this.matrix(), p);
    }
  }

  /** ½ pᵀ M⁻¹ p. */
  kineticEnergy(p: NDArray): NDArray {
    return np.multiply(np.sum(np.multiply(p, this.velocity(p))), 0.5);
  }

  /** p ~ N(0, M). Dense: with M⁻¹ = L Lᵀ, p = L⁻ᵀ z has covariance L⁻ᵀ L⁻¹ = M. */
  sampleMomentum(key: NDArray): NDArray {
    const z = standardNormal(key, this.size, this.dtype);
    switch (this.kind) {
      case "identity": return z;
      case "diagonal": return np.divide(z, np.sqrt(this.matrix()));
      case "dense": {
        const chol = lax.linalg.cholesky(this.matrix());
        return lax.linalg.triangularSolve(chol, z, { leftSide: true, lower: true, transposeA: true });
      }
    }
  }
}
