// The primitive registry's cases (tests/primitives/cases) run on the webgpu device in float32:
// jit and jit(vmap) must equal the js reference device within float32 tolerance (integers and
// bools exactly). WebGPU has no float64: the registry's float64 inputs are cast to float32, and a
// case whose program still computes in float64 must raise the clear float64 error instead.
// Under CI=true a missing adapter fails instead of skipping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, defaultDevice, init, np, setDefaultDevice, tree } from "@fluxion/core";
import { jit, makeJaxpr, vmap } from "@fluxion/transforms";
import { webgpuRequired } from "./adapter.js";
import { probeWebGPU } from "./testing.js";
import { withFloat64Errors } from "./index.js";

interface PrimCase {
  prim: string;
  name: string;
  fn: (...xs: NDArray[]) => unknown;
  args: (seed: number) => NDArray[];
  vmap?: boolean;
  vmappable?: readonly boolean[];
}
const modules = import.meta.glob<{ cases: PrimCase[] }>("../../../../../tests/primitives/cases/*.cases.ts", { eager: true });
const allCases: PrimCase[] = Object.values(modules).flatMap((m) => m.cases);

const { available, reason } = await probeWebGPU();

let saved: ReturnType<typeof defaultDevice>;
beforeAll(() => {
  saved = defaultDevice();
});
afterAll(() => setDefaultDevice(saved));

const leaves = (x: unknown): NDArray[] => tree.leaves(x).filter((l): l is NDArray => typeof l === "object" && l !== null && "dtype" in l) as NDArray[];
const to32 = (x: NDArray) => (x.dtype === "float64" ? x.astype("float32") : x);

function on<T>(device: "js" | "webgpu", f: () => T): T {
  setDefaultDevice(device);
  try {
    return f();
  } finally {
    setDefaultDevice("js");
  }
}

/** float32: |got - want| <= atol + rtol·|want| with atol scaled to the output's magnitude. */
function expectClose(what: string, got: unknown, want: unknown): void {
  const g = leaves(got), w = leaves(want);
  expect(g.length, what).toBe(w.length);
  g.forEach((x, i) => {
    const y = w[i]!;
    expect(x.shape, `${what} leaf ${i} shape`).toEqual(y.shape);
    expect(x.dtype, `${what} leaf ${i} dtype`).toBe(y.dtype);
    const a = x.dataSync(), b = y.dataSync();
    if (y.dtype !== "float32") {
      expect(Array.from(a), `${what} leaf ${i}`).toEqual(Array.from(b));
      return;
    }
    let scale = 0;
    for (const v of b) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    const atol = 2e-5 * Math.max(scale, 1);
    for (let k = 0; k < b.length; k++) {
      const p = a[k]!, q = b[k]!;
      if (Number.isNaN(q) ? Number.isNaN(p) : p === q || Math.abs(p - q) <= atol + 2e-4 * Math.abs(q)) continue;
      throw new Error(`${what} leaf ${i} element ${k}: webgpu ${p}, js ${q}`);
    }
  });
}

/** Whether the program computes in float64 (also when it cannot even be traced without float64). */
function usesFloat64(fn: PrimCase["fn"], args: NDArray[]): boolean {
  try {
    return /f64\[/.test(String(makeJaxpr(fn as never)(...args)));
  } catch {
    return true;
  }
}

describe("registry cases on the webgpu device (float32)", () => {
  if (!available && webgpuRequired()) {
    it("is available (required under CI=true)", () => {
      throw new Error(`no WebGPU device (${reason}). Fix: run bash scripts/setup-webgpu.sh.`);
    });
    return;
  }
  const skipNote = available ? "" : ` [skipped: ${reason}]`;
  it.skipIf(!available)(`has cases to run${skipNote}`, () => {
    expect(allCases.length).toBeGreaterThan(50);
  });

  describe.each(allCases.map((c) => [`${c.prim}: ${c.name}`, c] as const))("%s", (_label, c) => {
    it.skipIf(!available)(`jit on webgpu equals the js device, or raises the float64 error${skipNote}`, () => {
      const original = c.args(11);
      const args = original.map(to32);
      if (usesFloat64(c.fn, args)) {
        // A case written for float64 (its body converts to float64 itself): its float64 form must raise the error.
        expect(usesFloat64(c.fn, original)).toBe(true);
        expect(() => withFloat64Errors(() => on("webgpu", () => leaves(jit(c.fn as never)(...original)).map((l) => l.dataSync())))).toThrow(/webgpu: .*float64.*devicePut\(x, "wasm"\)/s);
        return;
      }
      const want = on("js", () => jit(c.fn as never)(...args));
      const got = on("webgpu", () => jit(c.fn as never)(...args));
      expectClose("jit", got, want);
    });

    if (c.vmap !== false) {
      it.skipIf(!available)(`jit(vmap) on webgpu equals the js device${skipNote}`, () => {
        const examples = [0, 1, 2].map((b) => c.args(23 + 17 * b).map(to32));
        const inAxes = examples[0]!.map((_, i) => (c.vmappable && !c.vmappable[i] ? null : 0));
        const batched = examples[0]!.map((a, i) => (inAxes[i] === null ? a : np.stack(examples.map((e) => e[i]!), 0)));
        const f = vmap(c.fn as never, { inAxes });
        if (usesFloat64(f, batched)) return;
        const want = on("js", () => jit(f)(...batched));
        const got = on("webgpu", () => jit(f)(...batched));
        expectClose("vmap", got, want);
      });
    }
  });

  it.skipIf(!available)(`float64 inputs raise the float64 error${skipNote}`, () => {
    const x = np.array([0.5, 1.5], "float64");
    expect(() => withFloat64Errors(() => on("webgpu", () => jit((a: NDArray) => np.sin(a))(x)))).toThrow(/webgpu: sin \(f64\[2\]\) computes in float64/);
  });
});
