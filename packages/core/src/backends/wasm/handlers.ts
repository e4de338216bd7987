// Runtime handlers for equations the fusion planner leaves to the wasm runtime (matmul,
// routines): each takes concrete inputs and returns outputs, or null to use the reference kernel.
import type { ConcreteArray } from "../../array/ndarray.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";

export type EqnHandler = (eqn: JaxprEqn, inputs: readonly ConcreteArray[]) => ConcreteArray[] | null;
export const eqnHandlers = new Map<string, EqnHandler>();
