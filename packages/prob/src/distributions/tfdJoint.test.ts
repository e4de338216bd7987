// Joint distributions are also reachable through `tfd`, as in TFP.
import { describe, expect, it } from "vitest";
import { random } from "@fluxion/core";
import { distributions as tfd, JointDistributionNamed, JointDistributionCoroutine } from "../index.js";

describe("tfd namespace", () => {
  it("exports the joint distribution classes", () => {
    expect(tfd.JointDistributionNamed).toBe(JointDistributionNamed);
    expect(tfd.JointDistributionCoroutine).toBe(JointDistributionCoroutine);
  });
  it("a joint built through tfd has logProb = the sum of its parts' closed-form densities", () => {
    const jd = new tfd.JointDistributionNamed({
      a: new tfd.Normal({ loc: 0, scale: 1 }),
      b: { deps: ["a"], fn: (a: unknown) => new tfd.Normal({ loc: a as never, scale: 2 }) },
    } as never);
    const s = jd.sample(random.key(0)) as { a: { item(): number }; b: { item(): number } };
    const a = s.a.item();
    const b = s.b.item();
    const logN = (x: number, m: number, sd: number) => -0.5 * ((x - m) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    expect((jd.logProb(s as never) as { item(): number }).item()).toBeCloseTo(logN(a, 0, 1) + logN(b, a, 2), 5);
  });
});
