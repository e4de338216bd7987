// tidy(): frees every array created inside a function except those it returns.
import { leaves } from "../tree/index.js";
import { ConcreteArray } from "./ndarray.js";
import { type Disposable, runInScope } from "./memory.js";
import { Tracer } from "../trace/core.js";

function collect(x: unknown, out: Disposable[]): void {
  for (const l of leaves(x)) {
    if (l instanceof ConcreteArray) out.push(l);
    else if (l instanceof Tracer) for (const h of l.heldArrays()) collect(h, out);
  }
}

/** Runs `fn`; arrays created inside it are disposed when it returns, except those in its result. */
export function tidy<T>(fn: () => T): T {
  return runInScope(fn, (r) => {
    const out: Disposable[] = [];
    collect(r, out);
    return out;
  });
}
