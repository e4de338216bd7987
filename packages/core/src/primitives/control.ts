// Control-flow primitives holding jaxprs: cond, while, scan — with jvp, transpose, batching and
// partial-evaluation rules, so every transform composes with them in any nesting.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { typedArrayFor } from "../dtype.js";
import { ShapeError, TransformError } from "../errors.js";
import { Jaxpr, Var } from "../ir/jaxpr.js";
import { dce } from "../ir/passes.js";
import { ClosedJaxpr } from "../ir/jaxpr.js";
import { bind, withTrace } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { evalJaxpr } from "../trace/staging.js";
import { backwardPass } from "../trace/linearize.js";
import { batchJaxpr, jvpJaxpr, partialEvalJaxpr, traceClosed, transposeJaxpr } from "../trace/jaxprTransforms.js";
import { type Tangent, UndefinedPrimal, Zero, tangentAval } from "../trace/values.js";
import { broadcastBatched, broadcastInDim, moveaxis, selectN, convert } from "./structural.js";
import { add, full, zerosFor, max, min } from "./elementwise.js";
import { reduceOrP } from "./reductions.js";
import { checkAvals, runJaxpr } from "./jit.js";

const isUndef = (a: unknown): a is UndefinedPrimal => a instanceof UndefinedPrimal;
const inst = (t: Tangent): NDArray => (t instanceof Zero ? zerosFor(t.aval) : t);

/** A jaxpr with its inputs (and optionally outputs) reordered. */
function permuted(j: Jaxpr, inOrder: readonly number[], outOrder?: readonly number[]): Jaxpr {
  return new Jaxpr([], inOrder.map((i) => j.invars[i]!), j.eqns, outOrder ? outOrder.map((i) => j.outvars[i]!) : j.outvars);
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** Gives each branch the same leading const inputs (every branch's consts, unused by the others). */
export function joinBranchConsts(branches: readonly { jaxpr: Jaxpr; consts: NDArray[] }[]): { jaxprs: Jaxpr[]; consts: NDArray[] } {
  const consts = branches.flatMap((b) => b.consts);
  const jaxprs = branches.map((b, i) => {
    const before = branches.slice(0, i).flatMap((o) => o.consts.map((c) => new Var(c.aval)));
    const after = branches.slice(i + 1).flatMap((o) => o.consts.map((c) => new Var(c.aval)));
    const own = b.jaxpr.invars.slice(0, b.consts.length);
    return new Jaxpr([], [...before, ...own, ...after, ...b.jaxpr.invars.slice(b.consts.length)], b.jaxpr.eqns, b.jaxpr.outvars);
  });
  return { jaxprs, consts };
}

// ====================================================================== cond
export interface CondParams extends Params { branches: readonly Jaxpr[] }

export const condP: Primitive<CondParams> = definePrimitive<CondParams>({
  name: "cond",
  abstractEval([index, ...ops], { branches }) {
    if (index!.ndim !== 0 || index!.dtype !== "int32") throw new ShapeError(`cond: the branch index must be an int32 scalar, got ${index}.`);
    const outs = branches[0]!.outAvals;
    branches.forEach((b, i) => {
      checkAvals(`cond branch ${i}`, b.inAvals, ops);
      if (b.outAvals.length !== outs.length || b.outAvals.some((o, k) => o.dtype !== outs[k]!.dtype || o.shape.join() !== outs[k]!.shape.join())) {
        throw new ShapeError(`cond: branch ${i} returns (${b.outAvals.join(", ")}) but branch 0 returns (${outs.join(", ")}); all branches must return the same shapes and dtypes.`);
      }
    });
    return outs.map((o) => o.strong());
  },
  evaluate([index, ...ops], { branches }) {
    const i = Math.min(Math.max(index!.item(), 0), branches.length - 1);
    return runJaxpr(branches[i]!, ops);
  },
  jvp([index, ...ops], [, ...ts], { branches }) {
    const nz = ts.map((t) => !(t instanceof Zero));
    let outNz = branches.map((b) => jvpJaxpr(b, nz, false).outNonzero).reduce((a, b) => a.map((x, i) => x || b[i]!));
    const js = branches.map((b) => jvpJaxpr(b, nz, outNz));
    outNz = js[0]!.outNonzero;
    const joined = joinBranchConsts(js);
    const outs = bind(condP, [index!, ...joined.consts, ...ops, ...ts.filter((t): t is NDArray => !(t instanceof Zero))], { branches: joined.jaxprs });
    const n = branches[0]!.outvars.length;
    let k = n;
    return [outs.slice(0, n), outNz.map((z, i) => (z ? outs[k++]! : new Zero(tangentAval(branches[0]!.outAvals[i]!))))];
  },
  transpose(cts, [index, ...ops], { branches }) {
    const linear = ops.map(isUndef);
    const ts = branches.map((b) => transposeJaxpr(b, linear));
    const joined = joinBranchConsts(ts);
    const res = ops.filter((o): o is NDArray => !isUndef(o));
    const outs = bind(condP, [index as NDArray, ...joined.consts, ...res, ...cts.map(inst)], { branches: joined.jaxprs });
    let k = 0;
    return [null, ...ops.map((o) => (isUndef(o) ? outs[k++]! : null))];
  },
  batch([index, ...ops], [idim, ...dims], { branches }, axisSize) {
    const moved = ops.map((o, i) => (dims[i] === null ? o : moveaxis(o, dims[i]!, 0)));
    const batched = dims.map((d) => d !== null);
    if (idim === null) {
      let force = branches.map((b) => batchJaxpr(b, axisSize, batched, false).outBatched).reduce((a, b) => a.map((x, i) => x || b[i]!));
      const bs = branches.map((b) => batchJaxpr(b, axisSize, batched, force));
      force = bs[0]!.outBatched;
      const joined = joinBranchConsts(bs);
      const outs = bind(condP, [index!, ...joined.consts, ...moved], { branches: joined.jaxprs });
      return [outs, force.map((f) => (f ? 0 : null))];
    }
    // A batched index: run every branch on every example and select per example.
    const idx = moveaxis(index!, idim, 0);
    const clamped = min(max(idx, full(idx.shape, 0, "int32")), full(idx.shape, branches.length - 1, "int32"));
    const results = branches.map((b) => {
      const bb = batchJaxpr(b, axisSize, batched, true);
      return evalJaxpr(bb.jaxpr, [], [...bb.consts, ...moved]);
    });
    const outs = results[0]!.map((_, k) => {
      const cases = results.map((r) => r[k]!);
      const pred = broadcastInDim(clamped, cases[0]!.shape, [0]);
      return branches.length === 2 ? selectN(convert(pred, "bool"), ...cases) : selectN(pred, ...cases);
    });
    return [outs, outs.map(() => 0)];
  },
  partialEval(trace, [index, ...ops], params) {
    const { branches } = params;
    if (trace.isOwn(index)) return trace.stage(condP, [index!, ...ops], params);
    const known = ops.map((o) => !trace.isOwn(o));
    let pes = branches.map((b) => partialEvalJaxpr(b, known));
    const outKnown = pes.map((p) => p.outKnown).reduce((a, b) => a.map((x, i) => x && b[i]!));
    pes = branches.map((b) => partialEvalJaxpr(b, known, outKnown.map((k) => !k)));
    const nk = outKnown.filter(Boolean).length;
    const resAvals = pes.map((p) => p.unknown.inAvals.slice(0, p.numResiduals));
    const allRes = resAvals.flat();
    const knownOps = ops.filter((_, i) => known[i]);
    // Known cond: each branch returns its known outputs, its residuals in its own slots, zeros elsewhere.
    const knownBranches = pes.map((p, bi) =>
      traceClosed((...ins) => {
        const outs = evalJaxpr(p.known, [], [...p.knownConsts, ...ins]);
        const slots = resAvals.flatMap((avs, j) => (j === bi ? outs.slice(nk) : avs.map((av) => zerosFor(av))));
        return [...outs.slice(0, nk), ...slots];
      }, knownOps.map((o) => o.aval)),
    );
    const kj = joinBranchConsts(knownBranches);
    const kOuts = withTrace(trace.parent!, () => bind(condP, [index!, ...kj.consts, ...knownOps], { branches: kj.jaxprs }));
    const res = kOuts.slice(nk);
    let off = 0;
    const unknownBranches = pes.map((p, bi) => {
      const start = off;
      off += resAvals[bi]!.length;
      const others = allRes.map((av) => new Var(av));
      const mine = p.unknown.invars.slice(0, p.numResiduals);
      others.splice(start, p.numResiduals, ...mine);
      return new Jaxpr([], [...others, ...p.unknown.invars.slice(p.numResiduals)], p.unknown.eqns, p.unknown.outvars);
    });
    const uOuts = trace.stage(condP, [index!, ...res, ...ops.filter((_, i) => !known[i])], { branches: unknownBranches });
    let ki = 0;
    let ui = 0;
    return outKnown.map((k) => (k ? kOuts[ki++]! : uOuts[ui++]!));
  },
});

// ====================================================================== while
export interface WhileParams extends Params { condJaxpr: Jaxpr; bodyJaxpr: Jaxpr; condNConsts: number; bodyNConsts: number }

export const whileP: Primitive<WhileParams> = definePrimitive<WhileParams>({
  name: "while",
  abstractEval(avals, { condJaxpr, bodyJaxpr, condNConsts, bodyNConsts }) {
    const carry = avals.slice(condNConsts + bodyNConsts);
    checkAvals("whileLoop cond", condJaxpr.inAvals, [...avals.slice(0, condNConsts), ...carry]);
    checkAvals("whileLoop body", bodyJaxpr.inAvals, avals.slice(condNConsts));
    const c = condJaxpr.outAvals[0]!;
    if (c.ndim !== 0 || c.dtype !== "bool") throw new ShapeError(`whileLoop: condFn must return a bool scalar, got ${c}.`);
    const outs = bodyJaxpr.outAvals;
    if (outs.length !== carry.length || outs.some((o, i) => o.dtype !== carry[i]!.dtype || o.shape.join() !== carry[i]!.shape.join())) {
      throw new ShapeError(`whileLoop: bodyFn must return the carry's shapes and dtypes (${carry.join(", ")}), got (${outs.join(", ")}).`);
    }
    return carry.map((c2) => c2.strong());
  },
  evaluate(args, { condJaxpr, bodyJaxpr, condNConsts, bodyNConsts }) {
    const cc = args.slice(0, condNConsts);
    const bc = args.slice(condNConsts, condNConsts + bodyNConsts);
    let carry = args.slice(condNConsts + bodyNConsts);
    let owned = false;
    for (;;) {
      const [p] = runJaxpr(condJaxpr, [...cc, ...carry]);
      const go = p!.item() !== 0;
      p!.dispose();
      if (!go) break;
      const next = runJaxpr(bodyJaxpr, [...bc, ...carry]);
      if (owned) for (const c of carry) if (!next.includes(c)) c.dispose();
      carry = next;
      owned = true;
    }
    return owned ? carry : carry.map((c) => (c as ConcreteArray).share());
  },
  jvp(primals, tangents, p) {
    const { condJaxpr, bodyJaxpr, condNConsts: nc, bodyNConsts: nb } = p;
    const nz = tangents.map((t) => !(t instanceof Zero));
    const bcNz = nz.slice(nc, nc + nb);
    let carryNz = nz.slice(nc + nb);
    let j = jvpJaxpr(bodyJaxpr, [...bcNz, ...carryNz], carryNz);
    while (j.outNonzero.some((z, i) => z && !carryNz[i])) {
      carryNz = carryNz.map((z, i) => z || j.outNonzero[i]!);
      j = jvpJaxpr(bodyJaxpr, [...bcNz, ...carryNz], carryNz);
    }
    const ncarry = carryNz.length;
    const m = j.consts.length;
    const nBcT = bcNz.filter(Boolean).length;
    const nCT = carryNz.filter(Boolean).length;
    // j inputs: [jc, bc, carry, bcT, carryT] -> [jc, bc, bcT, carry, carryT]
    const body = permuted(j.jaxpr, [...range(0, m + nb), ...range(m + nb + ncarry, m + nb + ncarry + nBcT), ...range(m + nb, m + nb + ncarry), ...range(m + nb + ncarry + nBcT, m + nb + ncarry + nBcT + nCT)]);
    const carryAvals = bodyJaxpr.outAvals;
    const tAvals = carryAvals.filter((_, i) => carryNz[i]).map(tangentAval);
    const cond = traceClosed((...xs) => evalJaxpr(condJaxpr, [], xs.slice(0, nc + ncarry)), [...condJaxpr.inAvals, ...tAvals]);
    const cc = primals.slice(0, nc);
    const bc = primals.slice(nc, nc + nb);
    const bcT = tangents.slice(nc, nc + nb).filter((t): t is NDArray => !(t instanceof Zero));
    const carry = primals.slice(nc + nb);
    const carryT = tangents.slice(nc + nb).map((t, i) => (carryNz[i] ? inst(t) : null)).filter((t): t is NDArray => t !== null);
    const outs = bind(whileP, [...cond.consts, ...cc, ...j.consts, ...bc, ...bcT, ...carry, ...carryT], {
      condJaxpr: cond.jaxpr, bodyJaxpr: body, condNConsts: cond.consts.length + nc, bodyNConsts: m + nb + nBcT,
    });
    let k = ncarry;
    return [outs.slice(0, ncarry), carryNz.map((z, i) => (z ? outs[k++]! : new Zero(tangentAval(carryAvals[i]!))))];
  },
  transpose() {
    throw new TransformError("Reverse-mode differentiation does not work for whileLoop, whose trip count is only known at run time. Use scan, or foriLoop with static (number) bounds, which are reverse-differentiable; or use forward mode (jvp/jacfwd).");
  },
  batch(args, dims, p, axisSize) {
    const { condJaxpr, bodyJaxpr, condNConsts: nc, bodyNConsts: nb } = p;
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const b = dims.map((d) => d !== null);
    const ccB = b.slice(0, nc);
    const bcB = b.slice(nc, nc + nb);
    let carryB = b.slice(nc + nb);
    let bj = batchJaxpr(bodyJaxpr, axisSize, [...bcB, ...carryB], carryB);
    while (bj.outBatched.some((x, i) => x && !carryB[i])) {
      carryB = carryB.map((x, i) => x || bj.outBatched[i]!);
      bj = batchJaxpr(bodyJaxpr, axisSize, [...bcB, ...carryB], carryB);
    }
    let cj = batchJaxpr(condJaxpr, axisSize, [...ccB, ...carryB], false);
    const cc = moved.slice(0, nc);
    const bc = moved.slice(nc, nc + nb);
    let carry = moved.slice(nc + nb);
    if (!cj.outBatched[0]) {
      carry = carry.map((c, i) => (carryB[i] && b[nc + nb + i] === false ? broadcastBatched(c, axisSize) : c));
      const outs = bind(whileP, [...cj.consts, ...cc, ...bj.consts, ...bc, ...carry], {
        condJaxpr: cj.jaxpr, bodyJaxpr: bj.jaxpr, condNConsts: cj.consts.length + nc, bodyNConsts: bj.consts.length + nb,
      });
      return [outs, carryB.map((x) => (x ? 0 : null))];
    }
    // A batched predicate: every carry is batched, finished lanes keep their value, and the loop
    // runs until no lane wants another step.
    carryB = carryB.map(() => true);
    bj = batchJaxpr(bodyJaxpr, axisSize, [...bcB, ...carryB], true);
    cj = batchJaxpr(condJaxpr, axisSize, [...ccB, ...carryB], true);
    carry = carry.map((c, i) => (b[nc + nb + i] ? c : broadcastBatched(c, axisSize)));
    const carryAvals = carry.map((c) => c.aval);
    const nCC = cj.consts.length + nc;
    const nBC = bj.consts.length + nb;
    const body = traceClosed((...xs) => {
      const ccv = xs.slice(0, nCC);
      const bcv = xs.slice(nCC, nCC + nBC);
      const cv = xs.slice(nCC + nBC);
      const [pred] = evalJaxpr(cj.jaxpr, [], [...ccv, ...cv]);
      const next = evalJaxpr(bj.jaxpr, [], [...bcv, ...cv]);
      return next.map((n, i) => selectN(broadcastInDim(pred!, n.shape, [0]), cv[i]!, n));
    }, [...cj.consts, ...cc, ...bj.consts, ...bc].map((x) => x.aval).concat(carryAvals));
    const cond = traceClosed((...xs) => {
      const [pred] = evalJaxpr(cj.jaxpr, [], xs);
      return [bind(reduceOrP, [pred!], { axes: [0] })[0]!];
    }, [...cj.consts, ...cc].map((x) => x.aval).concat(carryAvals));
    const outs = bind(whileP, [...cond.consts, ...cj.consts, ...cc, ...body.consts, ...cj.consts, ...cc, ...bj.consts, ...bc, ...carry], {
      condJaxpr: cond.jaxpr, bodyJaxpr: body.jaxpr, condNConsts: cond.consts.length + nCC, bodyNConsts: body.consts.length + nCC + nBC,
    });
    return [outs, outs.map(() => 0)];
  },
  partialEval(trace, args, params) {
    const { condJaxpr, bodyJaxpr, condNConsts: nc, bodyNConsts: nb } = params;
    const known = args.map((a) => !trace.isOwn(a));
    const ncarry = args.length - nc - nb;
    let carryKnown = known.slice(nc + nb);
    const bcKnown = known.slice(nc, nc + nb);
    let pe = partialEvalJaxpr(bodyJaxpr, [...bcKnown, ...carryKnown], carryKnown.map((k) => !k));
    while (pe.outKnown.some((k, i) => !k && carryKnown[i])) {
      carryKnown = carryKnown.map((k, i) => k && pe.outKnown[i]!);
      pe = partialEvalJaxpr(bodyJaxpr, [...bcKnown, ...carryKnown], carryKnown.map((k) => !k));
    }
    const condPe = partialEvalJaxpr(condJaxpr, [...known.slice(0, nc), ...carryKnown]);
    const staged = trace.stage(whileP, args, params);
    if (!condPe.outKnown[0] || !carryKnown.some(Boolean) || !known.slice(0, nc).every(Boolean)) return staged;
    // The known carries evolve independently of the unknown ones: compute them now.
    const nk = carryKnown.filter(Boolean).length;
    const kBody = dce(new ClosedJaxpr(new Jaxpr([], pe.known.invars, pe.known.eqns, pe.known.outvars.slice(0, nk)), [])).jaxpr;
    const kCond = dce(new ClosedJaxpr(new Jaxpr([], condPe.known.invars, condPe.known.eqns, condPe.known.outvars.slice(0, 1)), [])).jaxpr;
    const kc = args.slice(0, nc);
    const kbc = args.slice(nc, nc + nb).filter((_, i) => bcKnown[i]);
    const kcarry = args.slice(nc + nb).filter((_, i) => carryKnown[i]);
    const kOuts = withTrace(trace.parent!, () => bind(whileP, [...condPe.knownConsts, ...kc, ...pe.knownConsts, ...kbc, ...kcarry], {
      condJaxpr: kCond, bodyJaxpr: kBody, condNConsts: condPe.knownConsts.length + nc, bodyNConsts: pe.knownConsts.length + kbc.length,
    }));
    let ki = 0;
    return range(0, ncarry).map((i) => (carryKnown[i] ? kOuts[ki++]! : staged[i]!));
  },
});

// ====================================================================== scan
export interface ScanParams extends Params { jaxpr: Jaxpr; numConsts: number; numCarry: number; length: number; reverse: boolean }

export const scanP: Primitive<ScanParams> = definePrimitive<ScanParams>({
  name: "scan",
  abstractEval(avals, { jaxpr, numConsts: nc, numCarry: ncar, length }) {
    const xs = avals.slice(nc + ncar);
    for (const x of xs) if (x.shape[0] !== length) throw new ShapeError(`scan: every xs leaf needs leading axis of length ${length}, got ${x}.`);
    const sliced = xs.map((x) => x.withShape(x.shape.slice(1)));
    checkAvals("scan body", jaxpr.inAvals, [...avals.slice(0, nc + ncar), ...sliced]);
    const outs = jaxpr.outAvals;
    const carry = avals.slice(nc, nc + ncar);
    if (outs.slice(0, ncar).some((o, i) => o.dtype !== carry[i]!.dtype || o.shape.join() !== carry[i]!.shape.join())) {
      throw new ShapeError(`scan: the body must return a carry with the init's shapes and dtypes (${carry.join(", ")}), got (${outs.slice(0, ncar).join(", ")}).`);
    }
    return [...carry.map((c) => c.strong()), ...outs.slice(ncar).map((y) => new ShapedArray([length, ...y.shape], y.dtype))];
  },
  evaluate(args, { jaxpr, numConsts: nc, numCarry: ncar, length, reverse }) {
    const consts = args.slice(0, nc);
    let carry = args.slice(nc, nc + ncar);
    const xs = args.slice(nc + ncar) as ConcreteArray[];
    const yAvals = jaxpr.outAvals.slice(ncar);
    const ys = yAvals.map((av) => typedArrayFor(av.dtype, av.size * length));
    let owned = false;
    for (let it = 0; it < length; it++) {
      const i = reverse ? length - 1 - it : it;
      const xsl = xs.map((x) => {
        const per = x.size / length;
        return ConcreteArray.fromData(x.rawData.slice(i * per, (i + 1) * per), x.shape.slice(1), x.dtype, x.weakType);
      });
      const outs = runJaxpr(jaxpr, [...consts, ...carry, ...xsl]);
      for (const x of xsl) x.dispose();
      const next = outs.slice(0, ncar);
      if (owned) for (const c of carry) if (!next.includes(c)) c.dispose();
      carry = next;
      owned = true;
      outs.slice(ncar).forEach((y, k) => {
        ys[k]!.set((y as ConcreteArray).rawData, i * y.size);
        y.dispose();
      });
    }
    const carryOut = owned ? carry : carry.map((c) => (c as ConcreteArray).share());
    return [...carryOut, ...ys.map((d, k) => ConcreteArray.fromData(d, [length, ...yAvals[k]!.shape], yAvals[k]!.dtype))];
  },
  jvp(primals, tangents, p) {
    const { jaxpr, numConsts: nc, numCarry: ncar, length, reverse } = p;
    const nz = tangents.map((t) => !(t instanceof Zero));
    const cNz = nz.slice(0, nc);
    const xNz = nz.slice(nc + ncar);
    const ny = jaxpr.outvars.length - ncar;
    let carryNz = nz.slice(nc, nc + ncar);
    const inst2 = () => [...carryNz, ...Array<boolean>(ny).fill(false)];
    let j = jvpJaxpr(jaxpr, [...cNz, ...carryNz, ...xNz], inst2());
    while (j.outNonzero.slice(0, ncar).some((z, i) => z && !carryNz[i])) {
      carryNz = carryNz.map((z, i) => z || j.outNonzero[i]!);
      j = jvpJaxpr(jaxpr, [...cNz, ...carryNz, ...xNz], inst2());
    }
    const nx = xNz.length;
    const m = j.consts.length;
    const tc = cNz.filter(Boolean).length;
    const tcar = carryNz.filter(Boolean).length;
    const tx = xNz.filter(Boolean).length;
    const P = m + nc + ncar + nx;
    const body = permuted(
      j.jaxpr,
      [...range(0, m + nc), ...range(P, P + tc), ...range(m + nc, m + nc + ncar), ...range(P + tc, P + tc + tcar), ...range(m + nc + ncar, P), ...range(P + tc + tcar, P + tc + tcar + tx)],
    );
    const yNz = j.outNonzero.slice(ncar);
    const ty = yNz.filter(Boolean).length;
    const outPerm = [...range(0, ncar), ...range(ncar + ny, ncar + ny + tcar), ...range(ncar, ncar + ny), ...range(ncar + ny + tcar, ncar + ny + tcar + ty)];
    const body2 = new Jaxpr([], body.invars, body.eqns, outPerm.map((i) => body.outvars[i]!));
    const T = (lo: number, hi: number, flags: boolean[]) => tangents.slice(lo, hi).map((t, i) => (flags[i] ? inst(t) : null)).filter((t): t is NDArray => t !== null);
    const outs = bind(scanP, [
      ...j.consts, ...primals.slice(0, nc), ...T(0, nc, cNz),
      ...primals.slice(nc, nc + ncar), ...T(nc, nc + ncar, carryNz),
      ...primals.slice(nc + ncar), ...T(nc + ncar, nc + ncar + nx, xNz),
    ], { jaxpr: body2, numConsts: m + nc + tc, numCarry: ncar + tcar, length, reverse });
    const carryOut = outs.slice(0, ncar);
    const carryT = outs.slice(ncar, ncar + tcar);
    const ysOut = outs.slice(ncar + tcar, ncar + tcar + ny);
    const ysT = outs.slice(ncar + tcar + ny);
    let a = 0;
    let b = 0;
    const outAvals = this.abstractEval(primals.map((x) => x.aval), p);
    return [
      [...carryOut, ...ysOut],
      [
        ...carryNz.map((z, i) => (z ? carryT[a++]! : new Zero(tangentAval(outAvals[i]!)))),
        ...yNz.map((z, i) => (z ? ysT[b++]! : new Zero(tangentAval(outAvals[ncar + i]!)))),
      ],
    ];
  },
  transpose(cts, args, { jaxpr, numConsts: nc, numCarry: ncar, length, reverse }) {
    const consts = args.slice(0, nc);
    // Every carry of a linear scan is linear; a defined one is an instantiated zero tangent.
    const carryDefined = args.slice(nc, nc + ncar).map((c) => !isUndef(c));
    const carry = args.slice(nc, nc + ncar).map((c) => (isUndef(c) ? c : new UndefinedPrimal((c as NDArray).aval)));
    const xs = args.slice(nc + ncar);
    const cLin = consts.map(isUndef);
    const xLin = xs.map(isUndef);
    const resC = consts.filter((c): c is NDArray => !isUndef(c));
    const resX = xs.filter((x): x is NDArray => !isUndef(x));
    const linCAvals = consts.filter(isUndef).map((c) => tangentAval(c.aval));
    const carryAvals = carry.map((c) => tangentAval((c as UndefinedPrimal).aval));
    const ny = jaxpr.outvars.length - ncar;
    const yAvals = jaxpr.outAvals.slice(ncar).map(tangentAval);
    const resXAvals = resX.map((x) => x.aval.withShape(x.shape.slice(1)));
    const t = traceClosed((...v) => {
      let o = 0;
      const rc = v.slice(o, (o += resC.length));
      const acc = v.slice(o, (o += linCAvals.length));
      const ctCarry = v.slice(o, (o += ncar));
      const rx = v.slice(o, (o += resX.length));
      const ctY = v.slice(o, (o += ny));
      let ri = 0;
      let xi = 0;
      const bodyArgs = [
        ...consts.map((c) => (isUndef(c) ? c : rc[ri++]!)),
        ...carry.map((c) => c as UndefinedPrimal),
        ...xs.map((x) => (isUndef(x) ? new UndefinedPrimal(x.aval.withShape(x.aval.shape.slice(1))) : rx[xi++]!)),
      ];
      const ctIn = backwardPass(jaxpr, [], bodyArgs, [...ctCarry, ...ctY]);
      const ctC = ctIn.slice(0, nc).filter((_, i) => cLin[i]).map((c, i) => (c instanceof Zero ? acc[i]! : add(acc[i]!, c)));
      const ctCarryIn = ctIn.slice(nc, nc + ncar).map((c, i) => (c instanceof Zero ? zerosFor(carryAvals[i]!) : c));
      const ctX = ctIn.slice(nc + ncar).filter((_, i) => xLin[i]).map((c, i) => (c instanceof Zero ? zerosFor(tangentAval((xs.filter(isUndef)[i] as UndefinedPrimal).aval.withShape((xs.filter(isUndef)[i] as UndefinedPrimal).aval.shape.slice(1)))) : c));
      return [...ctC, ...ctCarryIn, ...ctX];
    }, [...resC.map((c) => c.aval), ...linCAvals, ...carryAvals, ...resXAvals, ...yAvals]);
    const ctCarryOut = cts.slice(0, ncar).map((c, i) => (c instanceof Zero ? zerosFor(carryAvals[i]!) : c));
    const ctYs = cts.slice(ncar).map((c, i) => (c instanceof Zero ? zerosFor(new ShapedArray([length, ...yAvals[i]!.shape], yAvals[i]!.dtype)) : c));
    const outs = bind(scanP, [...t.consts, ...resC, ...linCAvals.map((av) => zerosFor(av)), ...ctCarryOut, ...resX, ...ctYs], {
      jaxpr: t.jaxpr, numConsts: t.consts.length + resC.length, numCarry: linCAvals.length + ncar, length, reverse: !reverse,
    });
    const ctConsts = outs.slice(0, linCAvals.length);
    const ctCarry = outs.slice(linCAvals.length, linCAvals.length + ncar);
    const ctXs = outs.slice(linCAvals.length + ncar);
    let a = 0;
    let b = 0;
    return [...consts.map((c) => (isUndef(c) ? ctConsts[a++]! : null)), ...ctCarry.map((c, i) => (carryDefined[i] ? null : c)), ...xs.map((x) => (isUndef(x) ? ctXs[b++]! : null))];
  },
  batch(args, dims, { jaxpr, numConsts: nc, numCarry: ncar, length, reverse }, axisSize) {
    const b = dims.map((d) => d !== null);
    const moved = args.map((a, i) => (dims[i] === null ? a : i < nc + ncar ? moveaxis(a, dims[i]!, 0) : moveaxis(a, dims[i]!, 1)));
    const cB = b.slice(0, nc);
    const xB = b.slice(nc + ncar);
    const ny = jaxpr.outvars.length - ncar;
    let carryB = b.slice(nc, nc + ncar);
    const force = () => [...carryB, ...Array<boolean>(ny).fill(false)];
    let bj = batchJaxpr(jaxpr, axisSize, [...cB, ...carryB, ...xB], force());
    while (bj.outBatched.slice(0, ncar).some((x, i) => x && !carryB[i])) {
      carryB = carryB.map((x, i) => x || bj.outBatched[i]!);
      bj = batchJaxpr(jaxpr, axisSize, [...cB, ...carryB, ...xB], force());
    }
    const carry = moved.slice(nc, nc + ncar).map((c, i) => (carryB[i] && !b[nc + i] ? broadcastBatched(c, axisSize) : c));
    const outs = bind(scanP, [...bj.consts, ...moved.slice(0, nc), ...carry, ...moved.slice(nc + ncar)], {
      jaxpr: bj.jaxpr, numConsts: bj.consts.length + nc, numCarry: ncar, length, reverse,
    });
    return [outs, [...carryB.map((x) => (x ? 0 : null)), ...bj.outBatched.slice(ncar).map((x) => (x ? 1 : null))]];
  },
  partialEval(trace, args, params) {
    const { jaxpr, numConsts: nc, numCarry: ncar, length, reverse } = params;
    const known = args.map((a) => !trace.isOwn(a));
    const ny = jaxpr.outvars.length - ncar;
    let carryKnown = known.slice(nc, nc + ncar);
    const forceU = () => [...carryKnown.map((k) => !k), ...Array<boolean>(ny).fill(false)];
    const inKnown = () => [...known.slice(0, nc), ...carryKnown, ...known.slice(nc + ncar)];
    let pe = partialEvalJaxpr(jaxpr, inKnown(), forceU());
    while (pe.outKnown.slice(0, ncar).some((k, i) => !k && carryKnown[i])) {
      carryKnown = carryKnown.map((k, i) => k && pe.outKnown[i]!);
      pe = partialEvalJaxpr(jaxpr, inKnown(), forceU());
    }
    const consts = args.slice(0, nc);
    const carry = args.slice(nc, nc + ncar);
    const xs = args.slice(nc + ncar);
    const kC = consts.filter((_, i) => known[i]);
    const kCarry = carry.filter((_, i) => carryKnown[i]);
    const kX = xs.filter((_, i) => known[nc + ncar + i]);
    const nkCarry = kCarry.length;
    const kOuts = withTrace(trace.parent!, () => bind(scanP, [...pe.knownConsts, ...kC, ...kCarry, ...kX], {
      jaxpr: pe.known, numConsts: pe.knownConsts.length + kC.length, numCarry: nkCarry, length, reverse,
    }));
    const nKnownY = pe.outKnown.slice(ncar).filter(Boolean).length;
    const res = kOuts.slice(nkCarry + nKnownY);
    const uC = consts.filter((_, i) => !known[i]);
    const uCarry = carry.filter((_, i) => !carryKnown[i]);
    const uX = xs.filter((_, i) => !known[nc + ncar + i]);
    const R = pe.numResiduals;
    const body = permuted(pe.unknown, [...range(R, R + uC.length), ...range(R + uC.length, R + uC.length + uCarry.length), ...range(0, R), ...range(R + uC.length + uCarry.length, pe.unknown.invars.length)]);
    const uOuts = trace.stage(scanP, [...uC, ...uCarry, ...res, ...uX], { jaxpr: body, numConsts: uC.length, numCarry: uCarry.length, length, reverse });
    let ki = 0;
    let ui = 0;
    const carryOuts = carryKnown.map((k) => (k ? kOuts[ki++]! : uOuts[ui++]!));
    ki = nkCarry;
    const yOuts = pe.outKnown.slice(ncar).map((k) => (k ? kOuts[ki++]! : uOuts[ui++]!));
    return [...carryOuts, ...yOuts];
  },
});
