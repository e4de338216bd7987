// Prints the stages that docs/internals.md walks through: the linearized (tangent) jaxpr of
// grad(f), the staged grad program, and, with FLUXION_DEBUG=3 or 4, jit's plan, kernels and driver.
// Usage: FLUXION_DEBUG=4 pnpm exec tsx docs/internals_demo.ts [wasm|webgpu|js]
import { NDArray, internal, np, init, setDefaultDevice, type Device } from "@fluxion/core";
import { foriLoop, grad, jit, makeJaxpr } from "@fluxion/transforms";

const f = (x: NDArray) => np.sum(np.multiply(np.sin(x), x));
const x = np.array([1, 2, 3]);

// Reverse mode step 1: JVP staged by a partial trace -> primal value, residuals, linear jaxpr.
const lin = internal.linearizeFlat((a: NDArray) => [f(a)], [x]);
console.log("primal out:", lin.primalsOut[0]!.item());
console.log("residuals:", lin.residuals.map((r) => `${r.dtype}[${r.shape}] ${JSON.stringify(r.toArray())}`));
console.log(lin.jaxpr.toString());
console.log("makeJaxpr(f):\n" + makeJaxpr(f)(x).toString());
console.log("makeJaxpr(grad(f)):\n" + makeJaxpr(grad(f))(x).toString());

const device = (process.argv[2] ?? "wasm") as Device;
if (device !== "js") await init(device);
setDefaultDevice(device);
const g = jit(grad(f));
console.log("jit(grad(f)) on linspace(0, 1, 1000), first values:", Array.from((g(np.linspace(0, 1, 1000)) as NDArray).dataSync()).slice(0, 3));
const halveTenTimes = jit((c0: NDArray) => foriLoop(0, 10, (_i: NDArray, c: NDArray) => np.add(np.multiply(c, 0.5), 1), c0));
console.log("foriLoop c <- 0.5 c + 1, ten times from 0:", Array.from((halveTenTimes(np.zeros([1000])) as NDArray).dataSync()).slice(0, 2));
