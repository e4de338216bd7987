// Shared types and argument checks for the js backend's batched dense linear-algebra kernels.

/** Storage the kernels accept; every kernel computes in float64 whatever the storage is. */
export type FloatArray = Float64Array | Float32Array;

/** Thrown when a kernel's buffers or sizes disagree; the message names the op, the sizes and the fix. */
export class LinalgArgumentError extends Error {
  constructor(op: string, detail: string) {
    super(`linalg.${op}: ${detail}`);
    this.name = "LinalgArgumentError";
  }
}

export function checkDims(op: string, dims: Record<string, number>): void {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new LinalgArgumentError(op, `${name} must be a non-negative integer, got ${value}.`);
    }
  }
}

export function checkLength(
  op: string,
  bufferName: string,
  buffer: ArrayLike<number>,
  expected: number,
  shape: string,
): void {
  if (buffer.length !== expected) {
    throw new LinalgArgumentError(
      op,
      `${bufferName} has length ${buffer.length} but shape ${shape} needs ${expected}; ` +
        `allocate ${bufferName} with exactly ${expected} elements.`,
    );
  }
}
