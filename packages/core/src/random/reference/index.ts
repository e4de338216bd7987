// Public surface of the threefry2x32 reference (test oracle for Fluxion's random module).
export * from "./bits.js";
export * from "./threefry.js";
export * from "./erfinv.js";
export * from "./prng.js";
