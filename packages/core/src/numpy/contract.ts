// Tensor contractions and diagonals for the np namespace: tensordot, einsum (explicit and implicit
// output, ellipsis, repeated labels, broadcasting), trace, diagonal and diag — lowered to
// dot_general, reduce_sum, transpose, broadcast and gather.
import type { ArrayLike, NDArray } from "../array/ndarray.js";
import { ShapeError } from "../errors.js";
import { normalizeAxis } from "../shape.js";
import { bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import * as R from "../primitives/reductions.js";
import { dotGeneral } from "../primitives/dot.js";
import { gatherP } from "../primitives/indexing.js";
import { asarray, kindOf, resultKind, toKind } from "./convert.js";

const range = (n: number): number[] => [...Array(n).keys()];
const arr = (x: ArrayLike): NDArray => toKind(x, kindOf(x));
/** bool operands contract as int32 (dot_general has no bool), other kinds unchanged. */
const contractable = (x: NDArray): NDArray => (x.dtype === "bool" ? S.convert(x, "int32") : x);

// ---------------------------------------------------------------- tensordot
/** Contracts the last `axes` axes of a with the first of b, or the listed axis pairs. */
export function tensordot(a: ArrayLike, b: ArrayLike, axes: number | readonly [number | readonly number[], number | readonly number[]] = 2): NDArray {
  const k = resultKind([a, b]);
  const x = contractable(toKind(a, k));
  const y = contractable(toKind(b, k));
  let ax: number[];
  let bx: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0 || axes > x.ndim || axes > y.ndim) throw new ShapeError(`tensordot: cannot contract ${axes} axes of shapes [${x.shape}] and [${y.shape}].`);
    ax = range(axes).map((i) => x.ndim - axes + i);
    bx = range(axes);
  } else {
    const list = (v: number | readonly number[]) => (typeof v === "number" ? [v] : [...v]);
    ax = list(axes[0]).map((d) => normalizeAxis("tensordot", d, x.ndim));
    bx = list(axes[1]).map((d) => normalizeAxis("tensordot", d, y.ndim));
  }
  if (ax.length !== bx.length || ax.some((d, i) => x.shape[d] !== y.shape[bx[i]!])) {
    throw new ShapeError(`tensordot: axes [${ax}] of [${x.shape}] and [${bx}] of [${y.shape}] must pair up with equal sizes.`);
  }
  return dotGeneral(x, y, [ax, bx]);
}

// ---------------------------------------------------------------- diagonal / trace / diag
/** The diagonal (offset above the main one when positive) of axes axis1/axis2, appended as the last axis. */
export function diagonal(a: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): NDArray {
  const x = arr(a);
  if (x.ndim < 2) throw new ShapeError(`diagonal: needs an array of at least 2 dimensions, got shape [${x.shape}].`);
  const a1 = normalizeAxis("diagonal", axis1, x.ndim);
  const a2 = normalizeAxis("diagonal", axis2, x.ndim);
  if (a1 === a2) throw new ShapeError(`diagonal: axis1 and axis2 must differ, both are ${a1}.`);
  const [n1, n2] = [x.shape[a1]!, x.shape[a2]!];
  const r0 = offset >= 0 ? 0 : -offset;
  const c0 = offset >= 0 ? offset : 0;
  const len = Math.max(0, Math.min(n1 - r0, n2 - c0));
  const rest = range(x.ndim).filter((d) => d !== a1 && d !== a2);
  if (len === 0) return E.full([...rest.map((d) => x.shape[d]!), 0], 0, x.dtype);
  const starts = range(len).flatMap((i) => [r0 + i, c0 + i]);
  const idx = S.reshape(asarray(starts, "int32"), [len, 2]);
  return bind1(gatherP, [x, idx], {
    dimensionNumbers: { offsetDims: range(rest.length), collapsedSliceDims: [Math.min(a1, a2), Math.max(a1, a2)], startIndexMap: [a1, a2], operandBatchingDims: [], startIndicesBatchingDims: [] },
    sliceSizes: x.shape.map((s, d) => (d === a1 || d === a2 ? 1 : s)), mode: "clip", fillValue: null,
  });
}
/** Sum along a diagonal. */
export function trace(a: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): NDArray {
  const d = diagonal(a, offset, axis1, axis2);
  const s = d.dtype === "bool" ? S.convert(d, "int32") : d;
  return R.reduceSum(s, [s.ndim - 1]);
}
/** 1-D input: a square matrix with it on diagonal k. 2-D input: its k-th diagonal. */
export function diag(v: ArrayLike, k = 0): NDArray {
  const x = arr(v);
  if (x.ndim === 2) return diagonal(x, k);
  if (x.ndim !== 1) throw new ShapeError(`diag: input must be 1-D or 2-D, got shape [${x.shape}].`);
  const n = x.shape[0]! + Math.abs(k);
  // Row i of the result holds x[i - max(0, -k)] on the diagonal: pad x to n along rows, select on the mask.
  const rows = S.pad(x, E.scalar(0, x.dtype), [Math.max(0, -k)], [Math.max(0, k)], [0]);
  const r = S.iota("int32", [n, n], 0);
  const c = S.iota("int32", [n, n], 1);
  const onDiag = E.eq(E.add(r, E.full([n, n], k, "int32")), c);
  return S.selectN(onDiag, E.full([n, n], 0, x.dtype, x.weakType), S.broadcastInDim(rows, [n, n], [0]));
}

// ---------------------------------------------------------------- einsum
type Label = string;
interface Term { labels: Label[]; hasEllipsis: boolean }

function parseTerm(op: string, text: string): { letters: string[]; ellipsisAt: number | null } {
  const letters: string[] = [];
  let ellipsisAt: number | null = null;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("...", i)) {
      if (ellipsisAt !== null) throw new ShapeError(`${op}: more than one ellipsis in the term "${text}".`);
      ellipsisAt = letters.length;
      i += 2;
      continue;
    }
    const ch = text[i]!;
    if (!/[a-zA-Z]/.test(ch)) throw new ShapeError(`${op}: invalid subscript character "${ch}" in "${text}"; use letters and at most one "...".`);
    letters.push(ch);
  }
  return { letters, ellipsisAt };
}
/** Ellipsis axes get labels "…0", "…1", ... counted from the right so they broadcast across operands. */
const ellipsisLabel = (fromRight: number) => `\u2026${fromRight}`;

/**
 * Einstein summation (NumPy's einsum): "ij,jk->ik", implicit output ("ij,jk" sums j and keeps i, k
 * in alphabetical order), "..." for broadcast axes, repeated labels for diagonals.
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): NDArray {
  const op = "einsum";
  const spec = subscripts.replace(/\s+/g, "");
  const arrow = spec.indexOf("->");
  const lhs = arrow >= 0 ? spec.slice(0, arrow) : spec;
  const inputs = lhs.split(",");
  if (inputs.length !== operands.length) throw new ShapeError(`${op}: "${subscripts}" names ${inputs.length} operands but ${operands.length} were given.`);
  const k = resultKind(operands);
  const xs = operands.map((o) => contractable(toKind(o, k)));
  let maxEll = 0;
  const terms: Term[] = inputs.map((t, i) => {
    const { letters, ellipsisAt } = parseTerm(op, t);
    const x = xs[i]!;
    if (ellipsisAt === null) {
      if (letters.length !== x.ndim) throw new ShapeError(`${op}: term "${t}" has ${letters.length} labels but operand ${i} has shape [${x.shape}] (rank ${x.ndim}).`);
      return { labels: letters, hasEllipsis: false };
    }
    const nEll = x.ndim - letters.length;
    if (nEll < 0) throw new ShapeError(`${op}: term "${t}" has more labels than operand ${i} (shape [${x.shape}]) has axes.`);
    maxEll = Math.max(maxEll, nEll);
    const ell = range(nEll).map((j) => ellipsisLabel(nEll - 1 - j));
    return { labels: [...letters.slice(0, ellipsisAt), ...ell, ...letters.slice(ellipsisAt)], hasEllipsis: true };
  });
  const ellLabels = range(maxEll).map((j) => ellipsisLabel(maxEll - 1 - j));
  // Sizes per label: equal, or 1 (broadcast).
  const size = new Map<Label, number>();
  terms.forEach((t, i) => t.labels.forEach((l, d) => {
    const s = xs[i]!.shape[d]!;
    const prev = size.get(l);
    if (prev === undefined || prev === 1) size.set(l, s);
    else if (s !== 1 && s !== prev) throw new ShapeError(`${op}: label "${l.startsWith("\u2026") ? "..." : l}" has sizes ${prev} and ${s} in "${subscripts}" (operand shapes ${xs.map((x) => `[${x.shape}]`).join(", ")}).`);
  }));
  let out: Label[];
  if (arrow >= 0) {
    const { letters, ellipsisAt } = parseTerm(op, spec.slice(arrow + 2));
    if (ellipsisAt === null && maxEll > 0) throw new ShapeError(`${op}: "${subscripts}" has "..." axes in its inputs but no "..." in the output; add "..." to the output to keep them (NumPy rejects this too).`);
    out = ellipsisAt === null ? letters : [...letters.slice(0, ellipsisAt), ...ellLabels, ...letters.slice(ellipsisAt)];
    if (new Set(out).size !== out.length) throw new ShapeError(`${op}: output "${spec.slice(arrow + 2)}" repeats a label.`);
    for (const l of out) if (!size.has(l)) throw new ShapeError(`${op}: output label "${l}" does not appear in any input of "${subscripts}".`);
  } else {
    const counts = new Map<Label, number>();
    for (const t of terms) for (const l of t.labels) if (!l.startsWith("\u2026")) counts.set(l, (counts.get(l) ?? 0) + 1);
    out = [...ellLabels, ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }

  // Each operand: take diagonals of repeated labels, broadcast size-1 axes, sum labels used nowhere else.
  const prepared = xs.map((x, i) => {
    let labels = [...terms[i]!.labels];
    let y = x;
    for (;;) {
      const dup = labels.findIndex((l, d) => labels.indexOf(l) !== d);
      if (dup < 0) break;
      const first = labels.indexOf(labels[dup]!);
      y = diagonal(y, 0, first, dup);
      const l = labels[dup]!;
      labels = [...labels.filter((_, d) => d !== first && d !== dup), l];
    }
    const target = labels.map((l) => size.get(l)!);
    if (target.some((s, d) => s !== y.shape[d])) y = S.broadcastInDim(y, target, range(y.ndim));
    return { y, labels };
  });
  const usedLater = (from: number): Set<Label> => new Set([...out, ...prepared.slice(from).flatMap((p) => p.labels)]);
  const sumUnused = (p: { y: NDArray; labels: Label[] }, keep: Set<Label>) => {
    const axes = p.labels.map((l, d) => (keep.has(l) ? -1 : d)).filter((d) => d >= 0);
    return axes.length ? { y: R.reduceSum(p.y, axes), labels: p.labels.filter((l) => keep.has(l)) } : p;
  };
  let acc = sumUnused(prepared[0]!, usedLater(1));
  for (let i = 1; i < prepared.length; i++) {
    const later = usedLater(i + 1);
    const other = sumUnused(prepared[i]!, new Set([...later, ...acc.labels]));
    acc = sumUnused(acc, new Set([...later, ...other.labels]));
    const shared = acc.labels.filter((l) => other.labels.includes(l));
    const batch = shared.filter((l) => later.has(l));
    const contract = shared.filter((l) => !later.has(l));
    const pos = (labels: Label[], ls: Label[]) => ls.map((l) => labels.indexOf(l));
    const y = dotGeneral(acc.y, other.y, [pos(acc.labels, contract), pos(other.labels, contract)], [pos(acc.labels, batch), pos(other.labels, batch)]);
    acc = { y, labels: [...batch, ...acc.labels.filter((l) => !shared.includes(l)), ...other.labels.filter((l) => !shared.includes(l))] };
  }
  acc = sumUnused(acc, new Set(out));
  return S.transpose(acc.y, out.map((l) => acc.labels.indexOf(l)));
}
