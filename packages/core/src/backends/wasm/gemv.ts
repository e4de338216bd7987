// Matrix-vector products for the wasm device (dot_general with one free side of size 1), generated
// as WAT: the packed GEMM would spend 7/8 of its register tile on padding columns there.

/** A matrix walked as rows of a K-long contraction, and the vector it contracts with (element strides). */
export interface GemvShape {
  dtype: "float32" | "float64";
  batch: number;
  rows: number;
  K: number;
  mat: { batch: number; row: number; k: number };
  vec: { batch: number; k: number };
}

/** Which layout the kernel vectorises: along K (rows contiguous in K) or along the rows. */
export type GemvKind = "dotRows" | "axpy";

export function gemvKind(s: GemvShape): GemvKind | null {
  if (s.mat.k === 1 && s.vec.k === 1 && s.K >= 16 / (s.dtype === "float64" ? 8 : 4)) return "dotRows";
  if (s.mat.row === 1) return "axpy";
  return null;
}

/**
 * WAT for `kernel(out, mat, vec, scratch, rowStart, rowEnd)`: out[bb, i] = Σ_k mat[bb, i, k] vec[bb, k]
 * for i in [rowStart, rowEnd) of every batch (out dense [batch, rows]; scratch unused). Disjoint row
 * ranges can run concurrently.
 */
export function gemvWat(s: GemvShape, kind: GemvKind, memoryImport: string): string {
  const f = s.dtype === "float64" ? "f64" : "f32";
  const eb = s.dtype === "float64" ? 8 : 4;
  const lanes = 16 / eb;
  const vx = s.dtype === "float64" ? "f64x2" : "f32x4";
  const splatLoad = s.dtype === "float64" ? "v128.load64_splat" : "v128.load32_splat";
  const { K } = s;
  const c = (v: number) => `(i32.const ${v})`;
  const g = (n: string) => `(local.get $${n})`;
  const set = (n: string, v: string) => `(local.set $${n} ${v})`;
  const add = (...xs: string[]) => xs.reduce((p, x) => `(i32.add ${p} ${x})`);
  const mul = (x: string, y: string) => `(i32.mul ${x} ${y})`;
  const inc = (n: string, by: number) => set(n, add(g(n), c(by)));
  let labelN = 0;
  const loop = (cond: string, body: string[]) => {
    const lab = `L${labelN++}`;
    return [`(block $${lab}x (loop $${lab}`, `(br_if $${lab}x (i32.eqz ${cond}))`, ...body, `(br $${lab})))`].join("\n");
  };
  const lt = (x: string, y: string) => `(i32.lt_s ${x} ${y})`;
  const vsum = (v: string) => [...Array(lanes).keys()].map((l) => `(${vx}.extract_lane ${l} ${v})`).reduce((p, x) => `(${f}.add ${p} ${x})`);
  const ROWS = 4; // dotRows: rows per step (4 accumulators + a vector + products)
  const CH = 8; // axpy: vectors of rows per step
  const i32s = ["bb", "i", "k", "pm", "pv", "po", "mBase", "vBase", "oBase", "end"];
  const vecs = [...[...Array(Math.max(ROWS, CH)).keys()].map((q) => `acc${q}`), "x"];
  const body: string[] = [];
  const P = (x: string) => body.push(x);
  const perBatch: string[] = [];
  const B = (x: string) => perBatch.push(x);
  B(set("mBase", add(g("mat"), mul(g("bb"), c(s.mat.batch * eb)))));
  B(set("vBase", add(g("vec"), mul(g("bb"), c(s.vec.batch * eb)))));
  B(set("oBase", add(g("out"), mul(g("bb"), c(s.rows * eb)))));
  B(set("i", g("r0")));
  const zero = "(v128.const i32x4 0 0 0 0)";
  if (kind === "dotRows") {
    const kv = K - (K % lanes);
    // ROWS rows at a time: one load of vec serves ROWS products.
    const step: string[] = [];
    for (let q = 0; q < ROWS; q++) step.push(set(`acc${q}`, zero));
    step.push(set("pm", add(g("mBase"), mul(g("i"), c(s.mat.row * eb)))), set("pv", g("vBase")), set("k", c(0)));
    const kbody: string[] = [set("x", `(v128.load ${g("pv")})`)];
    for (let q = 0; q < ROWS; q++) kbody.push(set(`acc${q}`, `(${vx}.add ${g(`acc${q}`)} (${vx}.mul (v128.load offset=${q * s.mat.row * eb} ${g("pm")}) ${g("x")}))`));
    kbody.push(inc("pm", 16), inc("pv", 16), inc("k", lanes));
    step.push(loop(lt(g("k"), c(kv)), kbody));
    // K tail: scalar products folded into lane 0 of each accumulator's sum below.
    const tails: string[] = [];
    for (let q = 0; q < ROWS; q++) {
      let t = vsum(g(`acc${q}`));
      for (let k = kv; k < K; k++) t = `(${f}.add ${t} (${f}.mul (${f}.load offset=${q * s.mat.row * eb + (k - kv) * eb} ${g("pm")}) (${f}.load offset=${(k - kv) * eb} ${g("pv")})))`;
      tails.push(`(${f}.store offset=${q * eb} (i32.add ${g("oBase")} ${mul(g("i"), c(eb))}) ${t})`);
    }
    step.push(...tails, inc("i", ROWS));
    B(set("end", `(i32.sub ${g("r1")} ${c(ROWS - 1)})`));
    B(loop(lt(g("i"), g("end")), step));
    const one: string[] = [set("acc0", zero), set("pm", add(g("mBase"), mul(g("i"), c(s.mat.row * eb)))), set("pv", g("vBase")), set("k", c(0))];
    one.push(loop(lt(g("k"), c(kv)), [set("acc0", `(${vx}.add ${g("acc0")} (${vx}.mul (v128.load ${g("pm")}) (v128.load ${g("pv")})))`), inc("pm", 16), inc("pv", 16), inc("k", lanes)]));
    let t = vsum(g("acc0"));
    for (let k = kv; k < K; k++) t = `(${f}.add ${t} (${f}.mul (${f}.load offset=${(k - kv) * eb} ${g("pm")}) (${f}.load offset=${(k - kv) * eb} ${g("pv")})))`;
    one.push(`(${f}.store (i32.add ${g("oBase")} ${mul(g("i"), c(eb))}) ${t})`, inc("i", 1));
    B(loop(lt(g("i"), g("r1")), one));
  } else {
    // axpy: rows are contiguous, so CH vectors of rows accumulate vec[k] · mat[k, rows] over all k.
    const chunk = (nv: number, label: string) => {
      const st: string[] = [];
      for (let q = 0; q < nv; q++) st.push(set(`acc${q}`, zero));
      st.push(set("pm", add(g("mBase"), mul(g("i"), c(eb)))), set("pv", g("vBase")), set("k", c(0)));
      const kb: string[] = [set("x", `(${splatLoad} ${g("pv")})`)];
      for (let q = 0; q < nv; q++) kb.push(set(`acc${q}`, `(${vx}.add ${g(`acc${q}`)} (${vx}.mul (v128.load offset=${16 * q} ${g("pm")}) ${g("x")}))`));
      kb.push(inc("pm", s.mat.k * eb), inc("pv", s.vec.k * eb), inc("k", 1));
      st.push(loop(lt(g("k"), c(K)), kb));
      for (let q = 0; q < nv; q++) st.push(`(v128.store offset=${16 * q} (i32.add ${g("oBase")} ${mul(g("i"), c(eb))}) ${g(`acc${q}`)})`);
      st.push(inc("i", nv * lanes));
      void label;
      return st;
    };
    B(set("end", `(i32.sub ${g("r1")} ${c(CH * lanes - 1)})`));
    B(loop(lt(g("i"), g("end")), chunk(CH, "ch")));
    B(set("end", `(i32.sub ${g("r1")} ${c(lanes - 1)})`));
    B(loop(lt(g("i"), g("end")), chunk(1, "v1")));
    // Leftover rows: scalar sums.
    const sc: string[] = [set("pm", add(g("mBase"), mul(g("i"), c(eb)))), set("pv", g("vBase")), set("k", c(0)), `(local.set $s (${f}.const 0))`];
    sc.push(loop(lt(g("k"), c(K)), [`(local.set $s (${f}.add (local.get $s) (${f}.mul (${f}.load ${g("pm")}) (${f}.load ${g("pv")}))))`, inc("pm", s.mat.k * eb), inc("pv", s.vec.k * eb), inc("k", 1)]));
    sc.push(`(${f}.store (i32.add ${g("oBase")} ${mul(g("i"), c(eb))}) (local.get $s))`, inc("i", 1));
    B(loop(lt(g("i"), g("r1")), sc));
  }
  B(inc("bb", 1));
  P(set("bb", c(0)));
  P(loop(lt(g("bb"), c(s.batch)), perBatch));
  return [
    `(module ${memoryImport}`,
    `(func (export "kernel") (param $out i32) (param $mat i32) (param $vec i32) (param $scratch i32) (param $r0 i32) (param $r1 i32)`,
    i32s.map((n) => `(local $${n} i32)`).join(" ") + ` (local $s ${f}) ` + vecs.map((n) => `(local $${n} v128)`).join(" "),
    ...body,
    `))`,
  ].join("\n");
}
