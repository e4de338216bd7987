// The array-op erfInv against the oracle's scalar XLA emulation at the oracle's scipy fixture points (bit for bit,
// fused and unfused), its edge cases, and its derivative (JAX's sqrt(pi)/2 exp(erfinv(x)^2)).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConcreteArray, internal, np, random } from "../index.js";
import { erfInvF32, erfInvF64 } from "./reference/index.js";
import { jitCall } from "./testing.js";

interface ErfInvFixture { float32: { x: number[] }; float64: { x: number[] } }
const fixture = JSON.parse(readFileSync(new URL("../../../../scripts/fixtures/random_erfinv.json", import.meta.url), "utf8")) as ErfInvFixture;

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe("erfInv (array ops) equals the oracle bit for bit", () => {
  for (const fused of [true, false]) {
    it(`float32, ${fixture.float32.x.length} points, fusedMultiplyAdd=${fused}`, () => {
      const xs = [...fixture.float32.x, 1, -1, 0, -0, 1.5, NaN];
      const got = random.erfInv(ConcreteArray.fromData(Float32Array.from(xs), [xs.length], "float32"), fused).dataSync();
      xs.forEach((x, i) => {
        const want = erfInvF32(x, { fusedMultiplyAdd: fused });
        if (!same(got[i]!, want)) expect.fail(`erfinv(${x}) = ${got[i]}, oracle ${want}`);
      });
    });
    it(`float64, ${fixture.float64.x.length} points (all three regions), fusedMultiplyAdd=${fused}`, () => {
      const xs = [...fixture.float64.x, 1, -1, 0];
      const arr = ConcreteArray.fromData(Float64Array.from(xs), [xs.length], "float64");
      const [got] = jitCall((x) => [random.erfInv(x, fused)], [arr]);
      const data = got!.dataSync();
      xs.forEach((x, i) => {
        const want = erfInvF64(x, { fusedMultiplyAdd: fused });
        if (!same(data[i]!, want)) expect.fail(`erfinv(${x}) = ${data[i]}, oracle ${want}`);
      });
    });
  }

  it("has JAX's derivative sqrt(pi)/2 exp(erfinv(x)^2), not the polynomial's slope", () => {
    const x = ConcreteArray.fromData(Float64Array.of(-0.9, -0.3, 0, 0.5, 0.99), [5], "float64");
    const [[y], [t]] = internal.jvpFlat((v) => [random.erfInv(v!)], [x], [np.onesLike(x)]);
    const yv = y!.dataSync();
    const tv = (t as ConcreteArray).dataSync();
    yv.forEach((v, i) => expect(tv[i]).toBeCloseTo((Math.sqrt(Math.PI) / 2) * Math.exp(v * v), 12));
  });

  it("refuses integer input", () => {
    expect(() => random.erfInv(ConcreteArray.fromData(Int32Array.of(0), [1], "int32"))).toThrow(/float32 or float64/);
  });
});
