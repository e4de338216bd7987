// The IR: typed SSA equations over variables, in the style of JAX's jaxprs, with a readable printer.
import type { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import type { Params, Primitive } from "../trace/primitive.js";

export class Var {
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant inlined into an equation. */
export class Literal {
  constructor(readonly value: number, readonly aval: ShapedArray) {}
}

export type Atom = Var | Literal;

export class JaxprEqn {
  constructor(
    readonly prim: Primitive,
    readonly inputs: readonly Atom[],
    readonly params: Params,
    readonly outputs: readonly Var[],
  ) {}
}

export class Jaxpr {
  constructor(
    readonly constvars: readonly Var[],
    readonly invars: readonly Var[],
    readonly eqns: readonly JaxprEqn[],
    readonly outvars: readonly Atom[],
  ) {}
  get inAvals(): ShapedArray[] { return this.invars.map((v) => v.aval); }
  get outAvals(): ShapedArray[] { return this.outvars.map((v) => v.aval); }
  toString(): string { return printJaxpr(this, new Namer(), 0); }
}

/** A jaxpr together with the values of its constvars. */
export class ClosedJaxpr {
  constructor(readonly jaxpr: Jaxpr, readonly consts: readonly NDArray[]) {}
  toString(): string { return this.jaxpr.toString(); }
}

class Namer {
  private names = new Map<Var, string>();
  name(v: Var): string {
    let n = this.names.get(v);
    if (n === undefined) {
      n = Namer.label(this.names.size);
      this.names.set(v, n);
    }
    return n;
  }
  // a..z, ba..bz, ca.. as JAX does.
  private static label(i: number): string {
    let s = "";
    let k = i;
    do {
      s = String.fromCharCode(97 + (k % 26)) + s;
      k = Math.floor(k / 26);
    } while (k > 0);
    return s;
  }
}

export function formatLiteral(l: Literal): string {
  const v = l.value;
  if (l.aval.dtype === "bool") return v ? "True" : "False";
  if (l.aval.dtype === "float32" || l.aval.dtype === "float64") {
    if (Number.isInteger(v)) return `${v}.0`;
    return l.aval.dtype === "float32" ? String(Number(v.toPrecision(8))) : String(v);
  }
  return String(v);
}

function atom(a: Atom, n: Namer): string {
  return a instanceof Literal ? formatLiteral(a) : n.name(a);
}

const isJaxprLike = (v: unknown): boolean =>
  v instanceof Jaxpr || v instanceof ClosedJaxpr || (Array.isArray(v) && v.some((x) => x instanceof Jaxpr || x instanceof ClosedJaxpr));

/** A param value; `indent` is the column nested jaxpr lines continue at. */
function printParam(v: unknown, n: Namer, indent: number): string {
  if (v instanceof Jaxpr) return printJaxpr(v, n, indent);
  if (v instanceof ClosedJaxpr) return printJaxpr(v.jaxpr, n, indent);
  if (Array.isArray(v)) {
    if (isJaxprLike(v)) {
      const pad = " ".repeat(indent + 2);
      return "(\n" + v.map((x) => pad + printParam(x, n, indent + 2)).join("\n") + "\n" + " ".repeat(indent) + ")";
    }
    return `(${v.map((x) => printParam(x, n, indent)).join(", ")}${v.length === 1 ? "," : ""})`;
  }
  if (typeof v === "function") return v.name || "<fn>";
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Prints a jaxpr whose first line starts at the caller's cursor and whose other lines are indented by `indent`. */
function printJaxpr(j: Jaxpr, n: Namer, indent: number): string {
  const pad = " ".repeat(indent);
  const decl = (v: Var) => `${n.name(v)}:${v.aval}`;
  const head = `{ lambda ${j.constvars.map(decl).join(" ")}${j.constvars.length ? " " : ""}; ${j.invars.map(decl).join(" ")}. let`;
  const lines = [head];
  for (const e of j.eqns) {
    const lhs = e.outputs.map(decl).join(" ");
    const entries = Object.entries(e.params).filter(([, v]) => v !== undefined);
    let ps: string;
    if (e.prim.printParams) ps = `[${e.prim.printParams(e.params)}]`;
    else if (entries.some(([, v]) => isJaxprLike(v))) {
      // Params holding jaxprs go one per line, JAX style.
      const inner = " ".repeat(indent + 6);
      ps = "[\n" + entries.map(([k, v]) => `${inner}${k}=${printParam(v, n, indent + 6)}`).join("\n") + `\n${pad}    ]`;
    } else ps = entries.length ? `[${entries.map(([k, v]) => `${k}=${printParam(v, n, indent)}`).join(" ")}]` : "";
    const args = e.inputs.map((a) => atom(a, n)).join(" ");
    lines.push(`${pad}    ${lhs} = ${e.prim.name}${ps}${args ? " " + args : ""}`);
  }
  const outs = j.outvars.map((a) => atom(a, n)).join(", ");
  lines.push(`${pad}  in (${outs}${j.outvars.length === 1 ? "," : ""}) }`);
  return lines.join("\n");
}
