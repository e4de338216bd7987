// Program-per-lane analysis for the wasm program compiler: decides whether vmap's per-lane while
// loop (kernel/lanePattern.ts) can run lane by lane, each lane to its own trip count, and how each
// fused kernel of the loop is sliced to one lane (its output row l, sources at pointer offsets).
import { type Jaxpr, Var } from "../../ir/jaxpr.js";
import { type Kernel, topoOrder } from "../kernel/ir.js";
import { type FusionCaps, type Plan, planJaxpr } from "../kernel/plan.js";

/** How one kernel of a lane region runs for lane l. */
export interface LaneStep {
  /** True: computes only output row l (kernel shape [1, ...]); false: computes the whole value. */
  readonly sliced: boolean;
  /** Per source: elements to advance its pointer per lane (the load maps' lane-axis stride). */
  readonly laneStride: readonly number[];
}

export interface LanePlan {
  readonly jaxpr: Jaxpr;
  readonly plan: Plan;
  readonly steps: readonly LaneStep[];
}

/**
 * Plans `j` (first `nConsts` invars shared, the rest lane-major carries [B, ...]) for one lane at a
 * time, or returns null with the reason when some step could read another lane's row, is not a
 * fused kernel, or an output is not a lane row computed here.
 */
export function planLanes(j: Jaxpr, nConsts: number, lanes: number, caps: FusionCaps): LanePlan | string {
  const plan = planJaxpr(j, caps);
  // "row": only row l is valid while lane l runs; "whole": every element is valid.
  const status = new Map<Var, "row" | "whole">();
  j.invars.forEach((v, i) => status.set(v, i < nConsts ? "whole" : "row"));
  for (const v of j.invars.slice(nConsts)) if (v.aval.ndim === 0 || v.aval.shape[0] !== lanes) return "a carry without the lane axis";
  const steps: LaneStep[] = [];
  for (const step of plan.steps) {
    if (step.kind !== "kernel") return `${step.eqn.prim.name} in the loop (only fused kernels run per lane)`;
    const k = step.kernel;
    const dims = [...k.shape, ...(k.reduce?.sizes ?? [])];
    const laneStride: (number | null)[] = step.sources.map(() => null);
    const rowLocal: boolean[] = step.sources.map(() => true);
    let laneIndex = false;
    for (const n of topoOrder([k.root])) {
      // An iota along the lane axis would read 0 in a kernel cut to one lane.
      if (n.op === "index" && dims.length && (n.map.strides[0] ?? 0) !== 0) laneIndex = true;
      if (n.op !== "load") continue;
      const s0 = dims.length ? n.map.strides[0] ?? 0 : 0;
      if (laneStride[n.src] !== null && laneStride[n.src] !== s0) return "a source read at two lane strides";
      laneStride[n.src] = s0;
      // The elements this load touches for a fixed lane index, relative to that lane's offset.
      let lo = n.map.offset, hi = n.map.offset;
      dims.forEach((size, d) => {
        if (d === 0) return;
        const ext = (n.map.strides[d] ?? 0) * (size - 1);
        if (ext < 0) lo += ext;
        else hi += ext;
      });
      const src = step.sources[n.src]!;
      const row = src.aval.ndim > 0 && src.aval.shape[0] === lanes ? src.aval.size / lanes : -1;
      if (!(s0 === row && lo >= 0 && hi < row)) rowLocal[n.src] = false;
    }
    const sliced = k.shape.length > 0 && k.shape[0] === lanes;
    if (sliced && laneIndex) return "an index (iota) along the lane axis";
    for (let i = 0; i < step.sources.length; i++) {
      if (status.get(step.sources[i]!) !== "row") continue;
      // A lane row may only be read inside its own row, and only by a kernel computing that row.
      if (!sliced || !rowLocal[i]) return "a kernel reads across lanes";
    }
    status.set(step.out, sliced ? "row" : "whole");
    steps.push({ sliced, laneStride: laneStride.map((s) => s ?? 0) });
  }
  for (const o of j.outvars) {
    if (!(o instanceof Var) || status.get(o) !== "row" || j.invars.includes(o)) return "an output that is not a lane row computed in the loop";
  }
  return { jaxpr: j, plan, steps };
}

/** The kernel computing one lane's row: the lane axis cut to 1 (callers offset the pointers). */
export function laneKernel(k: Kernel): Kernel {
  return { ...k, shape: [1, ...k.shape.slice(1)] };
}
