// Minimal scale operators for the location-scale multivariate laws (TFP's LinearOperatorDiag / LowerTriangular):
// apply, solve, log|det| and row-sums of squares, so diagonal scales never build a dense matrix.
import { NDArray, np } from "@fluxion/core";
import { diagMatrix, diagPart, matrixTranspose, matvec, solveLower } from "./internal.js";

export interface ScaleOperator {
  /** Batch shape of the operator (without the [k] or [k, k] event axes). */
  readonly batchShape: number[];
  readonly size: number;
  /** L z over the last axis. */
  matvec(z: NDArray): NDArray;
  /** L^-1 y over the last axis. */
  solve(y: NDArray): NDArray;
  /** log |det L|. */
  logAbsDet(): NDArray;
  /** diag(L L^T): the variances. */
  rowSquaredNorms(): NDArray;
  /** Dense L. */
  dense(): NDArray;
}

export class DiagScale implements ScaleOperator {
  constructor(readonly diag: NDArray) {}
  get batchShape(): number[] {
    return this.diag.shape.slice(0, -1);
  }
  get size(): number {
    return this.diag.shape[this.diag.ndim - 1]!;
  }
  matvec(z: NDArray): NDArray {
    return np.multiply(this.diag, z);
  }
  solve(y: NDArray): NDArray {
    return np.divide(y, this.diag);
  }
  logAbsDet(): NDArray {
    return np.sum(np.log(np.abs(this.diag)), -1);
  }
  rowSquaredNorms(): NDArray {
    return np.square(this.diag);
  }
  dense(): NDArray {
    return diagMatrix(this.diag);
  }
}

export class TriLScale implements ScaleOperator {
  /** Only the lower triangle of `tril` is read (as TFP's LinearOperatorLowerTriangular). */
  readonly tril: NDArray;
  constructor(tril: NDArray) {
    this.tril = np.tril(tril);
  }
  get batchShape(): number[] {
    return this.tril.shape.slice(0, -2);
  }
  get size(): number {
    return this.tril.shape[this.tril.ndim - 1]!;
  }
  matvec(z: NDArray): NDArray {
    return matvec(this.tril, z);
  }
  solve(y: NDArray): NDArray {
    return solveLower(this.tril, y);
  }
  logAbsDet(): NDArray {
    return np.sum(np.log(np.abs(diagPart(this.tril))), -1);
  }
  rowSquaredNorms(): NDArray {
    return np.sum(np.square(this.tril), -1);
  }
  dense(): NDArray {
    return this.tril;
  }
}

/** L L^T. */
export function outerProduct(scale: ScaleOperator): NDArray {
  const l = scale.dense();
  return np.matmul(l, matrixTranspose(l));
}
