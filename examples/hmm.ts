// Hidden Markov models: TFP's HiddenMarkovModel docstring example (cold and hot days with Gaussian
// temperatures) and Durbin et al.'s occasionally dishonest casino (a fair and a loaded die): expected
// temperatures, the log-likelihood of observations, posterior marginals (forward-backward) and the most
// likely hidden path (Viterbi).
import { fileURLToPath } from "node:url";
import { NDArray, np } from "@fluxion/core";
import { distributions as tfd, HiddenMarkovModel } from "@fluxion/prob";

const f64 = (x: number[] | number[][]) => np.array(x, "float64");
const nums = (a: NDArray) => Array.from(a.dataSync(), Number);

// TFP docstring: day 0 is cold with probability 0.8; a cold day is followed by a cold day with 0.7, a hot day
// by a hot day with 0.8; temperatures are N(0, 5) on cold days and N(15, 10) on hot days.
export const WEATHER = { initial: [0.8, 0.2], transition: [[0.7, 0.3], [0.2, 0.8]], loc: [0, 15], scale: [5, 10] };
export const WEATHER_TEMPS = [2, 18, 25, 1, -3, 14, 9];

// Durbin, Eddy, Krogh & Mitchison (1998), "Biological Sequence Analysis", §3.2: the casino switches from
// the fair to the loaded die with probability 0.05 and back with 0.1; the loaded die shows a six half the time.
export const CASINO = {
  initial: [0.5, 0.5],
  transition: [[0.95, 0.05], [0.1, 0.9]],
  faces: [[1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6], [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]],
};
/** Rolls as die faces minus one (0..5): a run of sixes in the middle. */
export const CASINO_ROLLS = [2, 0, 4, 3, 1, 2, 0, 4, 5, 5, 1, 5, 5, 5, 5, 3];

export interface HmmExampleResult {
  weatherMean: number[];
  weatherLogProbZeros: number;
  weatherLogProb: number;
  weatherPosteriorHot: number[];
  weatherViterbi: number[];
  casinoLogProb: number;
  casinoPosteriorLoaded: number[];
  casinoViterbi: number[];
}

export function main(log: (s: string) => void = console.log): HmmExampleResult {
  const weather = new HiddenMarkovModel({
    initialDistribution: new tfd.Categorical({ probs: f64(WEATHER.initial) }),
    transitionDistribution: new tfd.Categorical({ probs: f64(WEATHER.transition) }),
    observationDistribution: new tfd.Normal({ loc: f64(WEATHER.loc), scale: f64(WEATHER.scale) }),
    numSteps: 7,
  });
  const weatherMean = nums(weather.mean());
  log(`weather: expected temperature per day ${weatherMean.map((v) => v.toFixed(4)).join(", ")} (TFP: approaches 9.0)`);
  const weatherLogProbZeros = weather.logProb(f64(new Array(7).fill(0))).item();
  log(`weather: log p(a week at 0 degrees) = ${weatherLogProbZeros.toFixed(10)}`);
  const temps = f64(WEATHER_TEMPS);
  const weatherLogProb = weather.logProb(temps).item();
  // posteriorMarginals is a Categorical with batch [7]: p(state_t | all temperatures).
  const weatherPosteriorHot = nums(weather.posteriorMarginals(temps).probsParameter()).filter((_, i) => i % 2 === 1);
  const weatherViterbi = nums(weather.posteriorMode(temps));
  log(`weather: temperatures ${WEATHER_TEMPS.join(", ")}: log p = ${weatherLogProb.toFixed(10)}`);
  log(`weather: p(hot | temperatures) = ${weatherPosteriorHot.map((v) => v.toFixed(4)).join(", ")}; Viterbi path ${weatherViterbi.join("")}`);

  const casino = new HiddenMarkovModel({
    initialDistribution: new tfd.Categorical({ probs: f64(CASINO.initial) }),
    transitionDistribution: new tfd.Categorical({ probs: f64(CASINO.transition) }),
    observationDistribution: new tfd.Categorical({ probs: f64(CASINO.faces) }),
    numSteps: CASINO_ROLLS.length,
  });
  const rolls = np.array(CASINO_ROLLS, "int32");
  const casinoLogProb = casino.logProb(rolls).item();
  const casinoPosteriorLoaded = nums(casino.posteriorMarginals(rolls).probsParameter()).filter((_, i) => i % 2 === 1);
  const casinoViterbi = nums(casino.posteriorMode(rolls));
  log(`casino: rolls ${CASINO_ROLLS.map((r) => r + 1).join("")}: log p = ${casinoLogProb.toFixed(10)}`);
  log(`casino: p(loaded | rolls) = ${casinoPosteriorLoaded.map((v) => v.toFixed(4)).join(", ")}; Viterbi path ${casinoViterbi.join("")}`);
  return { weatherMean, weatherLogProbZeros, weatherLogProb, weatherPosteriorHot, weatherViterbi, casinoLogProb, casinoPosteriorLoaded, casinoViterbi };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
