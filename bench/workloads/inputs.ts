// The benchmark inputs, generated identically in every language (TS here, C in c/kernels.c,
// Python in peers/numpy_matmul.py), and plain-JS implementations of every workload, which are
// both the "plain JS" peer and the float64-accumulating oracle that all other peers are checked against.

/** Sizes and constants of the workloads (issue 9's table). */
export const LOGREG_FEATURES = 100;
export const SCAN_LANES = 8;
export const SCAN_DT = 0.01;

/**
 * A deterministic value in [-1, 1) for index `i` of stream `stream`: murmur3's 32-bit finalizer
 * of `i ^ (stream * golden ratio)`, scaled by 2^-31 and shifted (exact in float64), then rounded to
 * float32. Written so C and Python reproduce it bit for bit.
 */
export function hashUniform(i: number, stream: number): number {
  let h = (i ^ Math.imul(stream, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return Math.fround(h * 2 ** -31 - 1);
}

export function uniformArray(count: number, stream: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = hashUniform(i, stream) * scale;
  return out;
}

/** Streams used for each input, shared with the C and Python peers. */
export const STREAM = { chainX: 1, matA: 2, matB: 3, logregX: 4, logregY: 5, logregW: 6, scanQ: 7, compileX: 8 } as const;

export const chainInput = (n: number): Float32Array => uniformArray(n, STREAM.chainX, 4);
export const matmulInputs = (n: number): [Float32Array, Float32Array] => [uniformArray(n * n, STREAM.matA), uniformArray(n * n, STREAM.matB)];

export interface LogregData { x: Float32Array; y: Float32Array; w: Float32Array; rows: number; features: number }
/** Rows x features in [-1, 1), labels 0/1 independent of x (so every language gets the same labels), weights in [-0.1, 0.1). */
export function logregInputs(rows: number, features = LOGREG_FEATURES): LogregData {
  const x = uniformArray(rows * features, STREAM.logregX);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) y[i] = hashUniform(i, STREAM.logregY) > 0 ? 1 : 0;
  const w = uniformArray(features, STREAM.logregW, 0.1);
  return { x, y, w, rows, features };
}

/** Initial pendulum angles of the scan workload (momenta start at 0). */
export const scanInitialAngles = (): Float32Array => uniformArray(SCAN_LANES, STREAM.scanQ, 1.5);

// ---- plain JS implementations (the "plain JS" peer, and the oracle) ----

export function chainJs(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = Math.exp(Math.sin(v) * 2 + 1) * v;
  }
}

/** i-k-j loop order so the inner loop streams rows of b and c. */
export function matmulJs(a: Float32Array, b: Float32Array, c: Float32Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k]!;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j]!;
    }
  }
}

/** Stable softplus: log(1 + e^z) = max(z, 0) + log1p(e^-|z|). */
export const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/** Negative log-likelihood of logistic regression and its gradient in w; one pass over the rows. */
export function logregJs(d: LogregData, w: Float32Array, grad: Float64Array): number {
  const { x, y, rows, features } = d;
  grad.fill(0);
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * features;
    let z = 0;
    for (let j = 0; j < features; j++) z += x[row + j]! * w[j]!;
    loss += softplus(z) - y[i]! * z;
    const residual = 1 / (1 + Math.exp(-z)) - y[i]!;
    for (let j = 0; j < features; j++) grad[j] += residual * x[row + j]!;
  }
  return loss;
}

/** `steps` symplectic-Euler steps of SCAN_LANES independent pendulums: p -= dt sin(q); q += dt p. */
export function scanJs(q0: Float32Array, steps: number): { q: Float64Array; p: Float64Array } {
  const q = Float64Array.from(q0);
  const p = new Float64Array(q0.length);
  for (let s = 0; s < steps; s++) {
    for (let l = 0; l < q.length; l++) {
      p[l] -= SCAN_DT * Math.sin(q[l]!);
      q[l] += SCAN_DT * p[l]!;
    }
  }
  return { q, p };
}

/** The compile workload's 50 ops (workloads/fluxion.ts: fiftyOps) on plain numbers: its oracle. */
export function fiftyOpsJs(x: Float32Array, y: Float32Array): number {
  const cycle: ((a: number, b: number) => number)[] = [Math.sin, (a, b) => a * b, (a) => a + 0.25, Math.tanh, (a, b) => a - b, Math.cos, (a) => a * 0.5];
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    let a = x[i]!;
    for (let k = 0; k < 49; k++) a = cycle[k % cycle.length]!(a, y[i]!);
    total += a;
  }
  return total;
}
export const compileInputs = (n: number): [Float32Array, Float32Array] => [uniformArray(n, STREAM.compileX, 2), uniformArray(n, STREAM.compileX + 100)];

// ---- checksums: what every peer reports so the harness can compare their numbers ----

export const sumAbs = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i]!);
  return s;
};

/** [sum |y|, y[0], y[1], y[n/2], y[n-1]]: chain and matmul outputs. */
export const arrayChecksum = (v: ArrayLike<number>): number[] => [sumAbs(v), v[0]!, v[1]!, v[v.length >> 1]!, v[v.length - 1]!];

/** The float64 oracle's checksum of each workload (logreg: [loss, ...grad]; scan: [...q, ...p]). */
export function referenceChecksum(workload: "chain" | "matmul" | "logreg" | "scan", size: number): number[] {
  switch (workload) {
    case "chain": {
      const x = chainInput(size);
      const out = new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = Math.exp(Math.sin(x[i]!) * 2 + 1) * x[i]!;
      return arrayChecksum(out);
    }
    case "matmul": {
      const [a, b] = matmulInputs(size);
      const c = new Float64Array(size * size);
      for (let i = 0; i < size; i++)
        for (let k = 0; k < size; k++) {
          const aik = a[i * size + k]!;
          for (let j = 0; j < size; j++) c[i * size + j] += aik * b[k * size + j]!;
        }
      return arrayChecksum(c);
    }
    case "logreg": {
      const d = logregInputs(size);
      const grad = new Float64Array(d.features);
      const loss = logregJs(d, d.w, grad);
      return [loss, ...grad];
    }
    case "scan": {
      const { q, p } = scanJs(scanInitialAngles(), size);
      return [...q, ...p];
    }
  }
}

/** Agreement of a peer's checksum with the oracle's: max over entries of |got - want| / max(|want|, 1). */
export function checksumError(got: readonly number[], want: readonly number[]): number {
  if (got.length !== want.length) return Infinity;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
    err = Number.isNaN(e) ? Infinity : Math.max(err, e);
  }
  return err;
}
/** float32 results against the float64 oracle; loose enough for fast-math and reordered sums, tight enough to catch a wrong kernel. */
export const CHECK_TOLERANCE = { chain: 1e-4, matmul: 1e-4, logreg: 1e-3, scan: 1e-3 } as const;
