// Error classes of the pytree module: structure mismatches and registry misuse.
import { FluxionError } from "../errors.js";

/** Two pytrees (or a pytree and a treedef, or a prefix and a full tree) do not line up. */
export class TreeStructureError extends FluxionError {}

/** A class was registered twice, or something that is not a class was registered. */
export class PytreeRegistrationError extends FluxionError {}
