// Quickstart: grad, vmap, jit and scan on a real problem — logistic regression (setosa vs. the
// rest) on the iris data, trained by gradient descent compiled as one jitted scan.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NDArray, np } from "@fluxion/core";
import { grad, jit, makeJaxpr, scan, valueAndGrad, vmap } from "@fluxion/transforms";

export function loadIris(): { x: NDArray; y: NDArray } {
  const path = fileURLToPath(new URL("./data/iris.csv", import.meta.url));
  const rows = readFileSync(path, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  const x = rows.map((r) => r.slice(0, 4).map(Number));
  const y = rows.map((r) => (r[4]!.includes("setosa") ? 1 : 0));
  return { x: np.array(x), y: np.array(y) };
}

type Params = { w: NDArray; b: NDArray };

export function main(log: (s: string) => void = console.log): { loss: number; accuracy: number; perExampleGradNorms: number[] } {
  const { x, y } = loadIris();
  const mu = np.mean(x, 0);
  const sd = np.std(x, 0);
  const xs = np.divide(np.subtract(x, mu), sd);

  // Mean negative log-likelihood of a logistic model (stable: log(1+e^z) - y z).
  const nll = (p: Params, xb: NDArray, yb: NDArray) => {
    const z = np.add(np.matmul(xb, p.w), p.b);
    return np.mean(np.subtract(np.logaddexp(0, z), np.multiply(yb, z)));
  };

  // 200 gradient steps as ONE jitted program: the loop is a scan inside jit.
  const train = jit((p0: Params) =>
    scan((p: Params, _: null) => {
      const [loss, g] = valueAndGrad(nll as never)(p, xs, y) as [NDArray, Params];
      return [{ w: np.subtract(p.w, np.multiply(g.w, 0.5)), b: np.subtract(p.b, np.multiply(g.b, 0.5)) }, loss] as [Params, NDArray];
    }, p0, null, { length: 200 }),
  );
  const [params, losses] = train({ w: np.zeros([4]), b: np.array(0) }) as [Params, NDArray];
  const lossCurve = losses.toArray() as number[];
  const pred = np.greater(np.add(np.matmul(xs, params.w), params.b), 0);
  const accuracy = np.mean(np.equal(pred, np.greater(y, 0.5))).item();
  log(`loss: ${lossCurve[0]!.toFixed(4)} -> ${lossCurve[lossCurve.length - 1]!.toFixed(4)} after 200 jitted steps`);
  log(`training accuracy: ${accuracy.toFixed(3)}`);

  // Per-example gradients with vmap(grad): one gradient per flower, no Python-style loop.
  const perExample = vmap(grad((p: Params, xi: NDArray, yi: NDArray) => nll(p, np.reshape(xi, [1, 4]), np.reshape(yi, [1])) as NDArray), { inAxes: [null, 0, 0] })(params, xs, y) as Params;
  const norms = np.sqrt(np.sum(np.square(perExample.w), 1)).toArray() as number[];
  log(`per-example gradient norms (first 3): ${norms.slice(0, 3).map((v) => v.toExponential(2)).join(", ")}`);

  log("the program jit compiled for one prediction:");
  log(makeJaxpr((p: Params, xi: NDArray) => np.greater(np.add(np.dot(xi, p.w), p.b), 0))(params, np.zeros([4])).toString());
  return { loss: lossCurve[lossCurve.length - 1]!, accuracy, perExampleGradNorms: norms };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
