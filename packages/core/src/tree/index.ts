// Public surface of the pytree module; the core package re-exports it as the namespace `tree`.
export {
  flatten,
  unflatten,
  leaves,
  structure,
  map,
  mapWith,
  reduce,
  flattenWithPaths,
  treePaths,
  broadcastPrefix,
  broadcastPrefixToStructure,
  type TreeOptions,
  type BroadcastPrefixOptions,
} from "./api.js";
export { TreeDef, formatPath, type IsLeaf, type NodeKind, type PathSegment } from "./treedef.js";
export {
  registerPytreeNode,
  isRegisteredPytreeNode,
  type NodeClass,
  type FlattenNode,
  type UnflattenNode,
} from "./registry.js";
export { deepEqual, renderValue } from "./auxdata.js";
export { TreeStructureError, PytreeRegistrationError } from "./errors.js";
