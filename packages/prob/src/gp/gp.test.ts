// psdKernels, GaussianProcess and GaussianProcessRegressionModel against the committed numpy/scipy fixture
// (generator in fixtures/gen_gp.py), a hand-solved two-point regression, TFP's docstring examples (shapes,
// maximum marginal likelihood), the Cholesky-failure error, and jit/vmap/grad over the pytrees.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { checkGrads, grad, jit, valueAndGrad, vmap } from "@fluxion/transforms";
import { lbfgsMinimize } from "@fluxion/optim";
import { CholeskyError, GaussianProcess, GaussianProcessRegressionModel, psdKernels as tfpk } from "./index.js";

interface Fixture {
  x1: number[][];
  x2: number[][];
  kernels: Record<string, number[][]>;
  obsX: number[][];
  obsY: number[];
  gpLogMarginalLikelihood: { amplitude: number; lengthScale: number; noise: number; value: number };
  mle: { logParams: number[]; nll: number; maxAbsGradient: number };
  regression: { noise: number; indexX: number[][]; mean: number[]; variance: number[]; covarianceRow7: number[]; probe: number[]; probeLogProb: number; noiselessVarianceEvery20: number[] };
}
const fx = JSON.parse(readFileSync(new URL("./fixtures/gp.json", import.meta.url), "utf8")) as Fixture;

const f64 = (x: number | number[] | number[][]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);
const num = (x: NDArray): number => Number(x.dataSync()[0]);

function expectClose(actual: number[], expected: number[], rtol: number, atol = 0): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  actual.forEach((a, i) => {
    const e = expected[i]!;
    const err = Math.abs(a - e) / (atol + rtol * Math.max(Math.abs(e), 1e-300));
    if (!(err <= 1) && !(Math.abs(a - e) <= atol)) throw new Error(`index ${i}: got ${a}, expected ${e}`);
    worst = Math.max(worst, err);
  });
}

const KERNELS: Record<string, () => tfpk.PositiveSemidefiniteKernel> = {
  ExponentiatedQuadratic: () => new tfpk.ExponentiatedQuadratic({ amplitude: 1.3, lengthScale: 0.7 }),
  MaternOneHalf: () => new tfpk.MaternOneHalf({ amplitude: 0.8, lengthScale: 1.5 }),
  MaternThreeHalves: () => new tfpk.MaternThreeHalves({ amplitude: 0.8, inverseLengthScale: 1 / 1.5 }),
  MaternFiveHalves: () => new tfpk.MaternFiveHalves({ amplitude: f64(0.8), lengthScale: f64(1.5) }),
  RationalQuadratic: () => new tfpk.RationalQuadratic({ amplitude: 1.1, lengthScale: 0.9, scaleMixtureRate: 2.5 }),
  ExpSinSquared: () => new tfpk.ExpSinSquared({ amplitude: 1.2, lengthScale: 0.8, period: 1.7 }),
  Linear: () => new tfpk.Linear({ biasAmplitude: 0.5, slopeAmplitude: 1.3, shift: 0.2 }),
  Polynomial: () => new tfpk.Polynomial({ biasAmplitude: 0.5, slopeAmplitude: 1.3, shift: 0.2, exponent: 2 }),
  FeatureScaled: () => new tfpk.FeatureScaled({ kernel: new tfpk.ExponentiatedQuadratic(), scaleDiag: f64([0.5, 2.0]) }),
};

describe("psdKernels", () => {
  for (const [name, make] of Object.entries(KERNELS)) {
    it(`${name}.matrix matches the numpy formula (float64, 1e-13)`, () => {
      const k = make();
      const m = k.matrix(f64(fx.x1), f64(fx.x2));
      expect(m.shape).toEqual([5, 4]);
      expectClose(nums(m), fx.kernels[name]!.flat(), 1e-13, 1e-15);
      // apply on broadcast pairs agrees with matrix; the diagonal of k(x, x) via apply with one example dim.
      const pair = k.apply(f64(fx.x1[2]!), f64(fx.x2[3]!));
      expectClose([num(pair)], [fx.kernels[name]![2]![3]!], 1e-13, 1e-15);
    });
  }

  it("batch shapes: parameters pad against example dims; sums and products; tensor", () => {
    const k = new tfpk.ExponentiatedQuadratic({ amplitude: f64([1, 2, 3]), lengthScale: f64([[0.5], [1.0]]) });
    expect(k.batchShape).toEqual([2, 3]);
    const m = k.matrix(f64(fx.x1), f64(fx.x2));
    expect(m.shape).toEqual([2, 3, 5, 4]);
    const single = new tfpk.ExponentiatedQuadratic({ amplitude: 3, lengthScale: 0.5 }).matrix(f64(fx.x1), f64(fx.x2));
    expectClose(nums(m).slice(2 * 20, 3 * 20), nums(single), 1e-14);
    const sum = new tfpk.MaternOneHalf().add(new tfpk.Linear()).multiply(new tfpk.ExpSinSquared({ period: 2 }));
    const direct = np.multiply(np.add(new tfpk.MaternOneHalf().matrix(f64(fx.x1), f64(fx.x2)), new tfpk.Linear().matrix(f64(fx.x1), f64(fx.x2))), new tfpk.ExpSinSquared({ period: 2 }).matrix(f64(fx.x1), f64(fx.x2)));
    expectClose(nums(sum.matrix(f64(fx.x1), f64(fx.x2))), nums(direct), 1e-14);
    const t = new tfpk.MaternThreeHalves().tensor(np.reshape(f64(fx.x1.slice(0, 4)), [2, 2, 2]), f64(fx.x2), 2, 1);
    expect(t.shape).toEqual([2, 2, 4]);
    expect(() => new tfpk.ExponentiatedQuadratic({ amplitude: -1, validateArgs: true })).toThrow(/amplitude must be positive; got -1/);
  });

  it("Matérn gradients at zero distance are finite (the zero-safe norm)", () => {
    const x = f64([[0.3, 0.1]]);
    const g = grad((y: NDArray) => np.sum(new tfpk.MaternOneHalf().apply(y, x)))(x) as NDArray;
    expect(nums(g).every(Number.isFinite)).toBe(true);
  });
});

describe("GaussianProcess", () => {
  const obsX = f64(fx.obsX);
  const obsY = f64(fx.obsY);

  it("logProb is the marginal likelihood N(y; 0, K + (noise + jitter) I) (scipy)", () => {
    const { amplitude, lengthScale, noise, value } = fx.gpLogMarginalLikelihood;
    const gp = new GaussianProcess({ kernel: new tfpk.ExponentiatedQuadratic({ amplitude, lengthScale }), indexPoints: obsX, observationNoiseVariance: noise });
    expect(gp.batchShape).toEqual([]);
    expect(gp.eventShape).toEqual([50]);
    expectClose([num(gp.logProb(obsY))], [value], 1e-10);
    expectClose(nums(gp.variance()), new Array(50).fill(amplitude ** 2 + noise), 1e-14);
    expect(gp.sample(random.key(0), [3]).shape).toEqual([3, 50]);
  });

  it("TFP's example: maximum marginal likelihood over log (amplitude, lengthScale, noise) matches scipy's optimum", () => {
    const nll = (theta: NDArray) => {
      const p = np.exp(theta);
      const gp = new GaussianProcess({ kernel: new tfpk.ExponentiatedQuadratic({ amplitude: p.slice(0), lengthScale: p.slice(1) }), indexPoints: obsX, observationNoiseVariance: p.slice(2) });
      return np.negative(gp.logProb(obsY));
    };
    const vg = valueAndGrad(nll);
    const result = lbfgsMinimize((x) => vg(x) as [NDArray, NDArray], { initialPosition: f64([0, Math.log(0.2), -5]), tolerance: 1e-9, maxIterations: 200 });
    expectClose([num(result.objectiveValue)], [fx.mle.nll], 1e-8);
    // scipy's point is stationary to ~6e-5 in the gradient: agree on the parameters to 1e-3.
    expectClose(nums(result.position), fx.mle.logParams, 0, 1e-3);
  });

  it("raises a clear CholeskyError for a covariance that is not positive definite (NaN under jit)", () => {
    // A negative noise variance (as an unconstrained optimizer might propose) makes K + v I indefinite.
    const pts = f64([[0], [0.5], [2]]);
    const gp = new GaussianProcess({ kernel: new tfpk.ExponentiatedQuadratic(), indexPoints: pts, observationNoiseVariance: -0.9 });
    expect(() => gp.logProb(f64([0, 1, 1]))).toThrow(CholeskyError);
    expect(() => gp.logProb(f64([0, 1, 1]))).toThrow(/not numerically positive definite.*Increase `jitter` \(now 0.000001\)/);
    const lp = jit((g: GaussianProcess, y: NDArray) => g.logProb(y))(gp, f64([0, 1, 1])) as NDArray;
    expect(Number.isNaN(num(lp))).toBe(true);
    // Exactly duplicated points with jitter 0 factor to a tiny pivot (not NaN); TFP's default jitter keeps it sane.
    const dup = f64([[0], [0.5], [0.5]]);
    const ok = new GaussianProcess({ kernel: new tfpk.ExponentiatedQuadratic(), indexPoints: dup });
    expect(Number.isFinite(num(ok.logProb(f64([0, 1, 1]))))).toBe(true);
  });

  it("passes through jit, vmap (a batch of kernels) and grad (finite differences)", () => {
    const pts = f64([[-0.5], [0.1], [0.7]]);
    const y = f64([0.2, -0.1, 0.4]);
    const gp = new GaussianProcess({ kernel: new tfpk.MaternFiveHalves({ amplitude: f64(1.2), lengthScale: f64(0.6) }), indexPoints: pts, observationNoiseVariance: f64(0.1) });
    expectClose([num(jit((g: GaussianProcess) => g.logProb(y))(gp) as NDArray)], [num(gp.logProb(y))], 1e-13);
    // Every leaf carries the batch axis, so vmap's default inAxes 0 maps them all.
    const batched = new GaussianProcess({ kernel: new tfpk.MaternFiveHalves({ amplitude: f64([1.2, 0.5, 2.0]), lengthScale: f64([0.6, 0.6, 1.5]) }), indexPoints: np.broadcastTo(pts, [3, 3, 1]), observationNoiseVariance: f64([0.1, 0.1, 0.1]) });
    expect(batched.batchShape).toEqual([3]);
    const mapped = vmap((g: GaussianProcess) => g.logProb(y))(batched) as NDArray;
    expectClose(nums(mapped), nums(batched.logProb(y)), 1e-13);
    checkGrads((g: GaussianProcess) => g.logProb(y), [gp], { order: 1, eps: 1e-6, rtol: 1e-6 });
  });
});

describe("GaussianProcessRegressionModel", () => {
  it("reproduces TFP's docstring model: posterior mean, variance, covariance and logProb against numpy", () => {
    const r = fx.regression;
    const gprm = new GaussianProcessRegressionModel({
      kernel: new tfpk.MaternFiveHalves(),
      indexPoints: f64(r.indexX),
      observationIndexPoints: f64(fx.obsX),
      observations: f64(fx.obsY),
      observationNoiseVariance: r.noise,
    });
    expect(gprm.eventShape).toEqual([100]);
    expect(gprm.sample(random.key(1), 10).shape).toEqual([10, 100]);
    expectClose(nums(gprm.mean()), r.mean, 1e-9, 1e-12);
    expectClose(nums(gprm.variance()), r.variance, 1e-9);
    expectClose(nums(gprm.covariance()).slice(700, 800), r.covarianceRow7, 1e-9, 1e-12);
    expectClose([num(gprm.logProb(f64(r.probe)))], [r.probeLogProb], 1e-9);
    const noiseless = new GaussianProcessRegressionModel({
      kernel: new tfpk.MaternFiveHalves(),
      indexPoints: f64(r.indexX.filter((_, i) => i % 20 === 0)),
      observationIndexPoints: f64(fx.obsX),
      observations: f64(fx.obsY),
      observationNoiseVariance: r.noise,
      predictiveNoiseVariance: 0,
    });
    expectClose(nums(noiseless.variance()), r.noiselessVarianceEvery20, 1e-9);
  });

  it("two observations solved by hand: mean and variance at a new point", () => {
    // EQ kernel, a = 1, l = 1; observations y = (1, -1) at z = (0, 1) with noise v; predict at x = 0.5.
    const v = 0.3;
    const k = (a: number, b: number) => Math.exp(-0.5 * (a - b) ** 2);
    const jit6 = 1e-6;
    const d00 = 1 + v + jit6, d01 = k(0, 1), d11 = 1 + v + jit6;
    const det = d00 * d11 - d01 * d01;
    const inv = [[d11 / det, -d01 / det], [-d01 / det, d00 / det]];
    const kx = [k(0.5, 0), k(0.5, 1)];
    const alpha = [inv[0]![0]! * 1 + inv[0]![1]! * -1, inv[1]![0]! * 1 + inv[1]![1]! * -1];
    const mean = kx[0]! * alpha[0]! + kx[1]! * alpha[1]!;
    const quad = kx[0]! * (inv[0]![0]! * kx[0]! + inv[0]![1]! * kx[1]!) + kx[1]! * (inv[1]![0]! * kx[0]! + inv[1]![1]! * kx[1]!);
    const gprm = new GaussianProcessRegressionModel({
      kernel: new tfpk.ExponentiatedQuadratic(),
      indexPoints: f64([[0.5]]),
      observationIndexPoints: f64([[0], [1]]),
      observations: f64([1, -1]),
      observationNoiseVariance: v,
    });
    expectClose([num(gprm.mean())], [mean], 1e-13, 1e-15);
    expectClose([num(gprm.variance())], [1 - quad + v], 1e-13);
    // The GP's posteriorPredictive builds the same model.
    const gp = new GaussianProcess({ kernel: new tfpk.ExponentiatedQuadratic(), indexPoints: f64([[0], [1]]), observationNoiseVariance: v });
    expectClose([num(gp.posteriorPredictive(f64([1, -1]), f64([[0.5]])).mean())], [mean], 1e-13, 1e-15);
  });

  it("without observations it is the prior predictive; gradients w.r.t. observations match finite differences", () => {
    const prior = new GaussianProcessRegressionModel({ kernel: new tfpk.ExponentiatedQuadratic(), indexPoints: f64([[0], [1]]), observationNoiseVariance: 0.2 });
    expectClose(nums(prior.variance()), [1.2, 1.2], 1e-14);
    expect(() => new GaussianProcessRegressionModel({ kernel: new tfpk.ExponentiatedQuadratic(), indexPoints: f64([[0]]), observations: f64([1]) })).toThrow(/both/);
    const lp = (obs: NDArray) =>
      new GaussianProcessRegressionModel({ kernel: new tfpk.RationalQuadratic({ scaleMixtureRate: 2 }), indexPoints: f64([[0.2], [0.9]]), observationIndexPoints: f64([[0], [0.5], [1]]), observations: obs, observationNoiseVariance: 0.1 }).logProb(f64([0.3, -0.2]));
    checkGrads(lp, [f64([0.5, -0.3, 0.8])], { order: 1, eps: 1e-6, rtol: 1e-6 });
  });
});
