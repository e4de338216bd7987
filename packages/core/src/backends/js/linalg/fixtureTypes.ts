// Shape of fixtures/linalg_fixtures.json, which fixtures/gen_linalg.py writes from numpy/scipy.

export interface EigvalshFixture {
  name: string;
  n: number;
  lower: boolean;
  a: number[];
  values: number[];
}
export interface CholeskyFixture {
  name: string;
  n: number;
  a: number[];
  l: number[];
}
export interface QrFixture {
  name: string;
  m: number;
  n: number;
  fullMatrices: boolean;
  a: number[];
  q: number[];
  r: number[];
}
export interface LuFixture {
  name: string;
  m: number;
  n: number;
  a: number[];
  lu: number[];
  pivots: number[];
  permutation: number[];
}
export interface TriangularSolveFixture {
  leftSide: boolean;
  lower: boolean;
  transposeA: boolean;
  unitDiagonal: boolean;
  m: number;
  n: number;
  a: number[];
  b: number[];
  x: number[];
}
export interface LinalgFixtures {
  eigvalsh: EigvalshFixture[];
  cholesky: CholeskyFixture[];
  qr: QrFixture[];
  lu: LuFixture[];
  triangularSolve: TriangularSolveFixture[];
}
