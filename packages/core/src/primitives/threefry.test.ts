// The threefry2x32 primitive: Random123 known answers, per-element keys, shape/dtype errors, batching with
// mixed batch axes, zero derivatives, and staging into a jaxpr.
import { describe, expect, it } from "vitest";
import { ConcreteArray, DTypeError, ShapeError, internal, lax } from "../index.js";
import { threefry2x32 as oracle } from "../random/reference/index.js";
import { threefry2x32, threefry2x32P } from "./threefry.js";

const u32 = (xs: number[], shape = [xs.length]) => ConcreteArray.fromData(Uint32Array.from(xs), shape, "uint32");
const words = (x: { dataSync(): ArrayLike<number> }) => Array.from(x.dataSync());

describe("threefry2x32 primitive", () => {
  it("reproduces Random123's known answers (as quoted in jax tests/random_test.py, testThreefry2x32)", () => {
    const cases: [number[], number[], number[]][] = [
      [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
      [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
      [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
    ];
    const [y0, y1] = threefry2x32(u32(cases.map((c) => c[0][0]!)), u32(cases.map((c) => c[0][1]!)), u32(cases.map((c) => c[1][0]!)), u32(cases.map((c) => c[1][1]!)));
    expect(words(y0)).toEqual(cases.map((c) => c[2][0]));
    expect(words(y1)).toEqual(cases.map((c) => c[2][1]));
  });

  it("uses each element's own key (runs of equal keys and alternating keys), in any shape", () => {
    const k0 = [1, 1, 1, 7, 1, 7, 7, 9];
    const k1 = [2, 2, 2, 8, 2, 8, 8, 3];
    const x0 = [0, 1, 2, 3, 4, 5, 6, 7];
    const x1 = [10, 11, 12, 13, 14, 15, 16, 17];
    const [y0, y1] = threefry2x32(u32(k0, [2, 4]), u32(k1, [2, 4]), u32(x0, [2, 4]), u32(x1, [2, 4]));
    expect(y0.shape).toEqual([2, 4]);
    x0.forEach((_, i) => {
      const [o0, o1] = oracle(Uint32Array.of(k0[i]!, k1[i]!), Uint32Array.of(x0[i]!), Uint32Array.of(x1[i]!));
      expect([words(y0)[i], words(y1)[i]]).toEqual([o0[0], o1[0]]);
    });
    const [e0] = threefry2x32(u32([], [3, 0]), u32([], [3, 0]), u32([], [3, 0]), u32([], [3, 0]));
    expect(e0.shape).toEqual([3, 0]);
  });

  it("rejects non-uint32 operands and unequal shapes with messages naming the fix", () => {
    const i32 = ConcreteArray.fromData(Int32Array.of(1), [1], "int32");
    expect(() => threefry2x32(i32, u32([1]), u32([1]), u32([1]))).toThrow(DTypeError);
    expect(() => threefry2x32(u32([1]), u32([1]), u32([1, 2]), u32([1, 2]))).toThrow(ShapeError);
    expect(() => threefry2x32(u32([1]), u32([1]), u32([1, 2]), u32([1, 2]))).toThrow(/broadcast the keys/);
  });

  it("batches elementwise: batched keys with unbatched counters and differing batch axes equal a loop", () => {
    const keys0 = u32([1, 2, 3]);
    const keys1 = u32([4, 5, 6]);
    const counters = u32([0, 1, 2, 3, 4, 5], [2, 3]); // batch axis 1
    const [outs, dims] = internal.vmapFlat(
      (a, b, c) => threefry2x32(lax.broadcastInDim(a!, [2], []), lax.broadcastInDim(b!, [2], []), c!, c!),
      [keys0, keys1, counters],
      [0, 0, 1],
      3,
    );
    const out0 = internal.moveaxis(outs[0]!, dims[0]!, 0);
    const got = words(out0);
    for (let b = 0; b < 3; b++) {
      for (let j = 0; j < 2; j++) {
        const c = j * 3 + b;
        const [o0] = oracle(Uint32Array.of(b + 1, b + 4), Uint32Array.of(c), Uint32Array.of(c));
        expect(got[b * 2 + j]).toBe(o0[0]);
      }
    }
  });

  it("has zero tangents and stages as one equation", () => {
    const k = u32([3]);
    const [, tangents] = internal.jvpFlat((a) => threefry2x32(a!, a!, a!, a!), [k], [new internal.Zero(k.aval)]);
    expect(tangents.every((t) => t instanceof internal.Zero)).toBe(true);
    const closed = internal.traceToJaxpr((a) => threefry2x32(a!, a!, a!, a!), [k.aval]);
    expect(closed.jaxpr.eqns.map((e) => e.prim.name)).toEqual(["threefry2x32"]);
    expect(threefry2x32P.transpose).toBe("nonlinear");
  });
});
