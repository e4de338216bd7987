// Closed-form KL(p || q) for pairs of distributions (the formulas TFP registers beside each distribution),
// written in stable forms: log-scale differences through expm1, 0 log 0 = 0 for discrete laws.
import { NDArray, np, special } from "@fluxion/core";
import { NotImplementedError, type Distribution } from "../distributions/distribution.js";
import * as tfd from "../distributions/index.js";
import { EULER_GAMMA, broadcastShapes, broadcastTo, softplus, sumLastAxes } from "../distributions/internal.js";
import { mulNoNan } from "../distributions/bernoulli.js";
import { DiagScale, type ScaleOperator } from "../distributions/linearOperator.js";
import { JointDistributionNamed } from "../joint/named.js";
import { JointDistributionSequential } from "../joint/sequential.js";
import { klDivergence, registerKl } from "./registry.js";

const sub = np.subtract;
const mul = np.multiply;
const div = np.divide;

// ---------------------------------------------------------------- location-scale families

/** KL between normals: ½((μa-μb)/σb)² + ½ expm1(2 log(σa/σb)) - log(σa/σb) (TFP's _kl_normal_normal). */
function normalKl(locA: NDArray, scaleA: NDArray, locB: NDArray, scaleB: NDArray): NDArray {
  const diffLogScale = sub(np.log(scaleA), np.log(scaleB));
  return np.add(sub(mul(0.5, np.square(div(sub(locA, locB), scaleB))), diffLogScale), mul(0.5, np.expm1(mul(2, diffLogScale))));
}
registerKl(tfd.Normal, tfd.Normal, (a, b) => normalKl(a.loc, a.scale, b.loc, b.scale));
// log X is normal under both, and KL is invariant under the common bijection.
registerKl(tfd.LogNormal, tfd.LogNormal, (a, b) => normalKl(a.loc, a.scale, b.loc, b.scale));

/** log(σb/σa) + σa²/(2σb²) - ½, as ½ expm1(2 log r) - log r with r = σa/σb. */
registerKl(tfd.HalfNormal, tfd.HalfNormal, (a, b) => {
  const logRatio = sub(np.log(a.scale), np.log(b.scale));
  return sub(mul(0.5, np.expm1(mul(2, logRatio))), logRatio);
});

/** TFP's _kl_laplace_laplace: -log(σa/σb) - 1 + |μa-μb|/σb + (σa/σb) exp(-|μa-μb|/σa). */
registerKl(tfd.Laplace, tfd.Laplace, (a, b) => {
  const distance = np.abs(sub(a.loc, b.loc));
  const ratio = div(a.scale, b.scale);
  return np.add(sub(np.negative(np.log(ratio)), 1), np.add(div(distance, b.scale), mul(ratio, np.exp(np.negative(div(distance, a.scale))))));
});

/**
 * Gumbel: log(σb/σa) + γ(σa/σb - 1) + expm1((μb-μa)/σb + lgamma(σa/σb + 1)) + (μa-μb)/σb, from
 * E_p[exp(-(X-μb)/σb)] = exp((μb-μa)/σb) Γ(1 + σa/σb) (TFP's _kl_gumbel_gumbel).
 */
registerKl(tfd.Gumbel, tfd.Gumbel, (a, b) => {
  const r = div(a.scale, b.scale);
  const t = np.add(div(sub(b.loc, a.loc), b.scale), special.gammaln(np.add(r, 1)));
  return np.add(np.add(sub(np.log(b.scale), np.log(a.scale)), mul(EULER_GAMMA, sub(r, 1))), np.add(np.expm1(t), div(sub(a.loc, b.loc), b.scale)));
});

/** log((hb - lb)/(ha - la)) when [la, ha] lies inside [lb, hb], +∞ otherwise. */
registerKl(tfd.Uniform, tfd.Uniform, (a, b) => {
  const inside = np.logicalAnd(np.lessEqual(b.low, a.low), np.greaterEqual(b.high, a.high));
  const kl = sub(np.log(sub(b.high, b.low)), np.log(sub(a.high, a.low)));
  return np.where(inside, kl, np.fullLike(kl, Infinity));
});

// ---------------------------------------------------------------- gamma family

interface GammaLike {
  concentration: NDArray;
  logRate: NDArray;
}
/** Gamma, Exponential (= Gamma(1, rate)) and Chi2 (= Gamma(df/2, 1/2)) in one parameterization. */
function asGamma(d: tfd.Gamma | tfd.Exponential | tfd.Chi2): GammaLike {
  if (d instanceof tfd.Gamma) return { concentration: d.concentration, logRate: d.logRateParameter() };
  if (d instanceof tfd.Exponential) return { concentration: np.onesLike(d.rate), logRate: np.log(d.rate) };
  return { concentration: mul(0.5, d.df), logRate: np.fullLike(d.df, Math.log(0.5)) };
}
/** TFP's _kl_gamma_gamma: (ca-cb)ψ(ca) + lnΓ(cb) - lnΓ(ca) + cb(log ra - log rb) + ca expm1(log rb - log ra). */
function gammaKl(p: GammaLike, q: GammaLike): NDArray {
  const ca = p.concentration, cb = q.concentration;
  const t1 = mul(sub(ca, cb), special.digamma(ca));
  const t2 = sub(special.gammaln(cb), special.gammaln(ca));
  const t3 = mul(cb, sub(p.logRate, q.logRate));
  const t4 = mul(ca, np.expm1(sub(q.logRate, p.logRate)));
  return np.add(np.add(t1, t2), np.add(t3, t4));
}
const gammaClasses = [tfd.Gamma, tfd.Exponential, tfd.Chi2] as const;
for (const P of gammaClasses) {
  for (const Q of gammaClasses) registerKl(P, Q, (a: tfd.Gamma | tfd.Exponential | tfd.Chi2, b: tfd.Gamma | tfd.Exponential | tfd.Chi2) => gammaKl(asGamma(a), asGamma(b)));
}

/** Beta: ln B(b) - ln B(a) + (a1-b1)ψ(a1) + (a0-b0)ψ(a0) + (b1-a1+b0-a0)ψ(a1+a0) (TFP's _kl_beta_beta). */
registerKl(tfd.Beta, tfd.Beta, (a, b) => {
  const a1 = a.concentration1, a0 = a.concentration0, b1 = b.concentration1, b0 = b.concentration0;
  const lbeta = sub(special.betaln(b1, b0), special.betaln(a1, a0));
  const t1 = mul(sub(a1, b1), special.digamma(a1));
  const t0 = mul(sub(a0, b0), special.digamma(a0));
  const tt = mul(sub(np.add(b1, b0), np.add(a1, a0)), special.digamma(np.add(a1, a0)));
  return np.add(np.add(lbeta, t1), np.add(t0, tt));
});

/** Dirichlet: lnΓ(Σa) - Σ lnΓ(a) - lnΓ(Σb) + Σ lnΓ(b) + Σ (a - b)(ψ(a) - ψ(Σa)) (TFP's _kl_dirichlet_dirichlet). */
registerKl(tfd.Dirichlet, tfd.Dirichlet, (a, b) => {
  const ca = a.concentration, cb = b.concentration;
  const sa = np.sum(ca, -1);
  const sb = np.sum(cb, -1);
  const normalizers = np.add(sub(special.gammaln(sa), np.sum(special.gammaln(ca), -1)), sub(np.sum(special.gammaln(cb), -1), special.gammaln(sb)));
  const digammaDiff = sub(special.digamma(ca), np.expandDims(special.digamma(sa), -1));
  return np.add(normalizers, np.sum(mul(sub(ca, cb), digammaDiff), -1));
});

// ---------------------------------------------------------------- discrete laws

/** Σ_k p_a(k) (log p_a(k) - log p_b(k)), with categories of zero probability under p contributing 0. */
function categoricalKl(logitsA: NDArray, logitsB: NDArray): NDArray {
  const logPa = special.logSoftmax(logitsA, -1);
  const logPb = special.logSoftmax(logitsB, -1);
  return np.sum(mulNoNan(np.exp(logPa), sub(logPa, logPb)), -1);
}
registerKl(tfd.Categorical, tfd.Categorical, (a, b) => categoricalKl(a.logitsParameter(), b.logitsParameter()));
registerKl(tfd.OneHotCategorical, tfd.OneHotCategorical, (a, b) => categoricalKl(a.logitsParameter(), b.logitsParameter()));

/** TFP's _kl_bernoulli_bernoulli, in logits: σ(la)(sp(-lb) - sp(-la)) + σ(-la)(sp(lb) - sp(la)). */
registerKl(tfd.Bernoulli, tfd.Bernoulli, (a, b) => {
  const la = a.logitsParameter(), lb = b.logitsParameter();
  const delta0 = sub(softplus(np.negative(lb)), softplus(np.negative(la)));
  const delta1 = sub(softplus(lb), softplus(la));
  return np.add(mul(special.expit(la), delta0), mul(special.expit(np.negative(la)), delta1));
});

/** λa (log λa - log λb) - λa + λb. */
registerKl(tfd.Poisson, tfd.Poisson, (a, b) => {
  const logA = a.logRate ?? np.log(a.rate!);
  const logB = b.logRate ?? np.log(b.rate!);
  const rateA = a.rate ?? np.exp(a.logRate!);
  const rateB = b.rate ?? np.exp(b.logRate!);
  return np.add(mul(rateA, sub(logA, logB)), sub(rateB, rateA));
});

// ---------------------------------------------------------------- multivariate normals

/** ‖Lb⁻¹ La‖_F² over the trailing two axes, for the batch shape of both operators broadcast. */
function traceTerm(a: ScaleOperator, b: ScaleOperator, batch: readonly number[], k: number): NDArray {
  if (a instanceof DiagScale && b instanceof DiagScale) return np.sum(np.square(div(a.diag, b.diag)), -1);
  const la = broadcastTo(a.dense(), [...batch, k, k]);
  // Columns of La first, so the solve treats them as right-hand sides.
  const columns = np.moveaxis(la, -1, 0);
  const solved = b.solve(columns);
  return np.sum(np.square(solved), [0, solved.ndim - 1]);
}

/** KL between multivariate normals (any pair of scale operators): log|Lb| - log|La| + ½(‖Lb⁻¹La‖² + ‖Lb⁻¹(μb-μa)‖² - k). */
registerKl(tfd.MultivariateNormalLinearOperator, tfd.MultivariateNormalLinearOperator, (a, b) => {
  const k = a.eventShape[0]!;
  if (b.eventShape[0] !== k) throw new Error(`klDivergence: multivariate normals of different event sizes (${k} and ${b.eventShape[0]}).`);
  const sa = a.scale(), sb = b.scale();
  const batch = broadcastShapes("klDivergence(MultivariateNormal)", a.batchShape, b.batchShape);
  const t = traceTerm(sa, sb, batch, k);
  const m = np.sum(np.square(sb.solve(sub(b.mean(), a.mean()))), -1);
  return np.add(sub(sb.logAbsDet(), sa.logAbsDet()), mul(0.5, sub(np.add(t, m), k)));
});

// ---------------------------------------------------------------- meta-distributions and joints

const sameShape = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((d, i) => d === y[i]);

/** KL of the inner laws summed over the reinterpreted dims (TFP's _kl_independent). */
registerKl(tfd.Independent, tfd.Independent, (a, b) => {
  if (!sameShape(a.eventShape, b.eventShape)) throw new Error(`klDivergence(Independent): event shapes [${a.eventShape}] and [${b.eventShape}] differ.`);
  if (!sameShape(a.distribution.eventShape, b.distribution.eventShape)) throw new NotImplementedError("klDivergence: KL between Independents whose inner distributions have different event shapes is not supported (as in TFP).");
  return sumLastAxes(klDivergence(a.distribution, b.distribution), a.eventShape.length - a.distribution.eventShape.length);
});

/** iid copies: the inner KL times the number of copies (TFP's _kl_sample). */
registerKl(tfd.Sample, tfd.Sample, (a, b) => {
  if (!sameShape(a.sampleShape, b.sampleShape)) throw new Error(`klDivergence(Sample): sample shapes [${a.sampleShape}] and [${b.sampleShape}] differ.`);
  const n = a.sampleShape.reduce((x, y) => x * y, 1);
  return mul(klDivergence(a.distribution, b.distribution), n);
});

/** Joints of independent parts: the sum of the parts' KLs, reduced over batch-as-event dims as their logProb (TFP's _kl_joint_joint). */
function jointKl(a: JointDistributionSequential | JointDistributionNamed, b: JointDistributionSequential | JointDistributionNamed): NDArray {
  if (!a.partsAreIndependent || !b.partsAreIndependent) throw new Error("klDivergence: KL between joint distributions needs every part of both to be independent (no part a function of another), as in TFP.");
  const pa = a.independentDistributions();
  const pb = b.independentDistributions();
  const na = a.flatNames(), nb = b.flatNames();
  if (pa.length !== pb.length || na.some((n, i) => n !== nb[i] && a instanceof JointDistributionNamed)) {
    throw new Error(`klDivergence: the joint distributions have different parts (${na.join(", ")} vs ${nb.join(", ")}).`);
  }
  const parts = pa.map((d: Distribution, i) => {
    const kl = klDivergence(d, pb[i]!);
    return a.batchNdims === null ? kl : sumLastAxes(kl, Math.max(0, kl.ndim - a.batchNdims));
  });
  return parts.slice(1).reduce((x, y) => np.add(x, y), parts[0]!);
}
registerKl(JointDistributionSequential, JointDistributionSequential, jointKl);
registerKl(JointDistributionNamed, JointDistributionNamed, jointKl);
