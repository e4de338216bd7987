// Shape arithmetic shared by every layer: sizes, strides, broadcasting and axis normalisation.
import { ShapeError } from "./errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const showShape = (s: Shape): string => `[${s.join(",")}]`;

/** NumPy broadcasting of several shapes; `op` names the caller for the error. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = nd - s.length + i;
      const d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(showShape).join(", ")} cannot be broadcast together ` +
            `(axis ${j - nd} has sizes ${out[j]} and ${d}). Reshape or expand one operand so that ` +
            `each axis matches or is 1.`,
        );
      }
    }
  }
  return out;
}

export function normalizeAxis(op: string, axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= ndim) {
    throw new ShapeError(`${op}: axis ${axis} is out of bounds for an array of rank ${ndim}; use an axis in [${-ndim}, ${ndim - 1}].`);
  }
  return a;
}

export function normalizeAxes(op: string, axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return [...Array(ndim).keys()];
  const axes = (typeof axis === "number" ? [axis] : [...axis]).map((a) => normalizeAxis(op, a, ndim));
  if (new Set(axes).size !== axes.length) throw new ShapeError(`${op}: repeated axis in ${JSON.stringify(axis)}.`);
  return axes.sort((a, b) => a - b);
}
