// vmap's per-lane while loop, recognised structurally (backend-neutral): the cond is reduce_or over
// the lane axis of a per-lane predicate P, and every carry is updated through select(P, next, old),
// so a lane whose P is false never changes. Backends may then run each lane to its own trip count
// (webgpu: one invocation per lane; wasm programs: one driver loop per lane).
import { debugLog } from "../../debug.js";
import { type Atom, type Jaxpr, type JaxprEqn, Literal, Var } from "../../ir/jaxpr.js";

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
export function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}
function paramKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === "object" && !Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype ? `#${objectId(x)}` : x));
}

/** A key per var: equal keys mean the same computation of the same inputs. */
export function valueKeys(j: Jaxpr, inputKeys: readonly string[], interned: Map<string, string> = new Map()): Map<Var, string> {
  const keys = new Map<Var, string>();
  j.invars.forEach((v, i) => keys.set(v, inputKeys[i]!));
  const atomKey = (a: Atom) => (a instanceof Literal ? `lit:${a.value}:${a.aval.dtype}` : keys.get(a)!);
  for (const e of j.eqns) {
    // Hash-consed: an equation's key names its inputs' short keys, so keys stay small however deep
    // the jaxpr (spelled out in full they grow exponentially: jit(vmap(lbfgs)) ran out of memory).
    const full = `${e.prim.name}(${paramKey(e.params)})[${e.inputs.map(atomKey).join(",")}]`;
    let base = interned.get(full);
    if (base === undefined) interned.set(full, (base = `e${interned.size}`));
    e.outputs.forEach((v, k) => keys.set(v, `${base}#${k}`));
  }
  return keys;
}

export function producer(j: Jaxpr, v: Atom): JaxprEqn | null {
  if (!(v instanceof Var)) return null;
  return j.eqns.find((e) => e.outputs.includes(v)) ?? null;
}

export interface LanePattern {
  /** The per-lane predicate (bool[B]) inside the cond jaxpr. */
  readonly pred: Var;
  readonly lanes: number;
}

/**
 * Recognises the loop vmap builds for a batched predicate and proves that the body leaves a lane
 * unchanged once its predicate is false; null when it does not hold.
 */
export function lanePattern(eqn: JaxprEqn, inputKeys: readonly string[]): LanePattern | null {
  const { condJaxpr, bodyJaxpr, condNConsts: nc, bodyNConsts: nb } = eqn.params as unknown as WhileParamsLike;
  const no = (why: string) => {
    debugLog(3, () => `whileLoop is not vmap's per-lane loop: ${why}`);
    return null;
  };
  const red = producer(condJaxpr, condJaxpr.outvars[0]!);
  if (!red || red.prim.name !== "reduce_or" || (red.params.axes as number[]).join() !== "0") return no("its predicate is not a reduce_or over axis 0");
  const pred = red.inputs[0];
  if (!(pred instanceof Var) || pred.aval.ndim !== 1) return no("its predicate is not per lane");
  const lanes = pred.aval.shape[0]!;
  const carries = bodyJaxpr.outvars.length;
  // One intern table for both: equal computations in the cond and the body get equal keys.
  const interned = new Map<string, string>();
  const condKeys = valueKeys(condJaxpr, [...inputKeys.slice(0, nc), ...Array.from({ length: carries }, (_, k) => `carry:${k}`)], interned);
  const bodyKeys = valueKeys(bodyJaxpr, [...inputKeys.slice(nc, nc + nb), ...Array.from({ length: carries }, (_, k) => `carry:${k}`)], interned);
  const predKey = condKeys.get(pred)!;
  for (let j = 0; j < carries; j++) {
    const out = bodyJaxpr.outvars[j]!;
    if (bodyJaxpr.invars[nb + j]!.aval.shape[0] !== lanes) return no(`carry ${j} has no lane axis`);
    const sel = producer(bodyJaxpr, out);
    if (!sel || sel.prim.name !== "select_n" || sel.inputs.length !== 3) return no(`carry ${j} is not updated through a select`);
    const [q, onFalse] = sel.inputs;
    if (!(onFalse instanceof Var) || bodyKeys.get(onFalse) !== `carry:${j}`) return no(`carry ${j}'s select does not keep the old value`);
    let qv = q instanceof Var ? q : null;
    const b = qv ? producer(bodyJaxpr, qv) : null;
    if (b && b.prim.name === "broadcast_in_dim" && ((b.params.broadcastDimensions as number[])[0] === 0)) qv = b.inputs[0] instanceof Var ? b.inputs[0] : null;
    if (!qv || bodyKeys.get(qv) !== predKey) return no(`carry ${j}'s select is not on the loop predicate (${qv ? bodyKeys.get(qv)?.slice(0, 200) : "literal"} vs ${predKey.slice(0, 200)})`);
  }
  return { pred, lanes };
}

export interface WhileParamsLike { condJaxpr: Jaxpr; bodyJaxpr: Jaxpr; condNConsts: number; bodyNConsts: number }
