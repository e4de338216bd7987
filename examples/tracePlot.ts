// Trace plots and posterior histograms of MCMC draws, rendered to SVG headlessly with Vega-Lite.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface TraceSeries {
  name: string;
  /** draws[t][c]: draw t of chain c. */
  draws: number[][];
}

/** One row per parameter: the trace (draw vs value, coloured by chain) and a histogram. */
export async function tracePlotSvg(series: readonly TraceSeries[]): Promise<string> {
  const values = series.flatMap((s) => s.draws.flatMap((row, t) => row.map((v, c) => ({ param: s.name, draw: t, chain: `chain ${c}`, value: v }))));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    data: { values },
    facet: { row: { field: "param", type: "nominal", title: null } },
    spec: {
      hconcat: [
        {
          width: 420, height: 80,
          mark: { type: "line", strokeWidth: 0.6, opacity: 0.8 },
          encoding: {
            x: { field: "draw", type: "quantitative" },
            y: { field: "value", type: "quantitative", scale: { zero: false } },
            color: { field: "chain", type: "nominal" },
          },
        },
        {
          width: 160, height: 80,
          mark: "bar",
          encoding: {
            x: { field: "value", type: "quantitative", bin: { maxbins: 30 } },
            y: { aggregate: "count", type: "quantitative", title: "count" },
          },
        },
      ],
    },
    resolve: { scale: { y: "independent", x: "independent" } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
