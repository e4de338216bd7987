// A distribution built around one inner distribution (Independent, Sample, Masked): values, their
// dtypes and the reparameterization type are the inner distribution's.
import { NDArray, np, type DType } from "@fluxion/core";
import { Distribution, type DistributionOptions } from "./distribution.js";
import type { FloatDType } from "./internal.js";

export abstract class WrappingDistribution extends Distribution {
  readonly distribution: Distribution;

  protected constructor(params: DistributionOptions & { distribution: Distribution }, prefix: string) {
    super({ name: `${prefix}${params.distribution.name}`, ...params });
    this.distribution = params.distribution;
  }
  get dtype(): DType {
    return this.distribution.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.distribution.floatDtype;
  }
  override get reparameterizationType() {
    return this.distribution.reparameterizationType;
  }
  protected override _convertValue(value: Parameters<Distribution["logProb"]>[0]): NDArray {
    return value instanceof NDArray ? value : np.asarray(value, this.distribution.floatDtype);
  }
}
