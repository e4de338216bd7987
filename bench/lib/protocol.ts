// What the harness asks a peer process to measure and what the peer sends back: each peer runs in
// its own process (so one library's heap or threads cannot slow another) and prints one
// RESULT line of JSON per task.
export type CoreWorkloadId = "chain" | "matmul" | "logreg" | "scan" | "compile";
/**
 * Issue 9's model workloads (lib/reportModels.ts): eight-schools gradient as a JS→jit call and per
 * leapfrog inside a jitted NUTS run, the iris NUTS step's compile latency, L-BFGS on 100-d Rosenbrock,
 * batched L-BFGS restarts and the same restarts as a JS loop, memory over many jitted NUTS steps.
 */
export type ModelWorkloadId = "gradcall" | "leapfrog" | "iris" | "lbfgs" | "restarts" | "restartsLoop" | "memory";
export type WorkloadId = CoreWorkloadId | ModelWorkloadId;

export interface Task {
  workload: WorkloadId;
  /** Elements (chain), matrix side (matmul), rows (logreg), steps (scan), vector length (compile). */
  size: number;
  reps: number;
  /** Each repetition repeats the call until it has run this long, so fast calls are timed well. */
  minRepSeconds: number;
}

export interface Measurement {
  peer: string;
  workload: WorkloadId;
  size: number;
  /** Seconds per call, one entry per repetition. */
  seconds: number[];
  callsPerRep: number;
  /** Numbers compared across peers (see main.ts: checksums). */
  checksum: number[];
  /** Seconds of the first call (compile included where the peer compiles). */
  firstCallSeconds: number;
  /** For peers that measure fewer scan steps than asked (they dispatch per step), the steps they ran. */
  measuredSize?: number;
  /** Extra named figures (compile latencies). */
  extra?: Record<string, number>;
  note?: string;
  /** Why this peer cannot run this workload (then the other fields are empty). */
  error?: string;
}

export const RESULT_PREFIX = "@@RESULT ";
export const INFO_PREFIX = "@@INFO ";
