// Scalar continuous distributions against scipy/mpmath fixtures (scripts/fixtures/gen_distributions.py):
// float64 to ~1e-10 relative, float32 loosely on the well-conditioned part of each support; logProb gradients
// (parameters and value) against finite differences.
import { runFixtureSuite } from "./testing/fixtureSuite.js";

runFixtureSuite("continuous.json", {
  differentiateValue: true,
  f64Overrides: {
    // Hill's normal approximation (concentration >= 10.5) is accurate to ~1e-9, as in TFP and scipy's own.
    VonMises: { cdf: { rtol: 1e-8, atol: 1e-10 } },
  },
});
