// JointDistributionCoroutine (TFP's joint_distribution_coroutine.py): the model is a JS generator function
// that yields each part's distribution (roots wrapped in Root) and receives the part's value back.
import { tree } from "@fluxion/core";
import { JointDistribution, Root, type JointDistributionOptions, type ModelGenerator, type Structured } from "./jointDistribution.js";
import { flattenByName, optionsOf } from "./sequential.js";

/** A coroutine model: `function* () { const x = yield Root(new Normal(...)); yield new Normal({loc: x, ...}); }`. */
export type CoroutineModel = () => ModelGenerator;

export class JointDistributionCoroutine extends JointDistribution {
  /** `JointDistributionCoroutine.Root(d)`, as TFP spells it. */
  static readonly Root = Root;
  readonly model: CoroutineModel;

  constructor(model: CoroutineModel, options: JointDistributionOptions = {}) {
    super(options, "JointDistributionCoroutine");
    if (typeof model !== "function") throw new TypeError("JointDistributionCoroutine: `model` must be a generator function (function* () { ... }).");
    this.model = model;
  }

  modelCoroutine(): ModelGenerator {
    const gen = this.model();
    if (!gen || typeof (gen as ModelGenerator).next !== "function") {
      throw new TypeError("JointDistributionCoroutine: `model` must be a generator function (function* () { ... yield ... }); it returned no generator.");
    }
    return gen;
  }

  modelFlatten<T>(value: Structured<T> | null | undefined, what = "value"): (T | null)[] {
    if (value === null || value === undefined) return this.flatNames().map(() => null);
    if (Array.isArray(value)) {
      const n = this.partAttributes().length;
      if (value.length > n) throw new Error(`JointDistributionCoroutine.${what}: got ${value.length} parts for a model of ${n}.`);
      return Array.from({ length: n }, (_, i) => value[i] ?? null);
    }
    return flattenByName(this.constructor.name, what, value, this.flatNames());
  }

  modelUnflatten<T>(xs: readonly T[]): T[] {
    return [...xs];
  }

  /** Explicit distribution names, or `var0`, `var1`, ... (TFP's dummy names). */
  flatNames(): string[] {
    const names = this.partAttributes().map((a, i) => a.name ?? `var${i}`);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new Error(`JointDistributionCoroutine: duplicated part name "${n}".`);
      seen.add(n);
    }
    return names;
  }
}

tree.registerPytreeNode<JointDistributionCoroutine, { model: CoroutineModel; options: JointDistributionOptions }>(
  JointDistributionCoroutine,
  (jd) => [[], { model: jd.model, options: optionsOf(jd) }] as const,
  (aux) => new JointDistributionCoroutine(aux.model, aux.options),
);
