import * as vega from 'vega';
import type { Config, TopLevelSpec } from 'vega-lite';
import * as vl from 'vega-lite';
import type { CostReport, ServiceCost } from '../cost-report-model';

/** The report's charts as SVG documents, each ready to inline in an HTML email. */
export interface CostCharts {
  /** Twelve months of spend, then this month's forecast with its prediction interval. */
  readonly trend: string;
  /** The largest changes since the month before: increases red, decreases green. */
  readonly movers: string;
  /** Last month's ten most expensive services, the rest summed as one bar. */
  readonly services: string;
}

/** The HTML body is 680 px wide with 20 px margins; every chart fills the rest exactly. */
const WIDTH = 640;
/** Bar charts grow by a fixed step per bar, so three services do not get bars as thick as a thumb. */
const ROW_HEIGHT = 28;
const SERVICES_SHOWN = 10;
/** How far an axis reaches past the longest bar, so the amount written after it fits. */
const LABEL_ROOM = 1.25;

const INK = '#1f2933';
const MUTED = '#52606d';
const RULE = '#cbd2d9';
const BAR = '#3b6ea5';
const FORECAST = '#c5d6ea';
const OTHER = '#9aa5b1';
const INCREASE = '#c0392b';
const DECREASE = '#23855a';

const CONFIG: Config = {
  // Email clients cannot load web fonts; these are on every reader's machine.
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: {
    labelColor: MUTED,
    labelFontSize: 12,
    titleColor: MUTED,
    domainColor: RULE,
    tickColor: RULE,
    gridColor: '#edf0f3',
  },
  legend: { labelColor: INK, labelFontSize: 11, symbolStrokeWidth: 1 },
  text: { color: INK, fontSize: 11 },
  // Per-mark ARIA labels would triple the SVG's size; each chart's description labels the whole.
  aria: false,
};

export async function costCharts(report: CostReport): Promise<CostCharts> {
  const locale = numberLocale(report.currency);
  const [trend, movers, services] = await Promise.all([
    toSvg(trendSpec(report), locale),
    toSvg(
      report.topMovers.length > 0 ? moversSpec(report.topMovers) : message('No service changed in usage.'),
      locale,
    ),
    toSvg(servicesSpec(report.services) ?? message('Nothing was used last month.'), locale),
  ]);
  return { trend, movers, services };
}

function trendSpec(report: CostReport): TopLevelSpec {
  const actual = report.trend.map((point) => ({
    month: shortMonth(point.month),
    amount: point.amount,
    kind: 'Actual',
    labelAt: point.amount,
    label: point.amount,
  }));
  const forecast =
    'unavailable' in report.forecast
      ? []
      : [
          {
            month: shortMonth(report.forecast.month),
            amount: report.forecast.amount,
            kind: `Forecast, ${report.forecast.predictionIntervalPercent}% interval`,
            lower: report.forecast.lower,
            upper: report.forecast.upper,
            // Above the interval's whisker, not through it.
            labelAt: Math.max(report.forecast.amount, report.forecast.upper),
            label: report.forecast.amount,
          },
        ];
  const rows = [...actual, ...forecast];
  const kinds = [...new Set(rows.map((row) => row.kind))];
  const x = {
    field: 'month',
    type: 'ordinal',
    sort: null,
    title: null,
    axis: { labelAngle: 0, labelExpr: "split(datum.value, ' ')", labelLineHeight: 13, ticks: false },
  } as const;
  return {
    ...frame(`Monthly cost for the twelve months to ${report.period.month}`, 230),
    data: { values: rows },
    layer: [
      {
        // Only the forecast has an outline, dashed: it is not spent yet.
        mark: { type: 'bar', strokeDash: [3, 2] },
        encoding: {
          x,
          y: { field: 'amount', type: 'quantitative', title: null, axis: { format: '$,f', tickCount: 5 } },
          fill: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: kinds, range: [BAR, FORECAST] },
            legend:
              kinds.length > 1
                ? { title: null, orient: 'top', direction: 'horizontal', labelLimit: 300 }
                : null,
          },
          stroke: { condition: { test: "datum.kind !== 'Actual'", value: BAR }, value: null },
        },
      },
      {
        transform: [{ filter: 'isValid(datum.lower)' }],
        mark: { type: 'errorbar', ticks: { size: 12, color: INK }, rule: { color: INK } },
        encoding: { x, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
      },
      {
        mark: { type: 'text', baseline: 'bottom', dy: -3 },
        encoding: {
          x,
          y: { field: 'labelAt', type: 'quantitative' },
          text: { field: 'label', type: 'quantitative', format: amountFormat(rows.map((row) => row.amount)) },
        },
      },
    ],
  };
}

function moversSpec(movers: readonly ServiceCost[]): TopLevelSpec {
  const rows = [...movers]
    .sort((a, b) => b.change - a.change)
    .map((mover) => ({ service: mover.service, change: mover.change }));
  const changes = rows.map((row) => row.change);
  const y = {
    field: 'service',
    type: 'nominal',
    sort: null,
    title: null,
    axis: { labelLimit: 230, ticks: false, domain: false, labelPadding: 8 },
  } as const;
  // Each label sits past its bar's end, which is on the left for a decrease.
  const label = (up: boolean) => ({
    transform: [{ filter: up ? 'datum.change > 0' : 'datum.change <= 0' }],
    mark: { type: 'text' as const, align: up ? ('left' as const) : ('right' as const), dx: up ? 4 : -4 },
    encoding: {
      y,
      x: { field: 'change', type: 'quantitative' as const },
      text: { field: 'text', type: 'nominal' as const },
    },
  });
  return {
    ...frame('The largest changes in cost since the month before, by service', ROW_HEIGHT * rows.length),
    data: { values: rows },
    transform: [
      {
        calculate: `(datum.change > 0 ? '+' : '') + format(datum.change, '${amountFormat(changes)}')`,
        as: 'text',
      },
    ],
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.65 } },
        encoding: {
          y,
          x: {
            field: 'change',
            type: 'quantitative',
            title: null,
            // Room beyond the longest bars for their labels.
            scale: {
              domainMin: Math.min(0, ...changes) * LABEL_ROOM,
              domainMax: Math.max(0, ...changes) * LABEL_ROOM,
              nice: true,
            },
            axis: { format: '$,f', tickCount: 6 },
          },
          color: { condition: { test: 'datum.change > 0', value: INCREASE }, value: DECREASE },
        },
      },
      { mark: { type: 'rule', color: MUTED }, encoding: { x: { datum: 0 } } },
      label(true),
      label(false),
    ],
  };
}

function servicesSpec(services: readonly ServiceCost[]): TopLevelSpec | undefined {
  // Usage only: credits, refunds and tax have their own table in the HTML.
  const spent = services.filter((service) => service.lastMonth > 0).sort((a, b) => b.lastMonth - a.lastMonth);
  if (spent.length === 0) return undefined;
  const shown = spent.slice(0, SERVICES_SHOWN).map((service) => ({
    service: service.service,
    amount: service.lastMonth,
    other: false,
  }));
  const rest = spent.slice(SERVICES_SHOWN);
  const rows =
    rest.length === 0
      ? shown
      : [
          ...shown,
          {
            service: `Other (${rest.length} service${rest.length === 1 ? '' : 's'})`,
            amount: rest.reduce((sum, service) => sum + service.lastMonth, 0),
            other: true,
          },
        ];
  const maximum = Math.max(0, ...rows.map((row) => row.amount));
  const y = {
    field: 'service',
    type: 'nominal',
    sort: null,
    title: null,
    axis: { labelLimit: 230, ticks: false, domain: false, labelPadding: 8 },
  } as const;
  return {
    ...frame('Cost by service last month', ROW_HEIGHT * rows.length),
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.65 } },
        encoding: {
          y,
          x: {
            field: 'amount',
            type: 'quantitative',
            title: null,
            scale: { domainMax: maximum * LABEL_ROOM },
            axis: { format: '$,f', tickCount: 6 },
          },
          color: { condition: { test: 'datum.other', value: OTHER }, value: BAR },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: {
          y,
          x: { field: 'amount', type: 'quantitative' },
          text: { field: 'amount', type: 'quantitative', format: amountFormat([maximum]) },
        },
      },
    ],
  };
}

/** Whole dollars, unless the largest amount is small enough that cents tell the bars apart. */
function amountFormat(amounts: readonly number[]): string {
  return Math.max(0, ...amounts.map(Math.abs)) >= 100 ? '$,.0f' : '$,.2f';
}

/** A chart-sized box with a sentence, so the email keeps its shape when there is nothing to draw. */
function message(text: string): TopLevelSpec {
  return {
    ...frame(text, 40),
    data: { values: [{ text }] },
    mark: { type: 'text', fontSize: 12, color: MUTED },
    encoding: { text: { field: 'text', type: 'nominal' } },
  };
}

/** A fixed plot size (not Vega's content-driven autosize): the email's layout is known before rendering. */
function frame(description: string, height: number) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description,
    width: WIDTH,
    height,
    padding: 6,
    autosize: { type: 'fit', contains: 'padding' },
    config: CONFIG,
  } as const;
}

/**
 * Helvetica's advance widths (thousandths of an em) for printable ASCII, from its AFM; Arial's match.
 * Without a canvas Vega guesses 0.8 em a character, which truncates service names at two thirds of
 * the room they have and pads the charts on the left.
 */
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const WIDE_CHARACTER = 600;

interface TextItem {
  readonly fontSize?: number;
  /** The label limit: Vega truncates the text to it, so it is never wider. */
  readonly limit?: number;
}

function helveticaWidth(item: TextItem, text: unknown): number {
  let thousandths = 0;
  for (const character of String(text ?? '').trim()) {
    thousandths += HELVETICA_WIDTHS[(character.codePointAt(0) ?? 0) - 32] ?? WIDE_CHARACTER;
  }
  const width = (thousandths * (item.fontSize ?? 11)) / 1000;
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
}

// Vega exports its text metrics for exactly this (vl-convert does the same); the typings omit them.
(vega as unknown as { textMetrics: { width: typeof helveticaWidth } }).textMetrics.width = helveticaWidth;

/**
 * d3-format's `$` is the locale's currency symbol: the account's (`¥` for CNY), never a `$` on a bill
 * in another currency.
 */
function numberLocale(currency: string) {
  const symbol =
    new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' })
      .formatToParts(0)
      .find((part) => part.type === 'currency')?.value ?? currency;
  return { decimal: '.', thousands: ',', grouping: [3], currency: [symbol, ''] as [string, string] };
}

async function toSvg(spec: TopLevelSpec, number: ReturnType<typeof numberLocale>): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), {
    renderer: 'none',
    locale: { number },
    // The typings omit `locale`, which View has read since Vega 5.22.
  } as unknown as ConstructorParameters<typeof vega.View>[1]);
  try {
    // Email clients drop <style> blocks, so the class hooks Vega writes for them only add bytes, as do
    // path coordinates to thirteen decimals, hints for screen readers inside a chart that is labelled
    // as a whole, pointer hints in a picture nobody can click, defaults written out, and the empty
    // background paths of groups: the mail has to stay under the size at which clients clip it.
    return (await view.toSVG())
      .replace(/ (class|role|aria-hidden|aria-roledescription|pointer-events)="[^"]*"/g, '')
      .replace(/ opacity="1"/g, '')
      .replace(/<path d="M0,0h0v0h0Z"\/>|<path d="" display="none"\/>/g, '')
      .replace(/ (d|transform)="[^"]*"/g, (attribute) => attribute.replace(/(\.\d)\d+/g, '$1'));
  } finally {
    view.finalize();
  }
}

/** `2025-03` → `Mar 2025`; the axis breaks it into two lines. */
function shortMonth(month: string): string {
  return new Date(`${month}-01T00:00:00Z`).toLocaleString('en-US', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}
