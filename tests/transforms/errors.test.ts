// Bad input gets an error naming the op, the shapes/dtypes and the fix.
import { describe, expect, it } from "vitest";
import { NDArray, np, lax, ShapeError, DTypeError, TracerLeakError, ConcretizationError, TransformError, DisposedError } from "@fluxion/core";
import { grad, vmap, jit, scan, whileLoop, cond } from "@fluxion/transforms";

describe("error messages", () => {
  it("mismatched shapes name the op and both shapes", () => {
    expect(() => np.add(np.ones([2, 3]), np.ones([4]))).toThrow(ShapeError);
    expect(() => np.add(np.ones([2, 3]), np.ones([4]))).toThrow(/add: shapes \[2,3\], \[4\] cannot be broadcast together.*Reshape or expand/);
    expect(() => np.matmul(np.ones([2, 3]), np.ones([2, 3]))).toThrow(/matmul: inner dimensions differ: \[2,3\] @ \[2,3\]/);
    expect(() => np.reshape(np.ones([6]), [4, 2])).toThrow(/reshape: cannot reshape f32\[6\] \(size 6\) to \[4,2\]/);
  });
  it("lax ops refuse mismatched dtypes and say how to convert", () => {
    expect(() => lax.add(np.ones([2], "float32"), np.ones([2], "float64"))).toThrow(DTypeError);
    expect(() => lax.add(np.ones([2], "float32"), np.ones([2], "float64"))).toThrow(/add: operand dtypes float32 and float64 differ; convert one with \.astype\(\)/);
    expect(() => np.sin(np.array([true]))).not.toThrow();
    expect(() => lax.sin(np.array([1], "int32"))).toThrow(/sin: got dtype int32, but it needs a float dtype.*astype\("float32"\)/);
  });
  it("grad of a non-scalar output", () => {
    expect(() => grad((x: NDArray) => np.sin(x))(np.ones([3]))).toThrow(TransformError);
    expect(() => grad((x: NDArray) => np.sin(x))(np.ones([3]))).toThrow(/must return a scalar, got shape \[3\].*jacrev/);
  });
  it("grad with integer inputs", () => {
    expect(() => grad((x: NDArray) => np.sum(x))(np.array([1, 2], "int32"))).toThrow(DTypeError);
    expect(() => grad((x: NDArray) => np.sum(x))(np.array([1, 2], "int32"))).toThrow(/dtype int32; grad needs float inputs.*astype\("float32"\)/);
  });
  it("a tracer leaking out of a transform", () => {
    let leaked: NDArray | null = null;
    grad((x: NDArray) => { leaked = np.sin(x); return np.sum(x); })(np.ones([2]));
    expect(() => np.add(leaked!, 1)).toThrow(TracerLeakError);
    expect(() => np.add(leaked!, 1)).toThrow(/tracer from a jvp transform that has already finished.*Return it from the transformed function/);
    let leakedJit: NDArray | null = null;
    jit((x: NDArray) => { leakedJit = np.cos(x); return x; })(np.ones([2]));
    expect(() => np.multiply(leakedJit!, 2)).toThrow(/tracer from a jit transform that has already finished/);
  });
  it("reading values of an abstract tracer", () => {
    expect(() => jit((x: NDArray) => (x.item() > 0 ? x : np.negative(x)))(np.array(1))).toThrow(ConcretizationError);
    expect(() => jit((x: NDArray) => (x.item() > 0 ? x : np.negative(x)))(np.array(1))).toThrow(/Use array operations \(np\.where, cond, whileLoop\).*staticArgnums/);
  });
  it("wrong inAxes", () => {
    expect(() => vmap((x: NDArray) => x, { inAxes: 2 })(np.ones([3, 4]))).toThrow(/inAxes 2 is out of range for argument leaf 0 of shape \[3,4\]/);
    expect(() => vmap((x: NDArray, y: NDArray) => np.add(x, y))(np.ones([3]), np.ones([4]))).toThrow(/mapped axes have different sizes \{3, 4\}/);
    expect(() => vmap((p: { a: NDArray }) => p.a, { inAxes: [[0, 0]] })({ a: np.ones([2]) })).toThrow(/inAxes .* does not match the arguments' structure/);
    expect(() => vmap((x: NDArray) => x, { inAxes: null })(np.ones([2]))).toThrow(/no argument is mapped.*axisSize/);
  });
  it("control flow with mismatched carries or branches", () => {
    expect(() => scan((c: NDArray, x: NDArray) => [np.stack([c, x]), x] as [NDArray, NDArray], np.array(0), np.ones([3]))).toThrow(/scan: carry leaf 0 enters as f32\[\] but the body returns f32\[2\]/);
    expect(() => whileLoop((c: NDArray) => np.less(c, 3), (c: NDArray) => c.astype("float64"), np.array(0, "float32"))).toThrow(/whileLoop: carry leaf 0 enters as f32\[\] but the body returns f64\[\]/);
    expect(() => cond(true, (x: NDArray) => x, (x: NDArray) => np.stack([x, x]), np.array(1))).toThrow(/cond: branch 1 returns \(f32\[\]\) but branch 0 returns \(f32\[2\]\); all branches must return the same shapes/);
  });
  it("use after dispose", () => {
    const x = np.ones([2]);
    x.dispose();
    expect(() => np.add(x, 1)).toThrow(DisposedError);
    expect(() => x.toArray()).toThrow(/used after dispose\(\)/);
  });
});
