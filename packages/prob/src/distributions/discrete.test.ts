// Scalar discrete distributions (logits and probs parameterizations) against scipy fixtures
// (scripts/fixtures/gen_distributions.py), float64 tight and float32 loose; logProb gradients in the parameters.
import { runFixtureSuite } from "./testing/fixtureSuite.js";

runFixtureSuite("discrete.json", { differentiateValue: false });
