// Cases for the linear-algebra primitives (cholesky, triangular_solve, lu, qr, eigh): inputs are shifted or
// symmetrised inside each case so every example is well conditioned and, for eigh, has separated eigenvalues.
import { type NDArray, internal, np } from "@fluxion/core";
import { type PrimCase, uniform } from "../harness.js";

const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;
const shifted = (x: NDArray, by: number): NDArray => np.add(x, np.multiply(np.eye(x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!, 0, "float64"), by));
/** Symmetric with eigenvalues within 1.2 of 0, 4, 8 (so gaps stay above 1.6 and eigenvectors are smooth). */
const separated = (x: NDArray): NDArray => np.add(np.multiply(np.add(x, np.swapaxes(x, -1, -2)), 0.2), np.array([[0, 0, 0], [0, 4, 0], [0, 0, 8]], "float64"));
/** Flips each eigenvector so its dot product with a fixed vector is positive (solver signs are arbitrary). */
const signFixed = (v: NDArray): NDArray => np.multiply(v, np.sign(np.sum(np.multiply(v, np.array([[1], [1.7], [2.9]], "float64")), -2, true)));

const solveCase = (leftSide: boolean, lower: boolean, transposeA: boolean, unitDiagonal: boolean): PrimCase => ({
  prim: "triangular_solve",
  name: `triangular_solve left=${leftSide} lower=${lower} T=${transposeA} unit=${unitDiagonal}`,
  fn: (a, b) => internal.bind1(P("triangular_solve"), [shifted(a, 3), b], { leftSide, lower, transposeA, unitDiagonal }),
  args: (s) => [uniform(s, [3, 3]), uniform(s + 1, leftSide ? [3, 2] : [2, 3])],
});

export const cases: PrimCase[] = [
  {
    prim: "cholesky",
    name: "cholesky of B Bᵀ + 2I",
    fn: (b) => internal.bind1(P("cholesky"), [shifted(np.matmul(b, np.swapaxes(b, -1, -2)), 2)]),
    args: (s) => [uniform(s, [3, 3])],
  },
  solveCase(true, true, false, false),
  solveCase(true, false, true, true),
  solveCase(false, false, false, false),
  solveCase(false, true, true, true),
  { prim: "lu", name: "lu factors of a square matrix", fn: (a) => internal.bind(P("lu"), [shifted(a, 2)])[0], args: (s) => [uniform(s, [3, 3])] },
  { prim: "lu", name: "lu factors of a wide matrix", fn: (a) => internal.bind(P("lu"), [shifted(a, 2)])[0], args: (s) => [uniform(s, [2, 4])] },
  { prim: "qr", name: "qr reduced, tall", fn: (a) => internal.bind(P("qr"), [shifted(a, 2)], { fullMatrices: false }), args: (s) => [uniform(s, [4, 3])] },
  { prim: "qr", name: "qr full, wide", fn: (a) => internal.bind(P("qr"), [shifted(a, 2)], { fullMatrices: true }), args: (s) => [uniform(s, [2, 3])] },
  {
    prim: "eigh",
    name: "eigh (separated eigenvalues, eigenvector signs fixed)",
    fn: (x) => {
      const [v, w] = internal.bind(P("eigh"), [separated(x)], { lower: true });
      return [signFixed(v!), w!];
    },
    args: (s) => [uniform(s, [3, 3])],
  },
  // np.linalg compositions: jit, vmap with random axes and second-order derivatives through several primitives.
  { prim: "lu", name: "np.linalg.solve (matrix b)", fn: (a, b) => np.linalg.solve(shifted(a, 3), b), args: (s) => [uniform(s, [3, 3]), uniform(s + 1, [3, 2])] },
  { prim: "lu", name: "np.linalg.inv", fn: (a) => np.linalg.inv(shifted(a, 3)), args: (s) => [uniform(s, [3, 3])] },
  { prim: "lu", name: "np.linalg.det and slogdet", fn: (a) => [np.linalg.det(shifted(a, 2)), ...np.linalg.slogdet(shifted(a, 2))], args: (s) => [uniform(s, [3, 3])] },
  { prim: "eigh", name: "np.linalg.norm ord 2 and nuc", fn: (a) => [np.linalg.norm(shifted(a, 1), 2), np.linalg.norm(shifted(a, 1), "nuc")], args: (s) => [uniform(s, [3, 2])] },
];
