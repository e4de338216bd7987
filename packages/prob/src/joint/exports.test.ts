// The package entry exposes the joint/GP/HMM/KL/VI API as API.md shows it (import through "@fluxion/prob").
import { expect, it } from "vitest";
import { np, random } from "@fluxion/core";
import { distributions as tfd, psdKernels as tfpk, klDivergence, vi, JointDistributionSequential, JointDistributionCoroutine, Root, GaussianProcess, HiddenMarkovModel, type ModelGenerator } from "@fluxion/prob";

it("API.md's imports work from the package entry", () => {
  const jd = new JointDistributionSequential([new tfd.Normal({ loc: 0, scale: 1 }), (w) => new tfd.Normal({ loc: w, scale: 1 })]);
  expect((jd.sample(random.key(0), [2]) as unknown[]).length).toBe(2);
  const co = new JointDistributionCoroutine(function* (): ModelGenerator {
    yield Root(new tfd.Normal({ loc: 0, scale: 1 }));
  });
  expect(co.eventShape).toEqual([[]]);
  expect(new GaussianProcess({ kernel: new tfpk.MaternFiveHalves(), indexPoints: np.array([[0], [1]]) }).eventShape).toEqual([2]);
  expect(new HiddenMarkovModel({ initialDistribution: new tfd.Categorical({ probs: [0.5, 0.5] }), transitionDistribution: new tfd.Categorical({ probs: [[0.9, 0.1], [0.1, 0.9]] }), observationDistribution: new tfd.Normal({ loc: [0, 1], scale: 1 }), numSteps: 3 }).eventShape).toEqual([3]);
  expect(Number(klDivergence(new tfd.Normal({ loc: 0, scale: 1 }), new tfd.Normal({ loc: 0, scale: 1 })).dataSync()[0])).toBe(0);
  expect(typeof vi.fitSurrogatePosterior).toBe("function");
});
