// Autodiff API over pytrees: jvp, vjp, grad, valueAndGrad, jacfwd, jacrev, hessian.
import { NDArray, internal, np, tree, TransformError, DTypeError } from "@fluxion/core";
import { flatFn, flattenArgs, normalizeArgnums } from "./util.js";
import { vmap } from "./vmap.js";

type Fn = (...args: never[]) => unknown;
const isFloat = (d: string) => d === "float32" || d === "float64";
const instantiate = (t: NDArray | InstanceType<typeof internal.Zero>): NDArray => (t instanceof internal.Zero ? internal.zerosFor(t.aval) : t);

/** `jvp(f, primals, tangents)` -> `[f(...primals), tangentOut]` (pytrees). */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [unknown, unknown] {
  const [pl, pdef] = flattenArgs([...primals], "jvp primals");
  const [tl, tdef] = flattenArgs([...tangents], "jvp tangents");
  if (!pdef.equals(tdef)) throw new TransformError(`jvp: primals and tangents must have the same structure, got ${pdef} and ${tdef}.`);
  tl.forEach((t, i) => {
    const p = pl[i]!;
    if (t.shape.join() !== p.shape.join()) throw new TransformError(`jvp: tangent ${i} has shape [${t.shape}] but its primal has shape [${p.shape}].`);
  });
  const { fn, out } = flatFn(f, pdef, "jvp output");
  const tangentsIn = tl.map((t, i) => (isFloat(pl[i]!.dtype) ? (t.dtype === pl[i]!.dtype ? t : internal.convert(t, pl[i]!.dtype)) : new internal.Zero(internal.tangentAval(pl[i]!.aval))));
  const [po, to] = internal.jvpFlat(fn, pl, tangentsIn);
  return [tree.unflatten(out.def!, po), tree.unflatten(out.def!, to.map(instantiate))];
}

/** `vjp(f, ...primals)` -> `[out, vjpFn]`; `vjpFn(ct)` returns one cotangent per primal (as an array). */
export function vjp(f: Fn, ...primals: unknown[]): [unknown, (ct: unknown) => unknown[]] {
  const [pl, pdef] = flattenArgs(primals, "vjp primals");
  const { fn, out } = flatFn(f, pdef, "vjp output");
  const [outs, pullback] = internal.vjpFlat(fn, pl);
  const outDef = out.def!;
  const vjpFn = (ct: unknown): unknown[] => {
    const [cl, cdef] = flattenArgs(ct, "vjp cotangent");
    if (!cdef.equals(outDef)) throw new TransformError(`vjp: the cotangent must have the output's structure ${outDef}, got ${cdef}.`);
    cl.forEach((c, i) => {
      if (c.shape.join() !== outs[i]!.shape.join()) throw new TransformError(`vjp: cotangent ${i} has shape [${c.shape}] but the output has shape [${outs[i]!.shape}].`);
    });
    const cts = pullback(cl.map((c, i) => (c.dtype === outs[i]!.dtype ? c : internal.convert(c, outs[i]!.dtype))));
    return tree.unflatten(pdef, cts.map((c, i) => (c instanceof internal.Zero ? internal.zerosFor(internal.tangentAval(pl[i]!.aval)) : c))) as unknown[];
  };
  return [tree.unflatten(outDef, outs), vjpFn];
}

export interface GradOptions {
  argnums?: number | readonly number[];
  hasAux?: boolean;
}

/** `valueAndGrad(f, {argnums, hasAux})(...args)` -> `[value, grads]` (or `[[value, aux], grads]`). */
export function valueAndGrad(f: Fn, opts: GradOptions = {}): (...args: unknown[]) => [unknown, unknown] {
  const name = f.name || "f";
  return (...args: unknown[]) => {
    const argnums = normalizeArgnums(opts.argnums ?? 0, args.length, `grad(${name})`);
    const diffArgs = argnums.map((i) => args[i]);
    const [leaves, def] = flattenArgs(diffArgs, `grad(${name}) arguments`);
    leaves.forEach((l, i) => {
      if (!isFloat(l.dtype)) {
        throw new DTypeError(`grad(${name}): differentiated argument leaf ${i} has dtype ${l.dtype}; grad needs float inputs. Convert it with .astype("float32"), or exclude it with argnums.`);
      }
    });
    // Aux leaves are extra primal outputs of the linearized function (cotangent zero), so they come
    // back as concrete values (or outer-trace values), never as tracers of the finished trace.
    let auxDef: ReturnType<typeof tree.structure> | null = null;
    let auxAll: unknown[] = [];
    const flat = (...xs: NDArray[]) => {
      const dargs = tree.unflatten(def, xs) as unknown[];
      const full = [...args];
      argnums.forEach((a, k) => (full[a] = dargs[k]));
      let r = (f as (...a: unknown[]) => unknown)(...full);
      let auxLeaves: NDArray[] = [];
      if (opts.hasAux) {
        if (!Array.isArray(r) || r.length !== 2) throw new TransformError(`grad(${name}) with hasAux: the function must return [value, aux], got ${Array.isArray(r) ? `an array of length ${r.length}` : typeof r}.`);
        const [al, ad] = tree.flatten(r[1]);
        auxDef = ad;
        auxAll = al;
        auxLeaves = al.filter((l): l is NDArray => l instanceof NDArray);
        r = r[0];
      }
      const v = r instanceof NDArray ? r : np.asarray(r as number);
      if (v.ndim !== 0) throw new TransformError(`grad(${name}): the function must return a scalar, got shape [${v.shape}]. Use jacrev / vjp for non-scalar outputs, or reduce (e.g. .sum()).`);
      if (!isFloat(v.dtype)) throw new DTypeError(`grad(${name}): the function must return a float scalar, got ${v.dtype}.`);
      return [v, ...auxLeaves];
    };
    const [outs, pullback] = internal.vjpFlat(flat, leaves);
    const y = outs[0]!;
    const cts = pullback([internal.full([], 1, y.dtype), ...outs.slice(1).map((o) => new internal.Zero(internal.tangentAval(o.aval)))]);
    const grads = tree.unflatten(def, cts.map((c, i) => (c instanceof internal.Zero ? internal.zerosFor(leaves[i]!.aval) : c))) as unknown[];
    const g = typeof opts.argnums === "number" || opts.argnums === undefined ? grads[0] : grads;
    let k = 1;
    const aux = auxDef ? tree.unflatten(auxDef, auxAll.map((l) => (l instanceof NDArray ? outs[k++] : l))) : undefined;
    return [opts.hasAux ? [y, aux] : y, g];
  };
}

/** `grad(f, {argnums, hasAux})`: the gradient of a scalar function (with aux: `[grads, aux]`). */
export function grad(f: Fn, opts: GradOptions = {}): (...args: unknown[]) => unknown {
  const vg = valueAndGrad(f, opts);
  return (...args: unknown[]) => {
    const [v, g] = vg(...args);
    return opts.hasAux ? [g, (v as unknown[])[1]] : g;
  };
}

/** Jacobian by forward mode: output leaf shape + input leaf shape (for a single argnum and array in/out). */
export function jacfwd(f: Fn, opts: { argnums?: number } = {}): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const a = normalizeArgnums(opts.argnums ?? 0, args.length, "jacfwd")[0]!;
    const x = args[a] instanceof NDArray ? (args[a] as NDArray) : np.asarray(args[a] as number);
    const n = x.size;
    const eye = np.reshape(np.eye(n, n, 0, x.dtype), [n, ...x.shape]);
    const pushfwd = (v: NDArray) => {
      const full = [...args];
      full[a] = x;
      const [, t] = jvp((xx: never) => { const fa = [...args]; fa[a] = xx; return (f as (...q: unknown[]) => unknown)(...fa); }, [x], [v]);
      return t;
    };
    const cols = vmap(pushfwd as Fn, { inAxes: 0, outAxes: -1 })(eye);
    return tree.map((c: unknown) => {
      const arr = c as NDArray;
      return np.reshape(arr, [...arr.shape.slice(0, arr.ndim - 1), ...x.shape]);
    }, cols);
  };
}

/** Jacobian by reverse mode: output leaf shape + input leaf shape. */
export function jacrev(f: Fn, opts: { argnums?: number } = {}): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const a = normalizeArgnums(opts.argnums ?? 0, args.length, "jacrev")[0]!;
    const x = args[a] instanceof NDArray ? (args[a] as NDArray) : np.asarray(args[a] as number);
    const g = (xx: never) => { const fa = [...args]; fa[a] = xx; return (f as (...q: unknown[]) => unknown)(...fa); };
    const [y, pullback] = vjp(g, x);
    const [yl, ydef] = flattenArgs(y, "jacrev output");
    const rows = yl.map((yi, k) => {
      const m = yi.size;
      const basis = np.reshape(np.eye(m, m, 0, yi.dtype), [m, ...yi.shape]);
      const pb = (u: NDArray) => {
        const cts = yl.map((o, j) => (j === k ? u : internal.zerosFor(o.aval)));
        return pullback(tree.unflatten(ydef, cts))[0] as NDArray;
      };
      const jac = vmap(pb as Fn)(basis) as NDArray;
      return np.reshape(jac, [...yi.shape, ...x.shape]);
    });
    return tree.unflatten(ydef, rows);
  };
}

/** Hessian as jacfwd(jacrev(f)). */
export function hessian(f: Fn, opts: { argnums?: number } = {}): (...args: unknown[]) => unknown {
  return jacfwd(jacrev(f, opts) as Fn, opts);
}
