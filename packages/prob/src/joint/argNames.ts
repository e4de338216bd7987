// Reads the declared parameter names of a JS function from its source text: JointDistributionNamed wires
// dependencies by argument name (as TFP does with Python's argspec), and JointDistributionSequential names parts by them.

/** What a distribution-making function declares: required parameter names (those before any default/rest). */
export interface ArgSpec {
  /** Names of the required parameters, or null for one that cannot be named (destructuring). */
  names: (string | null)[];
  /** Whether the function takes `...rest` parameters. */
  hasRest: boolean;
}

const cache = new WeakMap<Function, ArgSpec>();

/** Source text without comments (string literals are kept intact). */
function stripComments(src: string): string {
  let out = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 1;
      out += " ";
    } else if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i + 2);
      i = end < 0 ? src.length : end - 1;
      out += " ";
    } else {
      out += c;
    }
  }
  return out;
}

/** The text between the parenthesis at `open` and its match. */
function parenthesized(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      i = j;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return src.slice(open + 1, i);
    }
  }
  throw new Error("unbalanced parentheses");
}

/** Splits a parameter list at top-level commas. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < list.length && list[j] !== c) j += list[j] === "\\" ? 2 : 1;
      i = j;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** The raw parameter list of a function's source. */
function parameterList(src: string): string {
  let s = src.trim();
  if (s.startsWith("async") && /^async[\s(]/.test(s)) s = s.slice(5).trim();
  const arrowSingle = /^([A-Za-z_$][\w$]*)\s*=>/.exec(s);
  if (arrowSingle) return arrowSingle[1]!;
  const open = s.indexOf("(");
  if (open < 0) return "";
  return parenthesized(s, open);
}

/**
 * The required parameters of `fn`, as Python's getfullargspec would list them for TFP: parameters with
 * defaults and after them are not required (JS `fn.length` counts the same ones).
 */
export function argSpec(fn: Function): ArgSpec {
  const hit = cache.get(fn);
  if (hit) return hit;
  let params: string[] = [];
  try {
    params = splitTopLevel(parameterList(stripComments(Function.prototype.toString.call(fn))));
  } catch {
    params = [];
  }
  const names: (string | null)[] = [];
  let hasRest = false;
  for (const p of params) {
    if (p.startsWith("...")) {
      hasRest = true;
      break;
    }
    if (p.includes("=") && !p.startsWith("{") && !p.startsWith("[")) break;
    if (p.startsWith("{") || p.startsWith("[")) {
      if (/=\s*[^>]/.test(p.slice(p.lastIndexOf(p.startsWith("{") ? "}" : "]") + 1))) break;
      names.push(null);
      continue;
    }
    names.push(p.split(":")[0]!.trim());
  }
  // fn.length is authoritative for the count (it survives any source text we failed to parse).
  const count = fn.length;
  const spec: ArgSpec = { names: Array.from({ length: count }, (_, i) => names[i] ?? null), hasRest };
  cache.set(fn, spec);
  return spec;
}
