// threefry2x32 as a wasm function inside a compiled program's driver module, so random numbers
// inside compiled loops never leave wasm: uint32 add / rotate / xor, 20 rounds unrolled.
import { THREEFRY2X32_ROTATIONS, THREEFRY_KEY_PARITY32 } from "../../random/reference/threefry.js";

type B = typeof import("binaryen").default;
type Module = InstanceType<B["Module"]>;
type Ref = number;

export const THREEFRY_FN = "threefry2x32";

/**
 * Adds `threefry2x32(out0, out1, key0, key1, x0, x1, n)` (byte pointers, element count) to `m`.
 * Key schedule and rotations as Salmon et al. (SC 2011) and JAX's lowering: ks2 = k0 ^ k1 ^ C240,
 * key injection after every 4th round (see random/reference/threefry.ts, the bit-exact oracle).
 */
export function addThreefryFunction(m: Module, bin: B): void {
  const i32 = bin.i32;
  // params 0..6: o0 o1 k0p k1p x0p x1p n; locals 7.. : i a b ks0 ks1 ks2
  const [O0, O1, K0, K1, X0, X1, N] = [0, 1, 2, 3, 4, 5, 6];
  const [I, A, Bv, KS0, KS1, KS2] = [7, 8, 9, 10, 11, 12];
  const g = (i: number) => m.local.get(i, i32);
  const s = (i: number, v: Ref) => m.local.set(i, v);
  const at = (base: number) => m.i32.add(g(base), m.i32.shl(g(I), m.i32.const(2)));
  const ks = [KS0, KS1, KS2];
  const rounds: Ref[] = [];
  for (let r = 0; r < 20; r++) {
    rounds.push(s(A, m.i32.add(g(A), g(Bv))));
    rounds.push(s(Bv, m.i32.xor(m.i32.rotl(g(Bv), m.i32.const(THREEFRY2X32_ROTATIONS[r % 8]!)), g(A))));
    if ((r & 3) === 3) {
      const inj = (r + 1) >>> 2;
      rounds.push(s(A, m.i32.add(g(A), g(ks[inj % 3]!))));
      rounds.push(s(Bv, m.i32.add(m.i32.add(g(Bv), g(ks[(inj + 1) % 3]!)), m.i32.const(inj))));
    }
  }
  const body = m.block(null, [
    s(I, m.i32.const(0)),
    m.block("done", [
      m.loop("next", m.block(null, [
        m.br("done", m.i32.ge_u(g(I), g(N))),
        s(KS0, m.i32.load(0, 4, at(K0))),
        s(KS1, m.i32.load(0, 4, at(K1))),
        s(KS2, m.i32.xor(m.i32.xor(g(KS0), g(KS1)), m.i32.const(THREEFRY_KEY_PARITY32 | 0))),
        s(A, m.i32.add(m.i32.load(0, 4, at(X0)), g(KS0))),
        s(Bv, m.i32.add(m.i32.load(0, 4, at(X1)), g(KS1))),
        ...rounds,
        m.i32.store(0, 4, at(O0), g(A)),
        m.i32.store(0, 4, at(O1), g(Bv)),
        s(I, m.i32.add(g(I), m.i32.const(1))),
        m.br("next"),
      ])),
    ]),
  ]);
  m.addFunction(THREEFRY_FN, bin.createType([i32, i32, i32, i32, i32, i32, i32]), bin.none, [i32, i32, i32, i32, i32, i32], body);
}
