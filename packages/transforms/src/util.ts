// Pytree plumbing shared by the user-facing transforms: flattening arguments into arrays and
// rebuilding outputs.
import { NDArray, internal, tree, TransformError } from "@fluxion/core";

type TreeDef = ReturnType<typeof tree.structure>;

export function flattenArgs(args: unknown, what: string): [NDArray[], TreeDef] {
  return internal.flattenArrays(args, what);
}

/** Wraps a pytree function as a flat one; `out.def` holds the output structure after a call. */
export function flatFn(f: (...args: never[]) => unknown, inTree: TreeDef, what: string): { fn: (...leaves: NDArray[]) => NDArray[]; out: { def: TreeDef | null } } {
  const out: { def: TreeDef | null } = { def: null };
  const fn = (...leaves: NDArray[]) => {
    const args = tree.unflatten(inTree, leaves) as unknown[];
    const r = (f as (...a: unknown[]) => unknown)(...args);
    const [outs, def] = flattenArgs(r, what);
    out.def = def;
    return outs;
  };
  return { fn, out };
}

export function normalizeArgnums(argnums: number | readonly number[], nargs: number, what: string): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < -nargs || a >= nargs) {
      throw new TransformError(`${what}: argnums ${JSON.stringify(argnums)} is out of range for a call with ${nargs} positional argument(s).`);
    }
  }
  return list.map((a) => (a < 0 ? a + nargs : a));
}
