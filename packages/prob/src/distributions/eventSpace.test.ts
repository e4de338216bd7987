// defaultEventSpaceBijector: each distribution's bijector maps unconstrained reals into its support, with
// logProb of the image finite, and discrete laws have none (TFP's None).
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import * as tfd from "./index.js";
import { EXAMPLES } from "./testing/registryExamples.js";

const DISCRETE = ["Bernoulli", "Categorical", "OneHotCategorical", "Poisson", "Binomial", "BetaBinomial", "NegativeBinomial", "Geometric", "Multinomial", "DirichletMultinomial", "Deterministic", "VectorDeterministic", "Inflated"];

describe("defaultEventSpaceBijector", () => {
  for (const [name, make] of Object.entries(EXAMPLES)) {
    it(`${name}: ${DISCRETE.includes(name) ? "none for a discrete law" : "unconstrained reals map into the support"}`, () => {
      const d = make();
      const b = d.defaultEventSpaceBijector();
      if (DISCRETE.includes(name)) {
        expect(b).toBeNull();
        return;
      }
      expect(b).not.toBeNull();
      // Unconstrained points of the inverse event shape, batch [3], spread over [-4, 4].
      const eventShape = d.eventShape;
      const unconstrainedEvent = b!.inverseEventShape(eventShape) as number[];
      const shape = [5, 3, ...unconstrainedEvent];
      const n = shape.reduce((a, c) => a * c, 1);
      const z = np.reshape(np.array(Array.from({ length: n }, (_, i) => -4 + (8 * ((i * 7919) % n)) / n), "float64"), shape);
      const x = b!.forward(z) as NDArray;
      expect(x.shape).toEqual([5, 3, ...eventShape]);
      const lp = d.logProb(x);
      expect(lp.shape).toEqual([5, 3]);
      expect(Array.from(lp.dataSync()).every(Number.isFinite), `${name} logProb of bijected points: ${Array.from(lp.dataSync())}`).toBe(true);
    });
  }

  it("Uniform's bijector is Sigmoid(low, high) and hits the interval", () => {
    const d = new tfd.Uniform({ low: np.array([2], "float64"), high: np.array([5], "float64") });
    const x = (d.defaultEventSpaceBijector()!.forward(np.array([-30, 0, 30], "float64")) as NDArray).dataSync();
    expect(x[1]).toBeCloseTo(3.5, 12);
    expect(x[0]).toBeGreaterThanOrEqual(2);
    expect(x[2]).toBeLessThanOrEqual(5);
  });
});
