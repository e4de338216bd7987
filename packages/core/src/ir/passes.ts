// IR passes: dead-code elimination and common-subexpression elimination.
import { type Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var } from "./jaxpr.js";

/** Drops equations whose outputs are never used, and unused constvars. */
export function dce(closed: ClosedJaxpr): ClosedJaxpr {
  const j = closed.jaxpr;
  const live = new Set<Var>();
  for (const a of j.outvars) if (a instanceof Var) live.add(a);
  const kept: JaxprEqn[] = [];
  for (let i = j.eqns.length - 1; i >= 0; i--) {
    const e = j.eqns[i]!;
    if (e.outputs.some((v) => live.has(v))) {
      kept.push(e);
      for (const a of e.inputs) if (a instanceof Var) live.add(a);
    }
  }
  kept.reverse();
  const constvars: Var[] = [];
  const consts = [];
  for (let i = 0; i < j.constvars.length; i++) {
    if (live.has(j.constvars[i]!)) {
      constvars.push(j.constvars[i]!);
      consts.push(closed.consts[i]!);
    }
  }
  if (kept.length === j.eqns.length && constvars.length === j.constvars.length) return closed;
  return new ClosedJaxpr(new Jaxpr(constvars, j.invars, kept, j.outvars), consts);
}

function paramsKey(params: Readonly<Record<string, unknown>>): string | null {
  try {
    return JSON.stringify(params, (_k, v: unknown) => {
      if (typeof v === "function" || v instanceof Jaxpr || v instanceof ClosedJaxpr) throw new Error("unkeyable");
      return v;
    });
  } catch {
    return null;
  }
}

/** Merges equations with the same primitive, inputs and params (all primitives are pure). */
export function cse(jaxpr: Jaxpr): Jaxpr {
  const ids = new Map<Var, number>();
  const idOf = (a: Atom): string => {
    if (a instanceof Literal) return `L${a.aval}:${a.value}`;
    let id = ids.get(a);
    if (id === undefined) ids.set(a, (id = ids.size));
    return `V${id}`;
  };
  const rename = new Map<Var, Var>();
  const sub = (a: Atom): Atom => (a instanceof Var ? rename.get(a) ?? a : a);
  const seen = new Map<string, JaxprEqn>();
  const eqns: JaxprEqn[] = [];
  for (const e0 of jaxpr.eqns) {
    const e = new JaxprEqn(e0.prim, e0.inputs.map(sub), e0.params, e0.outputs);
    const pk = paramsKey(e.params);
    if (pk !== null) {
      const key = `${e.prim.name}|${e.inputs.map(idOf).join(",")}|${pk}`;
      const prev = seen.get(key);
      if (prev) {
        e.outputs.forEach((v, i) => rename.set(v, prev.outputs[i]!));
        continue;
      }
      seen.set(key, e);
    }
    eqns.push(e);
  }
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars.map(sub));
}
