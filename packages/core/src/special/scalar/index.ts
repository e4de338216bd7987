// Scalar float64 special functions: the reference definitions behind Fluxion's `special` primitives.
export { betaln, cosPi, digamma, gamma, gammaSign, hurwitzZeta, lgamma, lgamma1p, polygamma, sinPi, trigamma } from "./gamma.js";
export { erf, erfc, erfcinv, erfcx, erfinv, logNdtr, ndtr, ndtri } from "./erf.js";
export { gammainc, gammaincc, gammainccinv, gammaincDa, gammaincinv, gammaPrefix, log1pmx } from "./incompleteGamma.js";
export { betainc, betaincDa, betaincDb, betaincinv } from "./incompleteBeta.js";
export { besselI0e, besselI1e } from "./bessel.js";
export { log1mexp, log1pexp, logAddExp } from "./logexp.js";
