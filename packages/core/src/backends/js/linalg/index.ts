// Batched dense linear-algebra kernels of the pure-TS reference backend (row-major, float64 arithmetic).
export { cholesky } from "./cholesky.js";
export { eigh } from "./eigh.js";
export { lu } from "./lu.js";
export { matmul, transposeLast2 } from "./matmul.js";
export { qr } from "./qr.js";
export { triangularSolve, type TriangularSolveOptions } from "./triangularSolve.js";
export { LinalgArgumentError, type FloatArray } from "./types.js";
