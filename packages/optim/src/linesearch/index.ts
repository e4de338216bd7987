// The `linesearch` namespace of @fluxion/optim (TFP's tfp.optimizer.linesearch).
export { hagerZhang, type HagerZhangOptions, type HagerZhangResult, type LinePoint, type LineFunction } from "./hagerZhang.js";
