// Registry of user classes that act as pytree nodes (JAX's register_pytree_node), keyed by
// exact prototype so that subclasses must register themselves, as in JAX.
import { PytreeRegistrationError } from "./errors.js";

/** Anything with a `prototype` whose instances are `T`: ordinary, abstract or private-constructor classes. */
export interface NodeClass<T> {
  readonly prototype: T;
  readonly name: string;
}

/** Splits a node into its children (pytrees themselves) and static auxiliary data. */
export type FlattenNode<T, Aux> = (node: T) => readonly [children: readonly unknown[], auxData: Aux];
/** Rebuilds a node from its auxiliary data and (possibly transformed) children. */
export type UnflattenNode<T, Aux> = (auxData: Aux, children: unknown[]) => T;

/** One registered class; `displayName` is unique among registrations so printed treedefs stay unambiguous. */
export interface NodeRegistration {
  readonly nodeClass: NodeClass<unknown>;
  readonly displayName: string;
  readonly flatten: FlattenNode<unknown, unknown>;
  readonly unflatten: UnflattenNode<unknown, unknown>;
}

const registrationsByPrototype = new Map<unknown, NodeRegistration>();
const displayNamesInUse = new Set<string>();

/**
 * Makes instances of `nodeClass` (exactly that class, not subclasses) pytree nodes.
 * `flatten(node)` returns `[children, auxData]`; `unflatten(auxData, children)` rebuilds it.
 * auxData must be comparable by value: primitives, arrays and plain objects compare deeply,
 * anything else (functions, class instances) by identity.
 */
export function registerPytreeNode<T, Aux = unknown>(
  nodeClass: NodeClass<T>,
  flatten: FlattenNode<T, Aux>,
  unflatten: UnflattenNode<T, Aux>,
): void {
  const classValue: unknown = nodeClass;
  const prototype: unknown = typeof classValue === "function" ? nodeClass.prototype : undefined;
  if (typeof prototype !== "object" || prototype === null) {
    throw new PytreeRegistrationError(
      `registerPytreeNode: expected a class, got ${typeof classValue}; pass the class itself, e.g. registerPytreeNode(Point, ...)`,
    );
  }
  if (prototype === Object.prototype || prototype === Array.prototype) {
    throw new PytreeRegistrationError(
      `registerPytreeNode: ${nodeClass.name} is built in as a pytree node and cannot be re-registered`,
    );
  }
  const existing = registrationsByPrototype.get(prototype);
  if (existing !== undefined) {
    throw new PytreeRegistrationError(
      `registerPytreeNode: class ${existing.displayName} is already registered as a pytree node; register each class once`,
    );
  }
  const baseName = nodeClass.name === "" ? "AnonymousNode" : nodeClass.name;
  let displayName = baseName;
  for (let suffix = 2; displayNamesInUse.has(displayName); suffix++) displayName = `${baseName}#${suffix}`;
  displayNamesInUse.add(displayName);
  registrationsByPrototype.set(prototype, {
    nodeClass: nodeClass as NodeClass<unknown>,
    displayName,
    flatten: flatten as FlattenNode<unknown, unknown>,
    unflatten: unflatten as UnflattenNode<unknown, unknown>,
  });
}

/** The registration for `prototype`, if its class was registered. */
export function registrationForPrototype(prototype: unknown): NodeRegistration | undefined {
  return registrationsByPrototype.get(prototype);
}

/** Whether instances of `nodeClass` are pytree nodes (built in or registered). */
export function isRegisteredPytreeNode(nodeClass: NodeClass<unknown>): boolean {
  const prototype: unknown = nodeClass.prototype;
  return prototype === Object.prototype || prototype === Array.prototype || registrationsByPrototype.has(prototype);
}
