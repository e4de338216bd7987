// Value equality and deterministic rendering for registered nodes' auxData, so that
// `a.equals(b)` holds exactly when `a.toString() === b.toString()` (treedefs are cache keys).
import { TreeStructureError } from "./errors.js";

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isPlainArray(value: object): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

/**
 * Deep equality over primitives (Object.is, so NaN equals NaN and 0 differs from -0),
 * plain arrays and plain objects (own enumerable string keys); any other object or
 * function is compared by identity. Throws on cyclic data rather than looping.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  return deepEqualWithin(a, b, new Set<object>());
}

function deepEqualWithin(a: unknown, b: unknown, ancestors: Set<object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (ancestors.has(a)) throw new TreeStructureError("deepEqual: auxData contains a cycle; auxData must be acyclic");
  if (isPlainArray(a)) {
    if (!isPlainArray(b) || a.length !== b.length) return false;
    ancestors.add(a);
    for (let i = 0; i < a.length; i++) {
      if (!deepEqualWithin(a[i], b[i], ancestors)) return ancestors.delete(a) && false;
    }
    ancestors.delete(a);
    return true;
  }
  if (isPlainObject(a)) {
    if (isPlainArray(b) || !isPlainObject(b)) return false;
    const keysA = Object.keys(a).sort();
    const keysB = Object.keys(b).sort();
    if (keysA.length !== keysB.length || keysA.some((key, i) => key !== keysB[i])) return false;
    ancestors.add(a);
    const recordA = a as Record<string, unknown>;
    const recordB = b as Record<string, unknown>;
    for (const key of keysA) {
      if (!deepEqualWithin(recordA[key], recordB[key], ancestors)) return ancestors.delete(a) && false;
    }
    ancestors.delete(a);
    return true;
  }
  return false;
}

// Identity-compared values get a per-process serial number so their rendering is unique.
let nextIdentitySerial = 1;
const identitySerials = new WeakMap<object, number>();
const symbolSerials = new Map<symbol, number>();

function identitySerial(value: object): number {
  let serial = identitySerials.get(value);
  if (serial === undefined) {
    serial = nextIdentitySerial++;
    identitySerials.set(value, serial);
  }
  return serial;
}

const identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** An object key as written in a JS literal: bare when it is an identifier, else JSON-quoted. */
export function renderKey(key: string): string {
  return identifierPattern.test(key) ? key : JSON.stringify(key);
}

/** JSON-like, deterministic (sorted keys) rendering whose equality matches `deepEqual`. */
export function renderValue(value: unknown): string {
  return renderWithin(value, new Set<object>());
}

function renderWithin(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "boolean":
      return String(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "string":
      return JSON.stringify(value);
    case "symbol": {
      let serial = symbolSerials.get(value);
      if (serial === undefined) {
        serial = nextIdentitySerial++;
        symbolSerials.set(value, serial);
      }
      return `<${value.toString()}#${serial}>`;
    }
    case "function":
      return `<function ${value.name === "" ? "anonymous" : value.name}#${identitySerial(value)}>`;
    case "object":
      break;
  }
  if (value === null) return "null";
  const object = value as object;
  if (ancestors.has(object)) throw new TreeStructureError("renderValue: auxData contains a cycle; auxData must be acyclic");
  if (isPlainArray(object)) {
    ancestors.add(object);
    const parts: string[] = [];
    for (let i = 0; i < object.length; i++) parts.push(renderWithin(object[i], ancestors));
    ancestors.delete(object);
    return `[${parts.join(", ")}]`;
  }
  if (isPlainObject(object)) {
    ancestors.add(object);
    const record = object as Record<string, unknown>;
    const parts = Object.keys(record)
      .sort()
      .map((key) => `${renderKey(key)}: ${renderWithin(record[key], ancestors)}`);
    ancestors.delete(object);
    return `{${parts.join(", ")}}`;
  }
  const constructorName = (Object.getPrototypeOf(object) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  const className = typeof constructorName === "string" && constructorName !== "" ? constructorName : "object";
  return `<${className}#${identitySerial(object)}>`;
}
