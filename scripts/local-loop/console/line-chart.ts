import { escapeHtml } from './html';

export interface ChartSeries {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
}

const WIDTH = 420;
const HEIGHT = 190;
const PAD = { left: 46, right: 10, top: 10, bottom: 38 };
const COLOURS = ['#2457c5', '#d64545', '#1b7f4c', '#b26b00', '#7b3fb2', '#0f7b8a'];

/**
 * A small line chart as inline SVG: each series over `[from, to]`, the y axis from 0 (or the lowest
 * value, if negative) to the highest value or threshold, a dashed threshold line when given, and a
 * legend under the axis.
 */
export function lineChartSvg(options: {
  readonly series: readonly ChartSeries[];
  readonly from: number;
  readonly to: number;
  readonly threshold?: number;
}): string {
  const { series, from, to, threshold } = options;
  const values = series.flatMap((s) => s.points.map(([, value]) => value));
  if (threshold !== undefined) values.push(threshold);
  const low = Math.min(0, ...values);
  const high = Math.max(low + 1e-9, ...values) * 1.08;
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);
  const lines = series.map((s, index) => {
    const colour = COLOURS[index % COLOURS.length];
    const d = s.points
      .map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
      .join(' ');
    const dots =
      s.points.length === 1
        ? `<circle cx="${x(s.points[0]?.[0] ?? from)}" cy="${y(s.points[0]?.[1] ?? 0)}" r="2.5" fill="${colour}"/>`
        : '';
    return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.8"><title>${escapeHtml(s.label)}</title></path>${dots}`;
  });
  const ticks = [low, (low + high / 1.08) / 2, high / 1.08].map(
    (v) =>
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eef1f4"/><text x="${PAD.left - 4}" y="${y(v) + 3}" text-anchor="end">${formatNumber(v)}</text>`,
  );
  const time = (t: number) => new Date(t).toISOString().slice(11, 16);
  const legend = series
    .map(
      (s, index) =>
        `<tspan fill="${COLOURS[index % COLOURS.length]}">■</tspan> ${escapeHtml(s.label.length > 40 ? `${s.label.slice(0, 39)}…` : s.label)}  `,
    )
    .join('');
  const thresholdLine =
    threshold === undefined
      ? ''
      : `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(threshold)}" y2="${y(threshold)}" stroke="#c62828" stroke-dasharray="5 4"><title>threshold ${threshold}</title></line>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Line chart">
<style>text{font:10px system-ui,sans-serif;fill:#616e7c}</style>
${ticks.join('')}
<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${HEIGHT - PAD.bottom}" y2="${HEIGHT - PAD.bottom}" stroke="#9aa5b1"/>
<text x="${PAD.left}" y="${HEIGHT - PAD.bottom + 13}">${time(from)}</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - PAD.bottom + 13}" text-anchor="end">${time(to)} UTC</text>
${thresholdLine}
${lines.join('\n')}
<text x="${PAD.left}" y="${HEIGHT - 6}">${legend}</text>
</svg>`;
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 1000) return `${Math.round(value / 100) / 10}k`;
  if (Math.abs(value) >= 10) return String(Math.round(value));
  return String(Math.round(value * 100) / 100);
}
