// makeJaxpr prints programs like JAX's jaxprs: typed SSA equations, params in brackets, nested bodies.
import { describe, expect, it } from "vitest";
import { NDArray, np, lax } from "@fluxion/core";
import { grad, makeJaxpr, vmap, scan, cond } from "@fluxion/transforms";

describe("makeJaxpr", () => {
  it("prints the STYLE.md example", () => {
    expect(makeJaxpr((x: NDArray) => np.sin(np.multiply(x, 2)))(np.ones([3])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          b:f32[3] = broadcast_in_dim[shape=(3,) broadcastDimensions=()] 2.0
          c:f32[3] = mul a b
          d:f32[3] = sin c
        in (d,) }"
    `);
  });
  it("prints closed-over arrays as constvars before the semicolon", () => {
    const w = np.array([1, 2, 3]);
    expect(makeJaxpr((x: NDArray) => lax.add(x, w))(np.ones([3])).toString()).toMatchInlineSnapshot(`
      "{ lambda a:f32[3] ; b:f32[3]. let
          c:f32[3] = add b a
        in (c,) }"
    `);
  });
  it("prints the gradient program", () => {
    expect(makeJaxpr(grad((x: NDArray) => np.sum(np.sin(x))))(np.ones([2])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2]. let
          b:f32[2] = cos a
          c:f32[2] = broadcast_in_dim[shape=(2,) broadcastDimensions=()] 1.0
          d:f32[2] = mul c b
        in (d,) }"
    `);
  });
  it("prints a vmapped dot as one dot_general", () => {
    expect(makeJaxpr(vmap((a: NDArray, b: NDArray) => np.dot(a, b)))(np.ones([4, 3]), np.ones([4, 3])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[4,3] b:f32[4,3]. let
          c:f32[4] = dot_general[contracting=((1,), (1,)) batch=((0,), (0,))] a b
        in (c,) }"
    `);
  });
  it("prints scan and cond with their bodies", () => {
    const f = (xs: NDArray) => scan((c: NDArray, x: NDArray) => [cond(np.greater(x, 0), (a: NDArray) => np.add(a, x), (a: NDArray) => a, c), c] as [NDArray, NDArray], np.array(0), xs);
    expect(makeJaxpr(f)(np.ones([5])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[5]. let
          b:f32[] c:f32[5] = scan[
            jaxpr={ lambda ; d:f32[] e:f32[]. let
                f:bool[] = gt e 0.0
                g:i32[] = convert_element_type[newDtype=int32 weakType=False] f
                h:f32[] = cond[
                  branches=(
                    { lambda ; i:f32[] j:f32[]. let
                      in (j,) }
                    { lambda ; k:f32[] l:f32[]. let
                        m:f32[] = add l k
                      in (m,) }
                  )
                ] g e d
              in (h, d) }
            numConsts=0
            numCarry=1
            length=5
            reverse=False
          ] 0.0 a
        in (b, c) }"
    `);
  });
});
