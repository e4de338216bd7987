// The default event-space bijector of a joint distribution (TFP's _DefaultJointBijector): part by part, the
// part's own default bijector, conditioned on the (constrained) values of the parts before it.
import { NDArray, np } from "@fluxion/core";
import { Bijector, BijectorError, registerBijector, type BijectorOptions, type Ndims, type Shape, type ShapeStructure, type Value } from "../bijectors/bijector.js";
import { Identity } from "../bijectors/elementwise.js";
import type { AnyBijector } from "../bijectors/composition.js";
import type { Distribution } from "../distributions/distribution.js";
import { RootDistribution, setBijectorFactory, type JointModel, type Structured } from "./jointDistribution.js";
import { mapOverExtraDims } from "./vectorize.js";

export interface JointDistributionDefaultBijectorParams extends BijectorOptions {
  /** A joint distribution or a pinned joint. */
  distribution: JointModel;
  /** Static structure of the unconstrained parts' event ranks (computed from the model when omitted). */
  forwardMinEventNdims?: Ndims;
  /** Static structure of the constrained parts' event ranks (computed from the model when omitted). */
  inverseMinEventNdims?: Ndims;
}

/** A part's default event-space bijector; Identity for discrete parts (TFP does the same). */
function partBijector(d: Distribution): AnyBijector {
  return d.defaultEventSpaceBijector() ?? (new Identity() as AnyBijector);
}

const unwrap = (s: Distribution | RootDistribution): Distribution => (s instanceof RootDistribution ? s.distribution : s);

export class JointDistributionDefaultBijector extends Bijector<Value, Value> {
  readonly distribution: JointModel;

  constructor(params: JointDistributionDefaultBijectorParams) {
    const model = params.distribution;
    let fmin = params.forwardMinEventNdims;
    let imin = params.inverseMinEventNdims;
    if (fmin === undefined || imin === undefined) {
      const nds = model.partEventNdims();
      const bijectors = model.singleSampleDistributions().map(partBijector);
      imin = model.modelUnflatten(nds) as Ndims;
      fmin = model.modelUnflatten(bijectors.map((b, i) => b.inverseEventNdims(nds[i]!) as number)) as Ndims;
    }
    const name = params.name ?? "default_joint_bijector";
    const validateArgs = params.validateArgs ?? model.validateArgs;
    super({
      forwardMinEventNdims: fmin,
      inverseMinEventNdims: imin,
      name,
      validateArgs,
      parameters: { distribution: model, forwardMinEventNdims: fmin, inverseMinEventNdims: imin, name, validateArgs },
    });
    this.distribution = model;
  }

  /** The part bijectors of one draw, each conditioned on the constrained values before it. */
  override get partsInteract(): boolean {
    return true;
  }

  private flat(v: unknown): NDArray[] {
    return this.distribution.modelFlatten(v as Structured<NDArray>) as NDArray[];
  }
  private flatNdims(nd: Ndims): number[] {
    return this.distribution.modelFlatten(nd as Structured<number>) as number[];
  }

  /**
   * Walks the model: at part i, `step(bijector_i, value_i, i)` returns a result and the constrained value the
   * model continues with.
   */
  private walk<R>(values: readonly NDArray[], step: (b: AnyBijector, v: NDArray, i: number) => [R, NDArray]): R[] {
    const gen = this.distribution.modelCoroutine();
    let s = gen.next();
    const out: R[] = [];
    for (let i = 0; i < values.length; i++) {
      if (s.done) throw new BijectorError(`${this.constructor.name}: the model has fewer parts than the value (${values.length}).`);
      const b = partBijector(unwrap(s.value));
      const [r, constrained] = step(b, values[i]!, i);
      out.push(r);
      s = gen.next(constrained);
    }
    return out;
  }

  /** Runs `f` on the flat parts, vmapping over extra leading dims when the joint is written for single draws. */
  private vectorized<R>(values: NDArray[], minNdims: Ndims, f: (vs: NDArray[]) => R): R {
    if (!this.distribution.useVectorizedMap) return f(values);
    const batch = this.distribution.jointBatchNdims();
    const core = this.flatNdims(minNdims).map((n) => n + batch);
    return mapOverExtraDims(this.constructor.name, (vs) => f(vs as NDArray[]), values, core);
  }

  protected _forward(x: Value): Value {
    const xs = this.flat(x);
    const ys = this.vectorized(xs, this.forwardMinEventNdims, (vs) =>
      this.walk(vs, (b, v) => {
        const y = b.forward(v) as NDArray;
        return [y, y];
      }),
    );
    return this.distribution.modelUnflatten(ys) as Value;
  }

  protected _inverse(y: Value): Value {
    const ys = this.flat(y);
    const xs = this.vectorized(ys, this.inverseMinEventNdims, (vs) => this.walk(vs, (b, v) => [b.inverse(v) as NDArray, v]));
    return this.distribution.modelUnflatten(xs) as Value;
  }

  protected override _forwardLogDetJacobian(x: Value): NDArray {
    const nds = this.flatNdims(this.forwardMinEventNdims);
    return this.vectorized(this.flat(x), this.forwardMinEventNdims, (vs) =>
      sum(
        this.walk(vs, (b, v, i) => {
          const y = b.forward(v) as NDArray;
          return [b.forwardLogDetJacobian(v, nds[i]!), y];
        }),
      ),
    );
  }

  protected override _inverseLogDetJacobian(y: Value): NDArray {
    const nds = this.flatNdims(this.inverseMinEventNdims);
    return this.vectorized(this.flat(y), this.inverseMinEventNdims, (vs) => sum(this.walk(vs, (b, v, i) => [b.inverseLogDetJacobian(v, nds[i]!), v])));
  }

  protected override _forwardEventShape(shape: ShapeStructure): ShapeStructure {
    const bs = this.distribution.singleSampleDistributions().map(partBijector);
    const shapes = this.distribution.modelFlatten(shape as Structured<Shape>) as Shape[];
    return this.distribution.modelUnflatten(shapes.map((s, i) => [...(bs[i]!.forwardEventShape(s) as Shape)])) as ShapeStructure;
  }

  protected override _inverseEventShape(shape: ShapeStructure): ShapeStructure {
    const bs = this.distribution.singleSampleDistributions().map(partBijector);
    const shapes = this.distribution.modelFlatten(shape as Structured<Shape>) as Shape[];
    return this.distribution.modelUnflatten(shapes.map((s, i) => [...(bs[i]!.inverseEventShape(s) as Shape)])) as ShapeStructure;
  }
}

function sum(parts: NDArray[]): NDArray {
  return parts.slice(1).reduce((a, b) => np.add(a, b), parts[0]!);
}

registerBijector(JointDistributionDefaultBijector, ["distribution"], (p) => new JointDistributionDefaultBijector(p as unknown as JointDistributionDefaultBijectorParams));
setBijectorFactory((model) => new JointDistributionDefaultBijector({ distribution: model }));
