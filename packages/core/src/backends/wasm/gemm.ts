// A packed, cache-blocked float GEMM for the wasm device, generated as WAT per shape: B is packed
// into K-blocks of NR-column panels, A into MR-row panels, and an MR×NR SIMD register tile runs over them.
//
// The loop order and blocking follow Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication" (ACM TOMS 2008) and BLIS: a B micro-panel (KC×NR) stays in L1 while every A
// micro-panel of an MC×KC block (in L2) streams past it.

/** Operand layout in elements: batch stride, stride of the free (row/column) axis, stride of K. */
export interface GemmOperand { batch: number; free: number; k: number }

export interface GemmShape {
  dtype: "float32" | "float64";
  batch: number;
  M: number;
  N: number;
  K: number;
  lhs: GemmOperand;
  rhs: GemmOperand;
}

/**
 * Register tile: MR rows × NV vectors of columns. 5×8 f32 keeps 10 accumulators, 2 B vectors, one
 * A splat and the product temporary within the 15 xmm registers V8 allocates on x64 (xmm15 is its
 * scratch). Measured (n=512/1024, CPU time, loaded machine): 4×8 and 5×8 ≈ 24-26 GFLOP/s, 6×8
 * 21-24 (spills), 3×16 16-18; KC 128/512 and unrolling k by 2 were no better.
 */
const MR = 5;
const NV = 2;
/** K-block: a B micro-panel of KC×NR stays in L1 (256×8×4 B = 8 KiB for f32). */
const KC = 256;
/** Rows per A block: MC×KC×4 B = 160 KiB for f32, well inside the 2 MiB L2 measured here (lscpu). */
const MC = MR * 32;

export interface GemmPlan {
  wat: string;
  /** Bytes of scratch (packed panels and an edge tile) one caller of the kernel needs. */
  scratchBytes: number;
}

/**
 * WAT for `kernel(out, a, b, scratch, rowStart, rowEnd)`: out[bb, i, j] = Σ_k a[bb, i, k] b[bb, k, j]
 * for rows i in [rowStart, rowEnd) of every batch. Disjoint row ranges can run concurrently when
 * each caller has its own scratch; out is dense [batch, M, N].
 */
export function gemmWat(s: GemmShape, memoryImport: string): GemmPlan {
  const f = s.dtype === "float64" ? "f64" : "f32";
  const eb = s.dtype === "float64" ? 8 : 4;
  const lanes = 16 / eb;
  const vx = s.dtype === "float64" ? "f64x2" : "f32x4";
  const splatLoad = s.dtype === "float64" ? "v128.load64_splat" : "v128.load32_splat";
  const NR = NV * lanes;
  const { M, N, K } = s;
  const kc = Math.min(KC, K);
  const panelsN = Math.ceil(N / NR);
  const packBBytes = kc * panelsN * NR * eb;
  const mcPad = Math.ceil(Math.min(MC, M) / MR) * MR;
  const packABytes = mcPad * kc * eb;
  const tileBytes = MR * NR * eb;
  const offA = packBBytes;
  const offTile = packBBytes + packABytes;
  const lb = s.lhs, rb = s.rhs;
  const lines: string[] = [];
  const L = (x: string) => lines.push(x);
  const c = (v: number) => `(i32.const ${v})`;
  const g = (n: string) => `(local.get $${n})`;
  const set = (n: string, v: string) => `(local.set $${n} ${v})`;
  const add = (...xs: string[]) => xs.reduce((p, x) => `(i32.add ${p} ${x})`);
  const mul = (x: string, y: string) => `(i32.mul ${x} ${y})`;
  const min = (x: string, y: string) => `(select ${x} ${y} (i32.lt_s ${x} ${y}))`;
  /** while (cond) { body } with a fresh label. */
  let labelN = 0;
  const loop = (cond: string, body: string[]) => {
    const lab = `L${labelN++}`;
    return [`(block $${lab}x (loop $${lab}`, `(br_if $${lab}x (i32.eqz ${cond}))`, ...body, `(br $${lab})))`].join("\n");
  };
  const lt = (x: string, y: string) => `(i32.lt_s ${x} ${y})`;
  const inc = (n: string, by: number | string) => set(n, add(g(n), typeof by === "number" ? c(by) : by));
  const scalarLoad = (addr: string) => `(${f}.load ${addr})`;

  L(`(module ${memoryImport}`);
  L(`(func (export "kernel") (param $out i32) (param $a i32) (param $b i32) (param $s i32) (param $r0 i32) (param $r1 i32)`);
  const i32Locals = ["bb", "pc", "kc", "ic", "mc", "jp", "ip", "k", "i", "j", "q", "src", "dst", "pA", "pB", "pBend", "po", "rows", "cols", "aBase", "bBase", "oBase", "np"];
  L(i32Locals.map((n) => `(local $${n} i32)`).join(" "));
  const acc = (q: number, v: number) => `c${q}_${v}`;
  const vLocals = [...Array(MR).keys()].flatMap((q) => [...Array(NV).keys()].map((v) => acc(q, v)));
  L([...vLocals, ...[...Array(NV).keys()].map((v) => `b${v}`), "av"].map((n) => `(local $${n} v128)`).join(" "));

  const body: string[] = [];
  const P = (x: string) => body.push(x);
  P(set("bb", c(0)));
  const perBatch: string[] = [];
  const B = (x: string) => perBatch.push(x);
  B(set("aBase", add(g("a"), mul(g("bb"), c(lb.batch * eb)))));
  B(set("bBase", add(g("b"), mul(g("bb"), c(rb.batch * eb)))));
  B(set("oBase", add(g("out"), mul(g("bb"), c(M * N * eb)))));
  B(set("pc", c(0)));
  const perK: string[] = [];
  const Kb = (x: string) => perK.push(x);
  Kb(set("kc", min(c(kc), `(i32.sub ${c(K)} ${g("pc")})`)));
  // ---- pack B[pc:pc+kc, :] into panels [jp][k][NR], zero-padded past N
  Kb(set("jp", c(0)));
  const packB: string[] = [];
  packB.push(set("dst", add(g("s"), mul(g("jp"), c(kc * NR * eb)))));
  packB.push(set("src", add(g("bBase"), mul(g("pc"), c(rb.k * eb)), mul(g("jp"), c(NR * rb.free * eb)))));
  packB.push(set("k", c(0)));
  const fullPanel: string[] = [];
  if (rb.free === 1) {
    for (let v = 0; v < NV; v++) fullPanel.push(`(v128.store offset=${16 * v} ${g("dst")} (v128.load offset=${16 * v} ${g("src")}))`);
  } else {
    for (let cc = 0; cc < NR; cc++) fullPanel.push(`(${f}.store offset=${cc * eb} ${g("dst")} ${scalarLoad(`(i32.add ${g("src")} ${c(cc * rb.free * eb)})`)})`);
  }
  const edgePanel: string[] = [];
  // Columns past N are zero so the register tile can always be full width.
  edgePanel.push(set("q", c(0)));
  edgePanel.push(set("cols", `(i32.sub ${c(N)} ${mul(g("jp"), c(NR))})`));
  edgePanel.push(loop(lt(g("q"), c(NR)), [
    `(${f}.store ${add(g("dst"), mul(g("q"), c(eb)))} (if (result ${f}) ${lt(g("q"), g("cols"))} (then ${scalarLoad(add(g("src"), mul(g("q"), c(rb.free * eb))))}) (else (${f}.const 0))))`,
    inc("q", 1),
  ]));
  const packRow = (code: string[]) => loop(lt(g("k"), g("kc")), [...code, inc("dst", NR * eb), inc("src", rb.k * eb), inc("k", 1)]);
  if (N % NR === 0) packB.push(packRow(fullPanel));
  else packB.push(`(if ${lt(g("jp"), c(Math.floor(N / NR)))} (then ${packRow(fullPanel)}) (else ${packRow(edgePanel)}))`);
  packB.push(inc("jp", 1));
  Kb(loop(lt(g("jp"), c(panelsN)), packB));

  // ---- row blocks of this caller's range
  Kb(set("ic", g("r0")));
  const perIc: string[] = [];
  const I = (x: string) => perIc.push(x);
  I(set("mc", min(c(MC), `(i32.sub ${g("r1")} ${g("ic")})`)));
  // pack A[ic:ic+mc, pc:pc+kc] into panels [ip][k][MR], zero-padded past mc
  I(set("np", `(i32.div_u (i32.add ${g("mc")} ${c(MR - 1)}) ${c(MR)})`));
  I(set("ip", c(0)));
  const packA: string[] = [];
  packA.push(set("dst", add(g("s"), c(offA), mul(g("ip"), c(kc * MR * eb)))));
  packA.push(set("rows", `(i32.sub ${g("mc")} ${mul(g("ip"), c(MR))})`));
  packA.push(set("src", add(g("aBase"), mul(add(g("ic"), mul(g("ip"), c(MR))), c(lb.free * eb)), mul(g("pc"), c(lb.k * eb)))));
  packA.push(set("k", c(0)));
  const fullA: string[] = [];
  for (let q = 0; q < MR; q++) fullA.push(`(${f}.store offset=${q * eb} ${g("dst")} ${scalarLoad(`(i32.add ${g("src")} ${c(q * lb.free * eb)})`)})`);
  const edgeA: string[] = [];
  for (let q = 0; q < MR; q++) edgeA.push(`(${f}.store offset=${q * eb} ${g("dst")} (if (result ${f}) ${lt(c(q), g("rows"))} (then ${scalarLoad(`(i32.add ${g("src")} ${c(q * lb.free * eb)})`)}) (else (${f}.const 0))))`);
  const packARow = (code: string[]) => loop(lt(g("k"), g("kc")), [...code, inc("dst", MR * eb), inc("src", lb.k * eb), inc("k", 1)]);
  packA.push(`(if (i32.ge_s ${g("rows")} ${c(MR)}) (then ${packARow(fullA)}) (else ${packARow(edgeA)}))`);
  packA.push(inc("ip", 1));
  I(loop(lt(g("ip"), g("np")), packA));

  // ---- register tiles: for each B panel, every A panel of the block
  I(set("jp", c(0)));
  const perJp: string[] = [];
  perJp.push(set("ip", c(0)));
  const tile: string[] = [];
  const T = (x: string) => tile.push(x);
  T(set("pA", add(g("s"), c(offA), mul(g("ip"), c(kc * MR * eb)))));
  T(set("pB", add(g("s"), mul(g("jp"), c(kc * NR * eb)))));
  T(set("pBend", add(g("pB"), mul(g("kc"), c(NR * eb)))));
  for (const n of vLocals) T(set(n, "(v128.const i32x4 0 0 0 0)"));
  const micro: string[] = [];
  for (let v = 0; v < NV; v++) micro.push(set(`b${v}`, `(v128.load offset=${16 * v} ${g("pB")})`));
  for (let q = 0; q < MR; q++) {
    micro.push(set("av", `(${splatLoad} offset=${q * eb} ${g("pA")})`));
    for (let v = 0; v < NV; v++) micro.push(set(acc(q, v), `(${vx}.add ${g(acc(q, v))} (${vx}.mul ${g("av")} ${g(`b${v}`)}))`));
  }
  micro.push(inc("pA", MR * eb), inc("pB", NR * eb));
  // kc ≥ 1 always: a do-while avoids a test before the first step.
  T(`(loop $micro ${micro.join(" ")} (br_if $micro (i32.lt_u ${g("pB")} ${g("pBend")})))`);
  // epilogue: out = (pc == 0 ? 0 : out) + tile
  T(set("i", add(g("ic"), mul(g("ip"), c(MR)))));
  T(set("j", mul(g("jp"), c(NR))));
  const full: string[] = [];
  const fullFirst: string[] = [];
  for (let q = 0; q < MR; q++) {
    const po = add(g("oBase"), mul(add(g("i"), c(q)), c(N * eb)), mul(g("j"), c(eb)));
    full.push(set("po", po));
    fullFirst.push(set("po", po));
    for (let v = 0; v < NV; v++) {
      fullFirst.push(`(v128.store offset=${16 * v} ${g("po")} ${g(acc(q, v))})`);
      full.push(`(v128.store offset=${16 * v} ${g("po")} (${vx}.add (v128.load offset=${16 * v} ${g("po")}) ${g(acc(q, v))}))`);
    }
  }
  const edge: string[] = [];
  const tileAt = add(g("s"), c(offTile));
  for (let q = 0; q < MR; q++) for (let v = 0; v < NV; v++) edge.push(`(v128.store offset=${(q * NR + v * lanes) * eb} ${tileAt} ${g(acc(q, v))})`);
  edge.push(set("rows", min(c(MR), `(i32.sub ${g("r1")} ${g("i")})`)));
  edge.push(set("cols", min(c(NR), `(i32.sub ${c(N)} ${g("j")})`)));
  edge.push(set("q", c(0)));
  edge.push(loop(lt(g("q"), g("rows")), [
    set("k", c(0)),
    loop(lt(g("k"), g("cols")), [
      set("po", add(g("oBase"), mul(add(g("i"), g("q")), c(N * eb)), mul(add(g("j"), g("k")), c(eb)))),
      set("dst", add(g("s"), c(offTile), mul(add(mul(g("q"), c(NR)), g("k")), c(eb)))),
      `(${f}.store ${g("po")} (if (result ${f}) (i32.eqz ${g("pc")}) (then (${f}.load ${g("dst")})) (else (${f}.add (${f}.load ${g("po")}) (${f}.load ${g("dst")})))))`,
      inc("k", 1),
    ]),
    inc("q", 1),
  ]));
  T(`(if (i32.and (i32.le_s (i32.add ${g("i")} ${c(MR)}) ${g("r1")}) (i32.le_s (i32.add ${g("j")} ${c(NR)}) ${c(N)}))`);
  T(`(then (if (i32.eqz ${g("pc")}) (then ${fullFirst.join(" ")}) (else ${full.join(" ")})))`);
  T(`(else ${edge.join("\n")}))`);
  T(inc("ip", 1));
  perJp.push(loop(lt(g("ip"), g("np")), tile));
  perJp.push(inc("jp", 1));
  I(loop(lt(g("jp"), c(panelsN)), perJp));
  I(inc("ic", MC));
  Kb(loop(lt(g("ic"), g("r1")), perIc));
  Kb(inc("pc", kc));
  B(loop(lt(g("pc"), c(K)), perK));
  B(inc("bb", 1));
  P(loop(lt(g("bb"), c(s.batch)), perBatch));
  L(body.join("\n"));
  L(`))`);
  return { wat: lines.join("\n"), scratchBytes: packBBytes + packABytes + tileBytes };
}
