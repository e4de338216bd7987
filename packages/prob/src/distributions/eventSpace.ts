// Supports of the distributions, described as data (TFP's _default_event_space_bijector choices); the bijectors
// package turns a description into the bijector from unconstrained reals onto that support.
import { type AnyBijector, type SupportDescription, eventSpaceBijector as bijectorFor } from "../bijectors/index.js";

/** A distribution's support: "real", "positive", "interval", "simplex", ..., or "discrete" (no bijector). */
export type EventSpace = SupportDescription;

/** The default event-space bijector for a support (null for discrete supports, as TFP's None). */
export function eventSpaceBijector(space: EventSpace): AnyBijector | null {
  return bijectorFor(space);
}
