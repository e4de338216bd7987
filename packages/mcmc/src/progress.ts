// Progress reporting for long MCMC runs: a callback, or a terminal progress bar (cli-progress) on stderr.
// The samplers call it between compiled chunks, so reporting never enters a traced program.
import cliProgress from "cli-progress";

export interface ProgressEvent {
  /** Which part of the run the steps belong to. */
  phase: "warmup" | "sampling";
  /** Steps done in this phase so far (grows monotonically), and the phase's length. */
  phaseDone: number;
  phaseTotal: number;
  /** Steps done over the whole run (warmup + draws), and the run's length. */
  done: number;
  total: number;
}

/** `true` draws a progress bar on stderr; a function receives every event; false / undefined reports nothing. */
export type ProgressOption = boolean | ((event: ProgressEvent) => void);

export interface ProgressReporter {
  report(event: ProgressEvent): void;
  /** Ends the bar (a no-op for callbacks). */
  stop(): void;
}

/** The reporter for an option, or null when progress is off. */
export function progressReporter(option: ProgressOption | undefined, label = "NUTS"): ProgressReporter | null {
  if (!option) return null;
  if (typeof option === "function") return { report: option, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {phase} |{bar}| {value}/{total} steps | {duration_formatted} elapsed, ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      // Without a terminal (CI logs) print plain lines instead of redrawing.
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    report(event) {
      if (!started) {
        bar.start(event.total, 0, { phase: event.phase });
        started = true;
      }
      bar.update(event.done, { phase: event.phase });
      // Without a terminal cli-progress prints on a timer, which never fires while the compiled chunks run
      // back to back: print a line per chunk instead.
      if (!process.stderr.isTTY) bar.render();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
