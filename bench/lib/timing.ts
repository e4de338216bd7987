// Repetition timing shared by the JS-side peers: warm-up call, calibration, then `reps`
// repetitions of `callsPerRep` calls each; the harness reports median, min and max per call.
import type { Measurement, Task } from "./protocol.js";

/** One call of a workload; may return a promise (jax-js must wait for its lazy arrays). */
export type Call = () => void | Promise<void>;

export interface Timed { seconds: number[]; callsPerRep: number; firstCallSeconds: number }

const now = (): number => performance.now() / 1000;

/**
 * After the first call, warm-up runs the call for at least WARMUP_SECONDS and twice (JS needs its
 * optimizing compile; wasm is already optimized because main.ts starts these processes with V8's
 * --no-liftoff). Calls slower than SLOW_CALL_SECONDS get 5 repetitions.
 */
export const WARMUP_SECONDS = 1;
export const SLOW_CALL_SECONDS = 0.5;

export async function timeCalls(call: Call, task: Pick<Task, "reps" | "minRepSeconds">): Promise<Timed> {
  const run = async (): Promise<void> => {
    const r = call();
    if (r) await r;
  };
  let t0 = now();
  await run();
  const firstCallSeconds = now() - t0;
  let probe = firstCallSeconds;
  const warmStart = now();
  for (let k = 0; k < 2 || now() - warmStart < WARMUP_SECONDS; k++) {
    t0 = now();
    await run();
    probe = now() - t0;
  }
  const callsPerRep = Math.max(1, Math.min(100_000, Math.ceil(task.minRepSeconds / Math.max(probe, 1e-7))));
  const reps = probe > SLOW_CALL_SECONDS ? Math.min(task.reps, 5) : task.reps;
  const seconds: number[] = [];
  for (let r = 0; r < reps; r++) {
    t0 = now();
    for (let k = 0; k < callsPerRep; k++) await run();
    seconds.push((now() - t0) / callsPerRep);
  }
  return { seconds, callsPerRep, firstCallSeconds };
}

export const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A peer's implementation of one workload: prepares inputs, then is timed; or a reason it cannot run. */
export interface Prepared {
  call: Call;
  checksum(): number[] | Promise<number[]>;
  dispose?(): void;
  measuredSize?: number;
  note?: string;
  /** Named figures besides the timing (e.g. leapfrogs per call), read after the timed calls. */
  extra?(): Record<string, number>;
}
export type Implementation = ((task: Task) => Prepared | Promise<Prepared>) | { unsupported: string };

/**
 * The body of a peer process: reads its tasks from argv[2] (JSON), runs each, prints one
 * RESULT line per task. An exception becomes that task's `error`, never a silent drop.
 */
export async function runPeer(
  peer: string,
  impls: Partial<Record<Task["workload"], Implementation>>,
  info: () => Record<string, string> | Promise<Record<string, string>> = () => ({}),
): Promise<void> {
  const { INFO_PREFIX, RESULT_PREFIX } = await import("./protocol.js");
  const tasks = JSON.parse(process.argv[2] ?? "[]") as Task[];
  for (const task of tasks) {
    const base: Measurement = { peer, workload: task.workload, size: task.size, seconds: [], callsPerRep: 0, checksum: [], firstCallSeconds: NaN };
    let m: Measurement;
    const impl = impls[task.workload];
    try {
      if (!impl) throw new Error(`no ${task.workload} workload written for ${peer}`);
      if ("unsupported" in impl) {
        m = { ...base, error: impl.unsupported };
      } else {
        const prepared = await impl(task);
        const timed = await timeCalls(prepared.call, task);
        const checksum = await prepared.checksum();
        const extra = prepared.extra?.();
        prepared.dispose?.();
        m = { ...base, ...timed, checksum, measuredSize: prepared.measuredSize, note: prepared.note, ...(extra ? { extra } : {}) };
      }
    } catch (e) {
      m = { ...base, error: `crashed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
    }
    process.stdout.write(RESULT_PREFIX + JSON.stringify(m) + "\n");
  }
  process.stdout.write(INFO_PREFIX + JSON.stringify(await info()) + "\n");
}
