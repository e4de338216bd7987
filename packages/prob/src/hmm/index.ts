// Hidden Markov models (TFP's tfd.HiddenMarkovModel).
export { HiddenMarkovModel, type HiddenMarkovModelParams } from "./hiddenMarkovModel.js";
