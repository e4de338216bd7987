// Gaussian processes (TFP's GaussianProcess / GaussianProcessRegressionModel) and their kernels.
export * as psdKernels from "./psdKernels.js";
export { GaussianProcess, GaussianProcessRegressionModel, CholeskyError, type GaussianProcessParams, type GaussianProcessRegressionModelParams } from "./gaussianProcess.js";
