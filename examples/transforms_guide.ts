// The code of packages/transforms/README.md, runnable: every line of that guide's code blocks is a line
// of this file (tests/examples.test.ts checks it), and the values it prints are checked against closed forms.
import { fileURLToPath } from "node:url";
import { NDArray, np } from "@fluxion/core";
import { grad, valueAndGrad, jvp, vjp, jacfwd, jacrev, hessian, vmap, jit, makeJaxpr, cond, switchCase, whileLoop, foriLoop, scan, customJvp, customVjp, checkpoint, checkGrads } from "@fluxion/transforms";

const values = (a: unknown) => (a as NDArray).toArray();

export function main(log: (s: string) => void = console.log): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const show = (name: string, v: unknown) => {
    out[name] = v instanceof NDArray ? v.toArray() : v;
    log(`${name}: ${JSON.stringify(out[name])}`);
  };

  // GUIDE: differentiation
  const x = np.array([0.5, 1.0, 2.0], "float64");
  const f = (x: NDArray) => np.sum(np.multiply(np.exp(x), np.sin(x)));
  const df = grad(f)(x) as NDArray;                                   // e^x (sin x + cos x)
  const [fx, dfx] = valueAndGrad(f)(x) as [NDArray, NDArray];
  const loss = (w: NDArray, b: NDArray) => np.sum(np.square(np.add(np.multiply(w, x), b)));
  const [dw, db] = grad(loss, { argnums: [0, 1] })(np.array(2, "float64"), np.array(1, "float64")) as [NDArray, NDArray];
  const [gradW, aux] = grad((w: NDArray) => [np.sum(np.square(w)), np.mean(w)], { hasAux: true })(x) as [NDArray, NDArray];
  // GUIDE-END
  show("grad", df); show("valueAndGrad", [values(fx), values(dfx)]); show("argnums", [values(dw), values(db)]); show("hasAux", [values(gradW), values(aux)]);

  // GUIDE: forward and reverse
  const [y, yDot] = jvp(np.sin, [x], [np.ones([3], "float64")]);      // sin x, cos x · 1
  const [yy, pullback] = vjp(np.sin, x);
  const [xBar] = pullback(np.array([1, 0, 0], "float64")) as [NDArray]; // [cos 0.5, 0, 0]
  // GUIDE-END
  show("jvp", [values(y), values(yDot)]); show("vjp", [values(yy), values(xBar)]);

  // GUIDE: jacobians
  const g = (v: NDArray) => np.multiply(np.square(v), np.sum(v));      // g_i = v_i² Σv
  const jf = jacfwd(g)(x) as NDArray;                                   // [3, 3], one column per input
  const jr = jacrev(g)(x) as NDArray;                                   // the same matrix, one row per output
  const h = hessian(f)(x) as NDArray;                                   // diag(2 e^x cos x)
  // GUIDE-END
  show("jacfwd", jf); show("jacrev", jr); show("hessian", h);

  // GUIDE: vmap
  const rows = np.array([[1, 2], [3, 4], [5, 6]], "float64");
  const dot = (a: NDArray, b: NDArray) => np.sum(np.multiply(a, b));
  const rowDots = vmap(dot)(rows, rows);                                // [5, 25, 61]
  const againstOne = vmap(dot, { inAxes: [0, null] })(rows, np.array([1, -1], "float64")); // [-1, -1, -1]
  const columnSums = vmap(np.sum, { inAxes: 1 })(rows);                 // [9, 12]
  const perExample = vmap(grad(dot), { inAxes: [0, null] })(rows, np.array([1, -1], "float64")); // = the second argument, per row
  // GUIDE-END
  show("vmap", rowDots); show("inAxes", againstOne); show("columnSums", columnSums); show("perExampleGrads", perExample);

  // GUIDE: jit
  const step = jit((w: NDArray, lr: number) => np.subtract(w, np.multiply(lr, grad(f)(w) as NDArray)), { staticArgnums: [1] });
  const w1 = step(x, 0.1) as NDArray;                                   // traced and compiled for (f64[3], lr = 0.1)
  step(w1, 0.1);                                                        // cached: no tracing
  const traces = step.cacheSize;                                        // 1
  // GUIDE-END
  show("jit", w1); show("cacheSize", traces);

  // GUIDE: control flow
  const relu = (v: NDArray) => cond(np.greater(v, 0), (u: NDArray) => u, (u: NDArray) => np.multiply(u, 0.01), v) as NDArray;
  const branches = switchCase(2, [() => np.array(10), () => np.array(20), () => np.array(30)]);  // 30
  const collatzSteps = (n: NDArray) => (whileLoop(
    ([m]: [NDArray, NDArray]) => np.greater(m, 1),
    ([m, k]: [NDArray, NDArray]) => [np.where(np.equal(np.mod(m, 2), 0), np.floorDivide(m, 2), np.add(np.multiply(m, 3), 1)), np.add(k, 1)],
    [n, np.array(0, "int32")],
  ) as [NDArray, NDArray])[1];
  const steps = vmap(collatzSteps)(np.array([6, 7, 27], "int32"));       // [8, 16, 111]: each lane stops on its own
  const factorial = foriLoop(1, 6, (i: NDArray, acc: NDArray) => np.multiply(acc, i), np.array(1, "int32")); // 5! = 120
  const [total, prefix] = scan((c: NDArray, v: NDArray) => [np.add(c, v), c], np.array(0, "float64"), x) as [NDArray, NDArray];
  const dPower = grad((a: NDArray) => (scan((c: NDArray, _: null) => [np.multiply(c, a), null], np.array(1, "float64"), null, { length: 5 }) as [NDArray, null])[0])(np.array(1.5, "float64")); // d a⁵ = 5a⁴
  // GUIDE-END
  show("cond", [values(relu(np.array(-2, "float64"))), values(grad(relu)(np.array(-2, "float64")))]); show("switchCase", branches); show("whileLoop", steps); show("foriLoop", factorial); show("scan", [values(total), values(prefix)]); show("gradScan", dPower);

  // GUIDE: custom rules
  const softplus = customJvp((v: NDArray) => np.log1p(np.exp(v)));
  softplus.defjvp(([v], [t]) => [np.log1p(np.exp(v)), np.multiply(t, np.divide(1, np.add(1, np.exp(np.negative(v)))))]);
  const slope = grad(softplus)(np.array(1000, "float64"));             // 1 (autodiff of the formula: inf/inf = NaN)
  const clipGrad = customVjp((v: NDArray) => v);
  clipGrad.defvjp((v: NDArray) => [v, null] as [NDArray, null], (_res: null, ct: NDArray) => [np.clip(ct, -1, 1)] as [NDArray]);
  const clipped = grad((v: NDArray) => np.sum(np.multiply(clipGrad(v), 5)))(x);  // [1, 1, 1]
  const layer = checkpoint((v: NDArray) => np.tanh(np.multiply(v, 0.5)));   // its intermediates are recomputed in the backward pass
  const remat = grad((v: NDArray) => np.sum(layer(layer(v))))(x);
  // GUIDE-END
  show("customJvp", slope); show("customVjp", clipped); show("checkpoint", remat);

  // GUIDE: jaxpr
  const program = makeJaxpr((v: NDArray) => np.sin(np.multiply(v, 2)))(np.ones([3])).toString();
  checkGrads(f, [x], { order: 2 });                                     // finite differences vs jvp and vjp, up to 2nd order
  // GUIDE-END
  out.jaxpr = program;
  log(program);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
