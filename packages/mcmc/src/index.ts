// @fluxion/mcmc: placeholder entry point; this package is built in a later issue and exports nothing yet.
export {};
