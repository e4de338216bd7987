// The runnable examples reproduce their documented numbers.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as quickstart } from "../examples/quickstart.js";
import { main as irisNuts } from "../examples/iris_nuts.js";
import { main as gpExample, loadGpFixture } from "../examples/gp_regression.js";
import { main as mdnExample } from "../examples/mdn.js";
import { main as lbfgsExample, loadLbfgsFixture } from "../examples/lbfgs_restarts.js";
import { main as mleViExample, THETA, NUM_DRAWS } from "../examples/mle_vi.js";
import { main as tour } from "../examples/tour.js";
import { main as transformsGuide } from "../examples/transforms_guide.js";
import { main as hmmExample, WEATHER, WEATHER_TEMPS, CASINO, CASINO_ROLLS } from "../examples/hmm.js";
import { main as jointExample, X as jointX, Y_OBSERVED } from "../examples/joint_distributions.js";

// Independent float64 oracles written out by hand.
const normalLp = (x: number, loc: number, scale: number) => -0.5 * ((x - loc) / scale) ** 2 - Math.log(scale) - 0.5 * Math.log(2 * Math.PI);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** Standard normal cdf from Abramowitz & Stegun 7.1.26's erf (absolute error below 1.5e-7, enough for mass checks). */
const normalCdf = (z: number) => {
  const x = Math.abs(z) / Math.SQRT2;
  const k = 1 / (1 + 0.3275911 * x);
  const erf = 1 - k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
};
/** A root of g on [lo, hi] (g changes sign there) by bisection. */
const bisect = (g: (t: number) => number, lo: number, hi: number) => {
  for (let i = 0; i < 80; i++) {
    const mid = 0.5 * (lo + hi);
    if (Math.sign(g(mid)) === Math.sign(g(lo))) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
};
const closeTo = (a: number, e: number, rtol: number) => expect(Math.abs(a - e)).toBeLessThanOrEqual(rtol * (1 + Math.abs(e)));

describe("examples/quickstart", () => {
  it("trains logistic regression on iris to a separating fit and prints the IR", () => {
    const lines: string[] = [];
    const r = quickstart((s) => lines.push(s));
    // Setosa is linearly separable from the other species: the fit must be perfect.
    expect(r.accuracy).toBe(1);
    expect(r.loss).toBeLessThan(0.02);
    expect(r.perExampleGradNorms).toHaveLength(150);
    expect(lines.join("\n")).toContain("dot_general");
  });
});

// Slow (about a minute): a shortened run of the main demo, seeded so it cannot flake.
describe("slow: examples/iris_nuts (Bayesian multinomial logistic regression with NUTS)", () => {
  it("reaches the TFP docs' Bayesian-model-averaging accuracy (about 0.98) with converged chains", async () => {
    const lines: string[] = [];
    const svgPath = join(mkdtempSync(join(tmpdir(), "fluxion-")), "trace.svg");
    const r = await irisNuts({ nDraws: 60, numAdaptationSteps: 80, nChains: 2, log: (s) => lines.push(s), svgPath });
    expect(r.accuracy).toBeGreaterThanOrEqual(0.96);
    expect(r.maxRhat).toBeLessThan(1.1);
    expect(lines.join("\n")).toContain("r_hat");
    const svg = readFileSync(svgPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("b[1]");
  }, 600_000);
});

describe("examples/joint_distributions (TFP's Modeling with JointDistribution guide)", () => {
  it("sample shapes, logProb as the sum of closed-form part densities, three styles agree, pinning", () => {
    const lines: string[] = [];
    const r = jointExample((s) => lines.push(s));
    expect(lines).toHaveLength(5);
    const expected = [[3, 2], [3, 2], [3, 2], [3, 2, 7]];
    expect(r.sampleShapes.sequential).toEqual(expected);
    expect(r.sampleShapes.coroutine).toEqual(expected);
    expect(r.sampleShapes.named).toEqual({ m: [3, 2], b: [3, 2], s: [3, 2], Y: [3, 2, 7] });
    // Hand-written densities: N(0, 10) priors, U(0, 5) scale, Y_i ~ N(m x_i + b, s).
    const { m, b, s, Y } = r.draw;
    expect(s).toBeGreaterThan(0);
    expect(s).toBeLessThan(5);
    const parts = [normalLp(m, 0, 10), normalLp(b, 0, 10), -Math.log(5), sum(Y.map((y, i) => normalLp(y, m * jointX[i]! + b, s)))];
    parts.forEach((p, i) => closeTo(r.partLogProbs[i]!, p, 1e-12));
    closeTo(r.jointLogProb, sum(parts), 1e-12);
    closeTo(r.sequentialLogProb, sum(parts), 1e-12);
    closeTo(r.coroutineLogProb, sum(parts), 1e-12);
    const p = r.pinnedPoint;
    const pinned = normalLp(p.m, 0, 10) + normalLp(p.b, 0, 10) - Math.log(5) + sum(Y_OBSERVED.map((y, i) => normalLp(y, p.m * jointX[i]! + p.b, p.s)));
    closeTo(r.pinnedLogProb, pinned, 1e-12);
    expect(lines[4]).toContain(r.pinnedLogProb.toFixed(6));
  });
});

/** Enumerates all S^T hidden paths: log p(x), p(z_t = k | x) and the most likely path (an oracle for forward-backward and Viterbi). */
function hmmBruteForce(initial: number[], transition: number[][], obsLogLik: number[][]): { logProb: number; marginals: number[][]; mode: number[] } {
  const S = initial.length;
  const T = obsLogLik.length;
  const paths: { z: number[]; lp: number }[] = [];
  for (let code = 0; code < S ** T; code++) {
    const z = Array.from({ length: T }, (_, t) => Math.floor(code / S ** t) % S);
    let lp = Math.log(initial[z[0]!]!) + obsLogLik[0]![z[0]!]!;
    for (let t = 1; t < T; t++) lp += Math.log(transition[z[t - 1]!]![z[t]!]!) + obsLogLik[t]![z[t]!]!;
    paths.push({ z, lp });
  }
  const top = Math.max(...paths.map((p) => p.lp));
  const logProb = top + Math.log(sum(paths.map((p) => Math.exp(p.lp - top))));
  const marginals = Array.from({ length: T }, () => new Array<number>(S).fill(0));
  for (const p of paths) p.z.forEach((k, t) => (marginals[t]![k]! += Math.exp(p.lp - logProb)));
  return { logProb, marginals, mode: paths.reduce((a, b) => (b.lp > a.lp ? b : a)).z };
}

describe("examples/hmm (TFP's HiddenMarkovModel weather example; Durbin et al.'s dishonest casino)", () => {
  it("TFP's documented means, and logProb / posterior marginals / Viterbi equal enumeration of every path", () => {
    const lines: string[] = [];
    const r = hmmExample((s) => lines.push(s));
    expect(lines).toHaveLength(6);
    // TFP's docstring prints model.mean() as [3., 6., 7.5, 8.25, 8.625, 8.8125, 8.90625].
    r.weatherMean.forEach((v, t) => closeTo(v, [3, 6, 7.5, 8.25, 8.625, 8.8125, 8.90625][t]!, 1e-12));
    const weatherObs = (xs: number[]) => xs.map((x) => WEATHER.loc.map((l, k) => normalLp(x, l, WEATHER.scale[k]!)));
    closeTo(r.weatherLogProbZeros, hmmBruteForce(WEATHER.initial, WEATHER.transition, weatherObs(new Array(7).fill(0))).logProb, 1e-12);
    const w = hmmBruteForce(WEATHER.initial, WEATHER.transition, weatherObs(WEATHER_TEMPS));
    closeTo(r.weatherLogProb, w.logProb, 1e-12);
    r.weatherPosteriorHot.forEach((p, t) => closeTo(p, w.marginals[t]![1]!, 1e-11));
    expect(r.weatherViterbi).toEqual(w.mode);
    // 2^16 paths of the casino.
    const c = hmmBruteForce(CASINO.initial, CASINO.transition, CASINO_ROLLS.map((face) => CASINO.faces.map((f) => Math.log(f[face]!))));
    closeTo(r.casinoLogProb, c.logProb, 1e-12);
    r.casinoPosteriorLoaded.forEach((p, t) => closeTo(p, c.marginals[t]![1]!, 1e-11));
    expect(r.casinoViterbi).toEqual(c.mode);
    expect(r.casinoViterbi).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe("examples/gp_regression (TFP's GaussianProcessRegressionModel docstring)", () => {
  it("Adam + L-BFGS reach scipy's maximum marginal likelihood; predictive mean/variance equal the closed form there", async () => {
    const lines: string[] = [];
    const r = await gpExample({ log: (s) => lines.push(s) });
    const fx = loadGpFixture(); // examples/data/gen_examples.py: scipy L-BFGS-B on the same likelihood, numpy Cholesky predictive
    expect(r.adamNegLogLik[3]!).toBeLessThan(r.adamNegLogLik[0]!);
    closeTo(r.adamNegLogLik[3]!, fx.negLogMarginalLikelihood, 1e-3); // Adam alone gets within 1e-3
    closeTo(r.negLogMarginalLikelihood, fx.negLogMarginalLikelihood, 1e-9);
    closeTo(r.amplitude, fx.amplitude, 1e-5);
    closeTo(r.lengthScale, fx.lengthScale, 1e-5);
    closeTo(r.observationNoiseVariance, fx.observationNoiseVariance, 1e-5);
    r.predictiveMean.forEach((m, i) => expect(Math.abs(m - fx.predictiveMean[i]!)).toBeLessThan(1e-5));
    r.predictiveVariance.forEach((v, i) => expect(Math.abs(v / fx.predictiveVariance[i]! - 1)).toBeLessThan(1e-4));
    expect(lines[1]).toContain("converged=true");
  }, 120_000); // a single run takes 5-25 s on a loaded 2-core machine
});

describe("examples/mdn (Bishop's mixture density network on the inverse of t + 0.3 sin 2πt)", () => {
  it("Adam drives the NLL below -0.95 and every branch of p(t | x = 0.5) carries mass", async () => {
    const lines: string[] = [];
    const r = await mdnExample({ log: (s) => lines.push(s) });
    expect(r.nllCurve).toHaveLength(2000);
    // Untrained the NLL is above 1; a single conditional normal cannot follow three branches. The stated target: -0.95.
    expect(r.nllCurve[0]!).toBeGreaterThan(0.5);
    expect(r.finalNll).toBeLessThan(-0.95);
    // The branches of the inverse at x = 0.5: the roots of t + 0.3 sin(2πt) = 0.5 (the middle one is 0.5).
    const g = (t: number) => t + 0.3 * Math.sin(2 * Math.PI * t) - 0.5;
    const roots = [bisect(g, 0.05, 0.35), bisect(g, 0.35, 0.65), bisect(g, 0.65, 0.95)];
    closeTo(roots[1]!, 0.5, 1e-12);
    const { weights, locs, scales } = r.at05;
    expect(sum(weights)).toBeCloseTo(1, 5);
    const massNear = (c: number, h: number) => sum(weights.map((w, k) => w * (normalCdf((c + h - locs[k]!) / scales[k]!) - normalCdf((c - h - locs[k]!) / scales[k]!))));
    // Within ±0.1 of each branch at least 10% of the conditional mass; together most of it.
    for (const root of roots) expect(massNear(root, 0.1)).toBeGreaterThan(0.1);
    expect(sum(roots.map((root) => massNear(root, 0.1)))).toBeGreaterThan(0.8);
    expect(lines[1]).toContain("p(t | x = 0.5)");
  }, 120_000); // a single run takes 5-25 s on a loaded 2-core machine
});

describe("examples/lbfgs_restarts (jit(vmap(lbfgsMinimize)) over 16 starts; SciPy L-BFGS-B figures)", () => {
  it("Rosenbrock: every restart reaches (1, 1); Himmelblau: converged restarts sit on SciPy's four minima; counts within 3x SciPy's", async () => {
    const lines: string[] = [];
    const r = await lbfgsExample({ log: (s) => lines.push(s) });
    const fx = loadLbfgsFixture(); // examples/data/gen_examples.py
    fx.rosenbrock.forEach((scipy, i) => {
      expect(r.rosenbrock.converged[i]).toBe(true);
      r.rosenbrock.positions[i]!.forEach((v, j) => expect(Math.abs(v - scipy.position[j]!)).toBeLessThan(1e-6));
      expect(r.rosenbrock.values[i]!).toBeLessThan(1e-15);
      // Hager-Zhang always tries the unit step and brackets before secant steps: up to ~2.4x SciPy's count here.
      expect(r.rosenbrock.evaluations[i]!).toBeLessThanOrEqual(3 * scipy.nfev);
    });
    const hitMinima = new Set<number>();
    r.himmelblau.positions.forEach((p, i) => {
      if (!r.himmelblau.converged[i]) return;
      const k = fx.himmelblauMinima.findIndex((m) => Math.hypot(m[0]! - p[0]!, m[1]! - p[1]!) < 1e-7);
      expect(k).toBeGreaterThanOrEqual(0);
      hitMinima.add(k);
      expect(r.himmelblau.values[i]!).toBeLessThan(1e-15);
      expect(r.himmelblau.evaluations[i]!).toBeLessThanOrEqual(3 * fx.himmelblau[i]!.nfev);
    });
    expect(hitMinima.size).toBe(4);
    // Two starts, (-2/3, -2) and (-2/3, -2/3), stop with failed=true after a line search accepted a step with
    // s'y < 0 (reported as an optim issue); the restarts are what makes the best-of-16 answer robust.
    expect(r.himmelblau.converged.filter(Boolean).length).toBeGreaterThanOrEqual(14);
    r.himmelblau.converged.forEach((c, i) => expect(c || r.himmelblau.failed[i]).toBe(true));
    // A vmapped lane counts what the same start costs alone.
    expect(r.singleRunEvaluations.rosenbrock).toBe(r.rosenbrock.evaluations[0]);
    expect(r.singleRunEvaluations.himmelblau).toBe(r.himmelblau.evaluations[0]);
    expect(lines.join("\n")).toContain("converged 16/16");
  }, 120_000);
});

/** ψ(x) for x > 0: recurrence up to x ≥ 6, then the asymptotic series (Abramowitz & Stegun 6.3.18). */
function digamma(x: number): number {
  let shift = 0;
  for (; x < 6; x++) shift -= 1 / x;
  const r = 1 / (x * x);
  return shift + Math.log(x) - 0.5 / x - r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r / 132))));
}
/** ψ'(x) for x > 0, likewise (A&S 6.4.12). */
function trigamma(x: number): number {
  let shift = 0;
  for (; x < 6; x++) shift += 1 / (x * x);
  const r = 1 / (x * x);
  return shift + 1 / x + r / 2 + (r / x) * (1 / 6 - r * (1 / 30 - r * (1 / 42 - r / 30)));
}
/** ELBO of q = N(loc, scale) against log p̃ by the trapezoid rule over loc ± 10 scale. */
function elboByQuadrature(logTarget: (z: number) => number, loc: number, scale: number): number {
  const n = 2000;
  const h = (20 * scale) / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) {
    const z = loc - 10 * scale + i * h;
    const w = i === 0 || i === n ? 0.5 : 1;
    acc += w * Math.exp(normalLp(z, loc, scale)) * logTarget(z);
  }
  return acc * h + 0.5 * Math.log(2 * Math.PI * Math.E * scale * scale);
}

describe("examples/mle_vi (ProbPipe interop notebook: gradient estimators, MLE, VI)", () => {
  it("estimators agree with 2θ and their closed-form standard errors; MLEs match closed forms; reverse KL picks one mode", async () => {
    const lines: string[] = [];
    const r = await mleViExample({ log: (s) => lines.push(s) });
    expect(lines).toHaveLength(4);
    // d/dθ E[X²] = 2θ. Per-draw variances: Var(2X) = 4 (pathwise); Var(X²(X-θ)) = θ⁴ + 18θ² + 15 - 4θ² (score).
    const exact = 2 * THETA;
    const seReparam = Math.sqrt(4 / NUM_DRAWS);
    const seScore = Math.sqrt((THETA ** 4 + 14 * THETA ** 2 + 15) / NUM_DRAWS);
    expect(Math.abs(r.reparameterized.estimate - exact)).toBeLessThan(4 * seReparam);
    expect(Math.abs(r.scoreFunction.estimate - exact)).toBeLessThan(4 * seScore);
    expect(Math.abs(r.reparameterized.standardError / seReparam - 1)).toBeLessThan(0.1);
    expect(Math.abs(r.scoreFunction.standardError / seScore - 1)).toBeLessThan(0.15);
    // Normal MLE: the sample mean and the biased sample standard deviation.
    const n = r.normalData.length;
    const m = sum(r.normalData) / n;
    const sdMle = Math.sqrt(sum(r.normalData.map((x) => (x - m) ** 2)) / n);
    closeTo(r.normalFit.loc, m, 1e-4);
    closeTo(r.normalFit.scale, sdMle, 1e-4);
    // Gamma MLE: log k - ψ(k) = log mean - mean log (Newton), rate = k / mean.
    const gm = sum(r.gammaData) / r.gammaData.length;
    const rhs = Math.log(gm) - sum(r.gammaData.map(Math.log)) / r.gammaData.length;
    let k = 0.5 / rhs;
    for (let i = 0; i < 50; i++) k -= (Math.log(k) - digamma(k) - rhs) / (1 / k - trigamma(k));
    closeTo(r.gammaFit.concentration, k, 1e-3);
    closeTo(r.gammaFit.rate, k / gm, 1e-3);
    // VI: log Z by quadrature; the fitted normal sits on the +2 mode and its ELBO is the best a single normal
    // reaches (grid search by quadrature), about log 2 below log Z since the other mode gets no mass.
    const logTarget = (z: number) => -0.25 * (z * z - 4) ** 2;
    let z0 = 0;
    for (let i = 0; i <= 16000; i++) z0 += (i === 0 || i === 16000 ? 0.5 : 1) * Math.exp(logTarget(-8 + i * 0.001));
    const logZ = Math.log(z0 * 0.001);
    expect(Math.abs(r.vi.loc - 2)).toBeLessThan(0.15);
    const elbo = elboByQuadrature(logTarget, r.vi.loc, r.vi.scale);
    let best = -Infinity;
    for (let loc = 1.7; loc <= 2.1; loc += 0.01) for (let sc = 0.25; sc <= 0.5; sc += 0.005) best = Math.max(best, elboByQuadrature(logTarget, loc, sc));
    expect(best - elbo).toBeLessThan(0.005);
    expect(logZ - elbo).toBeGreaterThan(Math.log(2));
    expect(logZ - elbo).toBeLessThan(Math.log(2) + 0.05);
    // The reported ELBO is a Monte Carlo average of the training losses: within 0.05 of the quadrature value.
    expect(Math.abs(r.vi.elboEstimate - elbo)).toBeLessThan(0.05);
  }, 120_000); // a single run takes 5-25 s on a loaded 2-core machine
});

describe("examples/tour (README.md's tour)", () => {
  it("every line of README's tour block is a line of examples/tour.ts", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const block = readme.split("## A tour")[1]!.split("```ts\n")[1]!.split("```")[0]!;
    const tourLines = new Set(readFileSync(new URL("../examples/tour.ts", import.meta.url), "utf8").split("\n").map((l) => l.trim()));
    const lines = block.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThanOrEqual(20);
    for (const line of lines) expect(tourLines.has(line), line).toBe(true);
  });

  it("gradients are cos(x)·x + sin(x); NUTS and L-BFGS find the conjugate posterior N(Σy/(n + 0.01), 1/√(n + 0.01))", async () => {
    const lines: string[] = [];
    const r = await tour((s) => lines.push(s));
    const df = (x: number) => Math.cos(x) * x + Math.sin(x);
    r.gradient.forEach((g, i) => closeTo(g, df(i + 1), 1e-6));
    r.jitGradient.forEach((g, i) => closeTo(g, df(i + 1), 1e-6));
    expect(r.rowGradients).toHaveLength(8);
    r.rowGradients.flat().forEach((g) => closeTo(g, df(1), 1e-6));
    const precision = r.y.length + 1 / 100;
    const postMean = sum(r.y) / precision;
    const postSd = 1 / Math.sqrt(precision);
    closeTo(r.mode, postMean, 1e-7);
    expect(r.posteriorDraws).toHaveLength(1000);
    const m = sum(r.posteriorDraws) / r.posteriorDraws.length;
    const sd = Math.sqrt(sum(r.posteriorDraws.map((v) => (v - m) ** 2)) / (r.posteriorDraws.length - 1));
    // 1,000 correlated draws: about 0.03 Monte Carlo error in the mean; 0.1 is over 3 of them.
    expect(Math.abs(m - postMean)).toBeLessThan(0.1);
    expect(Math.abs(sd / postSd - 1)).toBeLessThan(0.15);
    expect(lines).toHaveLength(4);
  }, 120_000); // a single run takes 5-25 s on a loaded 2-core machine
});

describe("examples/transforms_guide (packages/transforms/README.md's code)", () => {
  it("every line of the guide's code blocks is a line of examples/transforms_guide.ts", () => {
    const readme = readFileSync(new URL("../packages/transforms/README.md", import.meta.url), "utf8");
    const blocks = readme.split("```ts\n").slice(1).map((b) => b.split("```")[0]!);
    expect(blocks.length).toBeGreaterThanOrEqual(9);
    const guideLines = new Set(readFileSync(new URL("../examples/transforms_guide.ts", import.meta.url), "utf8").split("\n").map((l) => l.trim()));
    for (const line of blocks.join("\n").split("\n").map((l) => l.trim()).filter((l) => l.length > 0)) expect(guideLines.has(line), line).toBe(true);
    // The printed jaxpr in the README is the one the guide's makeJaxpr call prints.
    const r = transformsGuide(() => {});
    expect(readme).toContain(r.jaxpr as string);
  });

  it("values equal closed forms", () => {
    const r = transformsGuide(() => {}) as Record<string, never>;
    const xs = [0.5, 1.0, 2.0];
    const vec = (a: number[], e: number[], tol = 1e-12) => { expect(a).toHaveLength(e.length); a.forEach((v, i) => closeTo(v, e[i]!, tol)); };
    vec(r.grad, xs.map((x) => Math.exp(x) * (Math.sin(x) + Math.cos(x))));
    closeTo(r.valueAndGrad[0], sum(xs.map((x) => Math.exp(x) * Math.sin(x))), 1e-12);
    // loss(w, b) = Σ (w x + b)²: ∂w = 2 Σ x (w x + b), ∂b = 2 Σ (w x + b) at w = 2, b = 1.
    vec(r.argnums, [2 * sum(xs.map((x) => x * (2 * x + 1))), 2 * sum(xs.map((x) => 2 * x + 1))]);
    vec(r.hasAux[0], xs.map((x) => 2 * x));
    closeTo(r.hasAux[1], sum(xs) / 3, 1e-12);
    vec(r.jvp[1], xs.map(Math.cos));
    vec(r.vjp[1], [Math.cos(0.5), 0, 0]);
    // g_i = v_i² Σv: ∂g_i/∂v_j = 2 v_i Σv δ_ij + v_i².
    const s = sum(xs);
    const jac = xs.map((vi, i) => xs.map((_, j) => (i === j ? 2 * vi * s : 0) + vi * vi));
    vec((r.jacfwd as number[][]).flat(), jac.flat());
    vec((r.jacrev as number[][]).flat(), jac.flat());
    vec((r.hessian as number[][]).flat(), xs.flatMap((x, i) => xs.map((_, j) => (i === j ? 2 * Math.exp(x) * Math.cos(x) : 0))));
    expect(r.vmap).toEqual([5, 25, 61]);
    expect(r.inAxes).toEqual([-1, -1, -1]);
    expect(r.columnSums).toEqual([9, 12]);
    expect(r.perExampleGrads).toEqual([[1, -1], [1, -1], [1, -1]]);
    vec(r.jit, xs.map((x) => x - 0.1 * Math.exp(x) * (Math.sin(x) + Math.cos(x))));
    expect(r.cacheSize).toBe(1);
    vec(r.cond, [-0.02, 0.01]);
    expect(r.switchCase).toBe(30);
    // Collatz trip counts of 6, 7 and 27 (OEIS A006577).
    expect(r.whileLoop).toEqual([8, 16, 111]);
    expect(r.foriLoop).toBe(120);
    expect(r.scan).toEqual([3.5, [0, 0.5, 1.5]]);
    closeTo(r.gradScan, 5 * 1.5 ** 4, 1e-12);
    expect(r.customJvp).toBe(1);
    expect(r.customVjp).toEqual([1, 1, 1]);
    // d/dx tanh(tanh(x/2)/2) = (1 - tanh²(u/2))/2 · (1 - tanh²(x/2))/2 with u = tanh(x/2).
    vec(r.checkpoint, xs.map((x) => { const u = Math.tanh(x / 2); return ((1 - Math.tanh(u / 2) ** 2) / 2) * ((1 - u * u) / 2); }));
  });
});
