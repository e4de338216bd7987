// @fluxion/transforms: the user-facing transformations (grad, vjp, jvp, vmap, jit, makeJaxpr),
// control flow, custom derivatives, and test utilities.
export { jvp, vjp, grad, valueAndGrad, jacfwd, jacrev, hessian, type GradOptions } from "./autodiff.js";
export { vmap, type VmapOptions, type AxisSpec } from "./vmap.js";
export { jit, makeJaxpr, type JitOptions, type JittedFunction } from "./jit.js";
export { checkGrads, type CheckGradsOptions } from "./testing/checkGrads.js";
import { lax } from "@fluxion/core";
export const cond = lax.cond;
export const switchCase = lax.switchCase;
export const whileLoop = lax.whileLoop;
export const foriLoop = lax.foriLoop;
export const scan = lax.scan;
export const customJvp = lax.customJvp;
export const customVjp = lax.customVjp;
export const stopGradient = lax.stopGradient;
export const checkpoint = lax.checkpoint;
