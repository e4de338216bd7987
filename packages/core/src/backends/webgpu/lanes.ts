// Program-per-lane kernels: a whileLoop compiled into ONE WGSL kernel in which each invocation runs
// one batch element's whole loop (its own trip count), with the loop state in private variables
// and shared inputs read from storage buffers. Two shapes of loop qualify:
// - "lanes": the loop vmap produces for a batched predicate (cond = reduce_or over the batch axis of a
//   per-lane predicate P; body = select(P, next, carry) freezing finished lanes). Each lane runs
//   while its own P holds — equal to the batched loop, because the body provably leaves finished
//   lanes unchanged (checked structurally, not assumed).
// - "single": any other loop whose whole state fits in private memory runs in one invocation.
// Anything else (state too large, equations WGSL does not fuse) is left to the host-driven loop.
import { ShapedArray } from "../../array/aval.js";
import type { DeviceBuffer } from "../../array/memory.js";
import type { ConcreteArray } from "../../array/ndarray.js";
import type { DType } from "../../dtype.js";
import { debugLog } from "../../debug.js";
import { type Atom, type Jaxpr, type JaxprEqn, Literal, Var } from "../../ir/jaxpr.js";
import type { AffineMap, Kernel } from "../kernel/ir.js";
import { type Plan, planJaxpr } from "../kernel/plan.js";
import type { BindingKind } from "./protocol.js";
import {
  WebGPUBuffer, allocGpuArray, checkNoFloat64, copyBuffer, dispatch, flushWebGPU, gpuBufferOf, maxStorageBindings, pipelineFor, webgpuCaps, webgpuEqnHandlers, webgpuStats,
} from "./runtime.js";
import { helperSource } from "./wgslMath.js";
import { concatKernel } from "./concat.js";
import { inlineCalls } from "./inline.js";
import { type LanePattern, type WhileParamsLike, lanePattern, objectId, producer, valueKeys } from "../kernel/lanePattern.js";
import {
  WgslUnsupported, affineExpr, emitDag, fromStorage, gridFor, literal, reduceCombine, reduceInit, storageType, toStorage, unflatten, valueType,
} from "./wgsl.js";

/** Private elements per lane (state plus temporaries) beyond which the host-driven loop is used. */
export let maxLaneElements = 4096;
export function setMaxLaneElements(n: number): void {
  maxLaneElements = n;
}

class LaneUnsupported extends Error {}

const WG = 64;

// ------------------------------------------------------------------ code generation

/** Where a jaxpr variable lives inside the per-lane program. */
type Place =
  /** stepStride: a scan's xs, read at element step · stepStride + offset. */
  | { readonly kind: "storage"; readonly binding: number; readonly dtype: DType; readonly stepStride: number }
  | { readonly kind: "private"; readonly name: string; readonly dtype: DType; readonly size: number; readonly lane: boolean }
  | { readonly kind: "literal"; readonly value: number; readonly dtype: DType };

interface LaneProgram {
  readonly code: string;
  readonly kinds: readonly BindingKind[];
  readonly mode: "lanes" | "single";
  readonly lanes: number;
  /** Input index (into the loop's inputs) of each read-only storage binding, after the outputs. */
  readonly constInputs: readonly number[];
  readonly elementsPerLane: number;
  /** Packed bindings: element offsets of the outputs (in pk_w) and then the read-only inputs (in pk_r). */
  readonly layout: { readonly bases: readonly number[]; readonly wTotal: number; readonly rTotal: number } | null;
}

/** Thrown when a loop needs more storage bindings than the device has: it is compiled again, packed. */
class NeedsPacking extends Error {}

interface ScanParamsLike { jaxpr: Jaxpr; numConsts: number; numCarry: number; length: number; reverse: boolean }

/**
 * Compiles a while or scan equation into one WGSL kernel. Bindings: one read_write buffer per
 * carry (initialised by a copy; each lane owns its slice), then for scans one per ys output,
 * then the read-only inputs (consts, xs) deduplicated by buffer.
 */
function compileLaneProgram(eqn: JaxprEqn, inputs: readonly ConcreteArray[], forceSingle: boolean, packed = false): LaneProgram {
  const isScan = eqn.prim.name === "scan";
  const wp = eqn.params as unknown as WhileParamsLike;
  const sp = eqn.params as unknown as ScanParamsLike;
  const body = isScan ? sp.jaxpr : wp.bodyJaxpr;
  if (!isScan) checkNoFloat64(wp.condJaxpr);
  checkNoFloat64(body);
  const ncarry = isScan ? sp.numCarry : body.outvars.length;
  const carryAvals = body.outvars.slice(0, ncarry).map((v) => v.aval);
  const yAvals = isScan ? body.outvars.slice(ncarry).map((v) => v.aval) : [];
  // Lanes: the vmapped-while pattern, or for scans a common leading carry axis (verified below,
  // kernel by kernel; a loop that mixes lanes is retried as a single invocation).
  // Otherwise (a scan, or a while whose predicate all lanes share) the lane axis is the leading
  // axis of the first batched carry; carries without it are shared, computed alike by every lane.
  let lanes = 1;
  let pattern: LanePattern | null = null;
  if (!forceSingle && !isScan) pattern = lanePattern(eqn, inputs.map((x) => `in:${objectId(x.buffer)}`));
  if (pattern) lanes = pattern.lanes;
  else if (!forceSingle) lanes = carryAvals.find((a) => a.ndim > 0)?.shape[0] ?? 1;
  const laneMode = lanes > 1;
  const helpers = new Set<string>();
  let elements = 0;
  let tempCount = 0;

  // With `packed`, every writable binding lives in one u32 buffer (pk_w) and every read-only one in
  // another (pk_r), at element offsets `base`: for loops with more buffers than the device binds.
  const kinds: BindingKind[] = [...carryAvals, ...yAvals].map(() => "w");
  const outSizes = eqn.outputs.map((v) => v.aval.size);
  const decls: string[] = packed ? [] : eqn.outputs.map((v, j) => `@group(0) @binding(${j}) var<storage, read_write> st${j}: array<${storageType(v.aval.dtype)}>;`);
  const bases: number[] = [];
  let wTotal = 0, rTotal = 0;
  outSizes.forEach((n) => { bases.push(wTotal); wTotal += n; });
  const nOut = kinds.length;
  const word = (expr: string, d: DType) => (d === "uint32" ? expr : d === "bool" ? `(${expr} != 0u)` : `bitcast<${valueType(d)}>(${expr})`);
  const toWord = (v: string, d: DType) => (d === "uint32" ? v : d === "bool" ? `select(0u, 1u, ${v})` : `bitcast<u32>(${v})`);
  /** Element idx (an expression) of binding b as a value of dtype d. */
  const rd = (b: number, idx: string, d: DType) => (packed ? word(`${b < nOut ? "pk_w" : "pk_r"}[${bases[b]}i + i32(${idx})]`, d) : fromStorage(`st${b}[${idx}]`, d));
  const wr = (b: number, idx: string, v: string, d: DType) => (packed ? `pk_w[${bases[b]}i + i32(${idx})] = ${toWord(v, d)};` : `st${b}[${idx}] = ${toStorage(v, d)};`);
  const constInputs: number[] = [];
  const bindingOfBuffer = new Map<DeviceBuffer, number>();
  const storageFor = (inputIndex: number, stepStride = 0): Place => {
    const x = inputs[inputIndex]!;
    let b = bindingOfBuffer.get(x.buffer);
    if (b === undefined) {
      b = nOut + constInputs.length;
      constInputs.push(inputIndex);
      bindingOfBuffer.set(x.buffer, b);
      kinds.push("r");
      bases.push(rTotal);
      rTotal += x.size;
      if (!packed) decls.push(`@group(0) @binding(${b}) var<storage, read> st${b}: array<${storageType(x.dtype)}>;`);
    }
    return { kind: "storage", binding: b, dtype: x.dtype, stepStride };
  };
  const carryPlaces: Place[] = carryAvals.map((a, j) => {
    const lane = laneMode && a.ndim > 0 && a.shape[0] === lanes;
    const size = lane ? a.size / lanes : a.size;
    elements += size;
    return { kind: "private", name: `c${j}`, dtype: a.dtype, size, lane };
  });

  // Size-0 values are declared with one (never used) element: WGSL has no empty arrays.
  const declare = (name: string, d: DType, size: number) => (size === 1 ? `var ${name}: ${valueType(d)};` : `var ${name}: array<${valueType(d)}, ${Math.max(size, 1)}>;`);
  const at = (pl: Extract<Place, { kind: "private" }>, idx: string) => (pl.size === 1 ? pl.name : `${pl.name}[${idx}]`);
  const storageRead = (pl: Extract<Place, { kind: "storage" }>, off: string, d: DType) =>
    rd(pl.binding, `${pl.stepStride ? `i32(step) * ${pl.stepStride}i + ` : ""}${off}`, d);

  /** Emits one fused kernel of a program, writing a new private variable; returns its place. */
  // `guardedReads`: the kernel selects between loads (concatenate), so the branch not taken may index
  // past a lane's slice; WGSL clamps such private-array accesses and the value is discarded.
  const emitKernel = (k: Kernel, srcPlaces: readonly Place[], lines: string[], asLanePred: boolean, guardedReads = false): Place => {
    const outShape = k.shape;
    const red = k.reduce?.sizes ?? [];
    // Lane-split: iteration dim 0 is the lane (fixed), the output holds this lane's slice only.
    const split = laneMode && (asLanePred || (outShape.length > 0 && outShape[0] === lanes));
    if (!split && srcPlaces.some((s) => s.kind === "private" && s.lane)) throw new LaneUnsupported("a kernel mixes lanes (reads one lane's values across the batch axis)");
    const space = asLanePred ? [lanes] : [...outShape, ...red];
    const outSize = asLanePred ? 1 : split ? outShape.slice(1).reduce((a, b) => a * b, 1) : outShape.reduce((a, b) => a * b, 1);
    const name = `t${tempCount++}`;
    elements += outSize;
    const dtype = asLanePred ? k.root.dtype : k.dtype;
    const loopDims = asLanePred ? [] : split ? outShape.slice(1) : [...outShape];
    const idx = space.map((_, d) => `i${name}_${d}`);
    const checkLaneLoad = (map: AffineMap, size: number) => {
      if (space.includes(0)) return; // an empty kernel reads nothing
      if (map.strides[0] !== size) throw new LaneUnsupported("a lane value is read across lanes");
      let lo = map.offset, hi = map.offset;
      map.strides.forEach((st, d) => {
        if (d === 0) return;
        const ext = st * (space[d]! - 1);
        if (ext < 0) lo += ext;
        else hi += ext;
      });
      if (!guardedReads && (lo < 0 || hi >= size)) throw new LaneUnsupported(`a lane value is read outside its lane (offsets ${lo}..${hi} of ${size}, iteration space [${space.join(",")}])`);
    };
    const dag = emitDag([k.root], {
      offset: (map) => affineExpr(map, idx),
      load: (src, map, d) => {
        const pl = srcPlaces[src]!;
        if (pl.kind === "literal") return literal(pl.value, d, helpers);
        if (pl.kind === "storage") return storageRead(pl, affineExpr(map, idx), d);
        if (pl.lane) {
          checkLaneLoad(map, pl.size);
          return at(pl, affineExpr({ offset: map.offset, strides: map.strides.map((st, d2) => (d2 === 0 ? 0 : st)) }, idx));
        }
        return at(pl, affineExpr(map, idx));
      },
    }, helpers, `${name}_v`);
    const count = loopDims.reduce((a, b) => a * b, 1);
    const inner: string[] = [];
    if (split || asLanePred) inner.push(`let ${idx[0]}: i32 = i32(lane);`);
    const first = split || asLanePred ? 1 : 0;
    if (loopDims.length > 0 && !asLanePred) {
      inner.push(...unflatten(`${name}_q`, loopDims, `${name}_o`));
      loopDims.forEach((_, d) => inner.push(`let ${idx[d + first]}: i32 = ${name}_o${d};`));
    }
    const target = outSize === 1 ? name : `${name}[${name}_q]`;
    if (k.reduce && !asLanePred) {
      const d = k.root.dtype;
      const rIdx = red.map((_, d2) => idx[outShape.length + d2]!);
      const redCount = red.reduce((a, b) => a * b, 1);
      inner.push(`var ${name}_acc: ${valueType(d)} = ${reduceInit(k.reduce.fn, d, helpers)};`);
      inner.push(`for (var ${name}_r: u32 = 0u; ${name}_r < ${redCount}u; ${name}_r++) {`);
      inner.push(...unflatten(`${name}_r`, red, `${name}_rr`).map((l) => "  " + l));
      rIdx.forEach((v, d2) => inner.push(`  let ${v}: i32 = ${name}_rr${d2};`));
      inner.push(...dag.lines.map((l) => "  " + l));
      inner.push(`  ${name}_acc = ${reduceCombine(k.reduce.fn, d, `${name}_acc`, dag.name(k.root), helpers)};`, "}");
      inner.push(`${target} = ${name}_acc;`);
    } else {
      inner.push(...dag.lines, `${target} = ${dag.name(k.root)};`);
    }
    lines.push(declare(name, dtype, outSize));
    if (count === 1 || asLanePred) lines.push("{", `let ${name}_q: u32 = 0u;`, ...inner.map((l) => "  " + l), "}");
    else lines.push(`for (var ${name}_q: u32 = 0u; ${name}_q < ${count}u; ${name}_q++) {`, ...inner.map((l) => "  " + l), "}");
    return { kind: "private", name, dtype, size: outSize, lane: split && !asLanePred };
  };

  /** threefry2x32 elementwise over this lane's slice (or the whole value), into two private variables. */
  const emitThreefry = (ins: readonly Place[], aval: ShapedArray, lines: string[]): Place[] => {
    const split = laneMode && aval.ndim > 0 && aval.shape[0] === lanes;
    const n = split ? aval.size / lanes : aval.size;
    const elem = (pl: Place, q: string): string => {
      if (pl.kind === "literal") return literal(pl.value, "uint32", helpers);
      if (pl.kind === "storage") return storageRead(pl, split ? `i32(lane * ${n}u + ${q})` : `i32(${q})`, "uint32");
      if (pl.lane) {
        if (!split || pl.size !== n) throw new LaneUnsupported("threefry2x32 mixes lanes");
        return at(pl, q);
      }
      if (pl.size === 1) return pl.name;
      return at(pl, split ? `lane * ${n}u + ${q}` : q);
    };
    helpers.add("fx_threefry");
    const names = [`t${tempCount++}`, `t${tempCount++}`];
    elements += 2 * n;
    lines.push(declare(names[0]!, "uint32", n), declare(names[1]!, "uint32", n));
    const slot = (nm: string) => (n === 1 ? nm : `${nm}[q]`);
    lines.push(`for (var q: u32 = 0u; q < ${n}u; q++) {`, `  let r = fx_threefry(${ins.map((pl) => elem(pl, "q")).join(", ")});`, `  ${slot(names[0]!)} = r.x;`, `  ${slot(names[1]!)} = r.y;`, `}`);
    return names.map((name): Place => ({ kind: "private", name, dtype: "uint32", size: n, lane: split }));
  };

  /** Emits a jaxpr's plan (kernels only) given places for its inputs; returns places of its outputs. */
  const emitProgram = (j: Jaxpr, inPlaces: readonly Place[], lines: string[], lanePred: boolean): Place[] => {
    const flat = inlineCalls(j);
    const plan: Plan = planJaxpr(flat, webgpuCaps);
    const places = new Map<Var, Place>();
    flat.invars.forEach((v, i) => places.set(v, inPlaces[i]!));
    const placeOf = (a: Atom): Place => (a instanceof Literal ? { kind: "literal", value: a.value, dtype: a.aval.dtype } : places.get(a)!);
    for (const step of plan.steps) {
      if (step.kind === "eqn" && step.eqn.prim.name === "threefry2x32") {
        const outs = emitThreefry(step.eqn.inputs.map(placeOf), step.eqn.outputs[0]!.aval, lines);
        step.eqn.outputs.forEach((v, k) => places.set(v, outs[k]!));
        continue;
      }
      if (step.kind === "eqn" && (step.eqn.prim.name === "while" || (step.eqn.prim.name === "scan" && step.eqn.outputs.length === (step.eqn.params.numCarry as number) && step.eqn.inputs.length === (step.eqn.params.numConsts as number) + (step.eqn.params.numCarry as number)))) {
        const outs = emitNestedLoop(step.eqn, step.eqn.inputs.map(placeOf), lines, step.eqn.inputs);
        step.eqn.outputs.forEach((v, k) => places.set(v, outs[k]!));
        continue;
      }
      if (step.kind === "eqn" && step.eqn.prim.name === "concatenate") {
        const { kernel, parts } = concatKernel(step.eqn.inputs.map((a) => a.aval), step.eqn.params.dimension as number, step.eqn.outputs[0]!.aval);
        places.set(step.eqn.outputs[0]!, emitKernel(kernel, parts.map((i) => placeOf(step.eqn.inputs[i]!)), lines, false, true));
        continue;
      }
      if (step.kind !== "kernel") throw new LaneUnsupported(`${step.eqn.prim.name} is not fused on the webgpu device`);
      // The cond's reduce_or over lanes: each lane takes its own predicate instead.
      const isPred = lanePred && step.out === flat.outvars[0] && step.kernel.reduce?.fn === "or" && step.kernel.shape.length === 0 && step.kernel.reduce.sizes.join() === String(lanes);
      places.set(step.out, emitKernel(step.kernel, step.sources.map(placeOf), lines, isPred));
    }
    return flat.outvars.map(placeOf);
  };

  /** Element q of a place's value (for a lane place, of this lane's slice). */
  const valueAt = (pl: Place, q: string, d: DType): string => {
    if (pl.kind === "literal") return literal(pl.value, d, helpers);
    if (pl.kind === "storage") return storageRead(pl, `i32(${q})`, d);
    return at(pl, q);
  };

  // New carries go through temporaries: a body output may be another carry's old value.
  const assignCarries = (next: readonly Place[], carries: readonly Place[] = carryPlaces): string[] => {
    const out: string[] = [];
    next.forEach((pl, j) => {
      const c = carries[j] as Extract<Place, { kind: "private" }>;
      const n = `n_${c.name}`;
      const type = c.size === 1 ? valueType(c.dtype) : `array<${valueType(c.dtype)}, ${Math.max(c.size, 1)}>`;
      const slot = c.size === 1 ? n : `${n}[q]`;
      if (pl.kind === "private" && pl.size === c.size && pl.lane === c.lane) out.push(`let ${n} = ${pl.name};`);
      else if (pl.kind === "private" && c.lane && !pl.lane && pl.size === c.size * lanes) {
        // A whole-batch value feeding a lane carry: this lane's slice of it.
        out.push(`var ${n}: ${type};`, `for (var q: u32 = 0u; q < ${c.size}u; q++) { ${slot} = ${at(pl, `lane * ${c.size}u + q`)}; }`);
      } else if (pl.kind === "storage" && c.lane) {
        out.push(`var ${n}: ${type};`, `for (var q: u32 = 0u; q < ${c.size}u; q++) { ${slot} = ${valueAt(pl, `lane * ${c.size}u + q`, c.dtype)}; }`);
      } else if (pl.kind === "private" && (pl.lane !== c.lane || (pl.size !== c.size && pl.size !== 1))) {
        throw new LaneUnsupported("a carry's new value has another layout");
      } else {
        out.push(`var ${n}: ${type};`, `for (var q: u32 = 0u; q < ${c.size}u; q++) { ${slot} = ${valueAt(pl, pl.kind === "private" && pl.size === 1 ? "0u" : "q", c.dtype)}; }`);
      }
    });
    carries.forEach((c) => out.push(`${(c as Extract<Place, { kind: "private" }>).name} = n_${(c as Extract<Place, { kind: "private" }>).name};`));
    return out;
  };

  /**
   * A while, or a scan without xs and ys (foriLoop), nested in a lane program: its carries become
   * new private variables (lane slices where the value has the lane axis), its loop runs inline.
   */
  const emitNestedLoop = (e: JaxprEqn, ins: readonly Place[], lines: string[], inAtoms: readonly Atom[]): Place[] => {
    const nested = e.prim.name === "scan";
    const np2 = e.params as unknown as WhileParamsLike & ScanParamsLike;
    const nConst = nested ? np2.numConsts : np2.condNConsts + np2.bodyNConsts;
    const carryIns = ins.slice(nConst);
    const carryAvs = inAtoms.slice(nConst).map((a) => a.aval);
    const carries: Place[] = carryIns.map((pl, j) => {
      const a = carryAvs[j]!;
      const lane = pl.kind === "private" ? pl.lane : laneMode && a.ndim > 0 && a.shape[0] === lanes;
      const size = lane ? a.size / lanes : a.size;
      const name = `cn${tempCount++}`;
      elements += size;
      lines.push(declare(name, a.dtype, size));
      const c: Place = { kind: "private", name, dtype: a.dtype, size, lane };
      const src = pl.kind === "private" && pl.size === size ? (q: string) => at(pl, q) : pl.kind === "private" && pl.size === 1 ? () => pl.name
        : (q: string) => valueAt(pl, lane ? `lane * ${size}u + ${q}` : q, a.dtype);
      lines.push(`for (var q: u32 = 0u; q < ${size}u; q++) { ${at(c as Extract<Place, { kind: "private" }>, "q")} = ${src("q")}; }`);
      return c;
    });
    const loopLines: string[] = [];
    if (!nested) {
      const keys = inAtoms.map((a) => (a instanceof Var ? `v:${objectId(a)}` : `lit:${(a as Literal).value}:${a.aval.dtype}`));
      const pat = laneMode ? lanePattern(e, keys) : null;
      const condLines: string[] = [];
      const [pred] = emitProgram(np2.condJaxpr, [...ins.slice(0, np2.condNConsts), ...carries], condLines, pat !== null);
      if (pred!.kind === "private" && pred!.lane && pat === null) throw new LaneUnsupported("a nested loop's predicate differs between lanes");
      const bodyLines: string[] = [];
      const next = emitProgram(np2.bodyJaxpr, [...ins.slice(np2.condNConsts, nConst), ...carries], bodyLines, false);
      loopLines.push(`loop {`, ...condLines, `  if (!(${valueAt(pred!, "0u", "bool")})) { break; }`, ...bodyLines, ...assignCarries(next, carries), `}`);
    } else {
      const bodyLines: string[] = [];
      const next = emitProgram(np2.jaxpr, [...ins.slice(0, nConst), ...carries], bodyLines, false);
      const it = `it${tempCount++}`;
      loopLines.push(`for (var ${it}: u32 = 0u; ${it} < ${np2.length}u; ${it}++) {`, ...bodyLines, ...assignCarries(next, carries), `}`);
    }
    lines.push(...loopLines);
    return carries;
  };

  const init: string[] = [];
  const store: string[] = [];
  const firstCarry = isScan ? sp.numConsts : wp.condNConsts + wp.bodyNConsts;
  carryPlaces.forEach((pl, j) => {
    const c = pl as Extract<Place, { kind: "private" }>;
    init.push(declare(c.name, c.dtype, c.size));
    const base = c.lane ? `lane * ${c.size}u + ` : "";
    // A lane carry is updated in place (each lane owns its slice); a shared one starts from the
    // read-only input, since lane 0 may write the result before another lane has read the start.
    const from = c.lane ? j : (storageFor(firstCarry + j) as Extract<Place, { kind: "storage" }>).binding;
    init.push(`for (var q: u32 = 0u; q < ${c.size}u; q++) { ${at(c, "q")} = ${rd(from, `${base}q`, c.dtype)}; }`);
    // A shared carry is the same in every lane: lane 0 writes it (the others read it at the start).
    const write = `for (var q: u32 = 0u; q < ${c.size}u; q++) { ${wr(j, `${base}q`, at(c, "q"), c.dtype)} }`;
    store.push(c.lane ? write : `if (lane == 0u) { ${write} }`);
  });

  let loop: string[];
  if (!isScan) {
    const nc = wp.condNConsts, nb = wp.bodyNConsts;
    const condIn: Place[] = [...Array.from({ length: nc }, (_, i) => storageFor(i)), ...carryPlaces];
    const bodyIn: Place[] = [...Array.from({ length: nb }, (_, i) => storageFor(nc + i)), ...carryPlaces];
    const condLines: string[] = [];
    const [predPlace] = emitProgram(wp.condJaxpr, condIn, condLines, pattern !== null);
    const bodyLines: string[] = [];
    const next = emitProgram(body, bodyIn, bodyLines, false);
    loop = [`loop {`, ...condLines, `  if (!(${valueAt(predPlace!, "0u", "bool")})) { break; }`, ...bodyLines, ...assignCarries(next), `}`];
  } else {
    const { numConsts: nk, length, reverse } = sp;
    const xsIn = inputs.slice(nk + ncarry).map((x, i) => storageFor(nk + ncarry + i, x.size / Math.max(length, 1)));
    const bodyIn: Place[] = [...Array.from({ length: nk }, (_, i) => storageFor(i)), ...carryPlaces, ...xsIn];
    const bodyLines: string[] = [];
    const outs = emitProgram(body, bodyIn, bodyLines, false);
    const ys: string[] = [];
    outs.slice(ncarry).forEach((pl, j) => {
      const a = yAvals[j]!;
      const dst = ncarry + j;
      const laneSlice = laneMode && a.ndim > 0 && a.shape[0] === lanes ? a.size / lanes : 0;
      if (laneSlice) {
        // This lane's part of the step's [B, ...] slice.
        const src = pl.kind === "private" && pl.lane ? (q: string) => at(pl, q) : (q: string) => valueAt(pl, `lane * ${laneSlice}u + ${q}`, a.dtype);
        ys.push(`for (var q: u32 = 0u; q < ${laneSlice}u; q++) { ${wr(dst, `step * ${a.size}u + lane * ${laneSlice}u + q`, src("q"), a.dtype)} }`);
      } else {
        if (pl.kind === "private" && pl.lane) throw new LaneUnsupported("a per-lane output without the lane axis");
        const src = pl.kind === "private" && pl.size === 1 ? () => valueAt(pl, "0u", a.dtype) : (q: string) => valueAt(pl, q, a.dtype);
        ys.push(`if (lane == 0u) { for (var q: u32 = 0u; q < ${a.size}u; q++) { ${wr(dst, `step * ${a.size}u + q`, src("q"), a.dtype)} } }`);
      }
    });
    loop = [
      `for (var it: u32 = 0u; it < ${length}u; it++) {`,
      `  let step: u32 = ${reverse ? `${length - 1}u - it` : "it"};`,
      ...bodyLines, ...ys, ...assignCarries(outs.slice(0, ncarry)), `}`,
    ];
  }
  if (elements > maxLaneElements) throw new LaneUnsupported(`the loop state and temporaries need ${elements} elements per lane (limit ${maxLaneElements})`);
  if (!packed && kinds.length > maxStorageBindings()) throw new NeedsPacking();
  if (packed) decls.push(`@group(0) @binding(0) var<storage, read_write> pk_w: array<u32>;`, `@group(0) @binding(1) var<storage, read> pk_r: array<u32>;`);

  const indent = (ls: string[], n: number) => ls.map((l) => " ".repeat(n) + l);
  const main = [
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    `  let lane = gid.x + gid.y * ${gridFor(Math.ceil(lanes / WG))[0] * WG}u;`,
    `  if (lane >= ${lanes}u) { return; }`,
    ...indent(init, 2),
    ...indent(loop, 2),
    ...indent(store, 2),
    `}`,
  ];
  const code = `${helperSource(helpers)}\n${decls.join("\n")}\n${main.join("\n")}\n`;
  const layout = packed ? { bases, wTotal, rTotal: Math.max(rTotal, 1) } : null;
  return { code, kinds: packed ? ["w", "r"] : kinds, mode: laneMode ? "lanes" : "single", lanes, constInputs, elementsPerLane: elements, layout };
}

// ------------------------------------------------------------------ the while handler

type Compiled = { ok: true; program: LaneProgram; key: string } | { ok: false; reason: string };
const compiledLoops = new WeakMap<JaxprEqn, Map<string, Compiled>>();

/** Which inputs share a buffer: part of the cache key, since the lane proof depends on it. */
function sharingSignature(inputs: readonly ConcreteArray[]): string {
  const firstIndex = new Map<DeviceBuffer, number>();
  return inputs.map((x, i) => {
    const f = firstIndex.get(x.buffer);
    if (f === undefined) firstIndex.set(x.buffer, i);
    return f ?? i;
  }).join(",");
}

function compiledLoop(eqn: JaxprEqn, inputs: readonly ConcreteArray[]): Compiled {
  let byShare = compiledLoops.get(eqn);
  if (!byShare) compiledLoops.set(eqn, (byShare = new Map()));
  const sig = sharingSignature(inputs);
  let c = byShare.get(sig);
  if (!c) {
    const what = eqn.prim.name === "scan" ? "scan" : "whileLoop";
    let program: LaneProgram | null = null;
    const reasons: string[] = [];
    // Lanes first; a loop whose body mixes lanes may still run whole in one invocation.
    for (const forceSingle of [false, true]) {
      try {
        try {
          program = compileLaneProgram(eqn, inputs, forceSingle);
        } catch (e) {
          if (!(e instanceof NeedsPacking)) throw e;
          program = compileLaneProgram(eqn, inputs, forceSingle, true);
        }
        break;
      } catch (e) {
        // WGSL cannot render a value (float64 inside an inlined call): the loop runs host-driven.
        if (!(e instanceof LaneUnsupported) && !(e instanceof WgslUnsupported)) throw e;
        const why = e instanceof WgslUnsupported ? `WGSL has no ${e.message}` : e.message;
        if (!reasons.includes(why)) reasons.push(why);
      }
    }
    const reason = reasons.join("; then as one invocation: ");
    if (program) {
      const p = program;
      c = { ok: true, program: p, key: pipelineFor(p.code, p.kinds) };
      debugLog(3, () => `webgpu: ${what} -> program-per-lane kernel (${p.mode === "lanes" ? `${p.lanes} lanes` : `one invocation${reason ? `; not split into lanes: ${reason}` : ""}`}, ${p.elementsPerLane} private elements per lane)`);
    } else {
      c = { ok: false, reason };
      debugLog(3, () => `webgpu: ${what} -> host-driven loop (${reason})`);
    }
    byShare.set(sig, c);
  }
  return c;
}

/** Runs a while or scan equation as one program-per-lane dispatch, or returns null for the host loop. */
export function runLoopOnGpu(eqn: JaxprEqn, inputs: readonly ConcreteArray[]): ConcreteArray[] | null {
  const c = compiledLoop(eqn, inputs);
  if (!c.ok) {
    webgpuStats.hostLoops++;
    return null;
  }
  const { program } = c;
  const isScan = eqn.prim.name === "scan";
  const ncarry = isScan ? (eqn.params as unknown as ScanParamsLike).numCarry : eqn.outputs.length;
  const firstCarry = isScan ? (eqn.params as unknown as ScanParamsLike).numConsts : (eqn.params as unknown as WhileParamsLike).condNConsts + (eqn.params as unknown as WhileParamsLike).bodyNConsts;
  const temps: DeviceBuffer[] = [];
  const outs = eqn.outputs.map((v) => allocGpuArray(v.aval));
  const grid = gridFor(Math.ceil(program.lanes / WG));
  const layout = program.layout;
  if (!layout) {
    outs.forEach((out, j) => {
      if (j < ncarry) copyBuffer(gpuBufferOf(inputs[firstCarry + j]!, temps), out.buffer as WebGPUBuffer, out.size);
    });
    const reads = program.constInputs.map((i) => gpuBufferOf(inputs[i]!, temps));
    dispatch(c.key, [...outs.map((o) => o.buffer as WebGPUBuffer), ...reads], grid);
  } else {
    // Carries start in the writable pack; read-only inputs are copied into the other one; the
    // outputs are copied out of the writable pack after the dispatch.
    const w = WebGPUBuffer.allocate("uint32", layout.wTotal);
    const r = WebGPUBuffer.allocate("uint32", layout.rTotal);
    temps.push(w, r);
    outs.forEach((out, j) => {
      if (j < ncarry) copyBuffer(gpuBufferOf(inputs[firstCarry + j]!, temps), w, out.size, 0, layout.bases[j]!);
    });
    program.constInputs.forEach((i, k) => copyBuffer(gpuBufferOf(inputs[i]!, temps), r, inputs[i]!.size, 0, layout.bases[outs.length + k]!));
    dispatch(c.key, [w, r], grid);
    outs.forEach((out, j) => copyBuffer(w, out.buffer as WebGPUBuffer, out.size, layout.bases[j]!, 0));
  }
  webgpuStats.programPerLane++;
  for (const t of temps) t.release();
  flushWebGPU();
  return outs;
}

webgpuEqnHandlers.set("while", runLoopOnGpu);
webgpuEqnHandlers.set("scan", runLoopOnGpu);
void ShapedArray;
