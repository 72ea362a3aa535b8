import { deflateSync } from 'node:zlib';
import type { MetricDataQuery } from '../../constructs/alarm-engine/alarm-definition';

/**
 * The part of a metric widget (CloudWatch API Reference, "Metric Widget Structure", the input of
 * GetMetricWidgetImage) the local stand-in draws: metrics and expressions, the time range, horizontal
 * and vertical annotations, the size.
 */
export interface MetricWidget {
  readonly queries: readonly MetricDataQuery[];
  readonly start?: number;
  readonly end?: number;
  readonly width: number;
  readonly height: number;
  readonly horizontal: readonly number[];
  readonly vertical: readonly number[];
}

interface Series {
  readonly Timestamps: readonly Date[];
  readonly Values: readonly number[];
}

type WidgetOptions = {
  id?: string;
  label?: string;
  stat?: string;
  period?: number;
  visible?: boolean;
  expression?: string;
};

/** Reads the widget JSON (relative times from `now`); a form the stand-in does not draw is refused by name, as CloudWatch refuses bad input. */
export function parseMetricWidget(json: string, now: number): MetricWidget {
  const refuse = (why: string) =>
    Object.assign(new Error(`MetricWidget: ${why}`), { name: 'InvalidParameterInput' });
  let widget: Record<string, unknown>;
  try {
    widget = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw refuse('not JSON');
  }
  const metrics = widget.metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) throw refuse('no metrics');
  const queries = metrics.map((entry: unknown, index): MetricDataQuery => {
    if (!Array.isArray(entry)) throw refuse(`metrics[${index}] is not an array`);
    const last = entry.at(-1);
    const options: WidgetOptions = typeof last === 'object' && last !== null ? (last as WidgetOptions) : {};
    const parts = (options === last ? entry.slice(0, -1) : entry) as unknown[];
    const id = options.id ?? `m${index}`;
    const shown = {
      id,
      returnData: options.visible !== false,
      ...(options.label && { label: options.label }),
    };
    if (options.expression !== undefined) {
      return { ...shown, expression: options.expression, ...(options.period && { period: options.period }) };
    }
    if (parts.some((part) => typeof part !== 'string') || parts.length < 2 || parts.length % 2 !== 0) {
      throw refuse(`metrics[${index}]: expected [namespace, name, dimension, value, …, {options}]`);
    }
    const [namespace, metricName, ...pairs] = parts as string[];
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
    return {
      ...shown,
      metricStat: {
        metric: { namespace: namespace as string, metricName: metricName as string, dimensions },
        period: options.period ?? Number(widget.period ?? 300),
        stat: options.stat ?? String(widget.stat ?? 'Average'),
      },
    };
  });
  const annotations = (widget.annotations ?? {}) as {
    horizontal?: { value?: unknown }[];
    vertical?: { value?: unknown }[];
  };
  return {
    queries,
    ...time('start', widget.start),
    ...time('end', widget.end),
    width: clamp(Number(widget.width ?? 600), 1, 2000),
    height: clamp(Number(widget.height ?? 400), 1, 2000),
    horizontal: (annotations.horizontal ?? []).map((a) => Number(a.value)).filter(Number.isFinite),
    vertical: (annotations.vertical ?? []).map((a) => Date.parse(String(a.value))).filter(Number.isFinite),
  };

  function time(key: 'start' | 'end', value: unknown): Partial<Record<'start' | 'end', number>> {
    if (value === undefined) return {};
    const relative = /^-P(?:T(\d+)H)?(?:T?(\d+)M)?$/.exec(String(value));
    if (relative) return { [key]: now - (Number(relative[1] ?? 0) * 60 + Number(relative[2] ?? 0)) * 60_000 };
    const at = Date.parse(String(value));
    if (!Number.isFinite(at)) throw refuse(`${key} ${String(value)} is neither ISO 8601 nor relative`);
    return { [key]: at };
  }
}

const BACKGROUND = [255, 255, 255] as const;
const AXIS = [120, 120, 120] as const;
const THRESHOLD = [214, 39, 40] as const;
const MARKER = [148, 103, 189] as const;
const PALETTE = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [140, 86, 75],
] as const;
const MARGIN = 24;

/**
 * The widget as a PNG: each returned series a line, the horizontal annotations (thresholds) in red,
 * the vertical ones (the transition) in purple, between the series' lowest and highest values. No
 * text: the stand-in has no font, and the alert carries the title and the numbers in words.
 */
export function drawMetricWidget(
  widget: MetricWidget,
  series: readonly Series[],
  range: { readonly start: number; readonly end: number },
): Uint8Array {
  const { width, height } = widget;
  const pixels = new Uint8Array(width * height * 3).fill(BACKGROUND[0]);
  const set = (x: number, y: number, colour: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    pixels.set(colour, (Math.round(y) * width + Math.round(x)) * 3);
  };
  const line = (x0: number, y0: number, x1: number, y1: number, colour: readonly number[], dash = 0) => {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= steps; i++) {
      if (dash > 0 && Math.floor(i / dash) % 2 === 1) continue;
      set(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, colour);
    }
  };
  const values = [...series.flatMap((s) => s.Values), ...widget.horizontal];
  const low = Math.min(0, ...values);
  const high = Math.max(low + 1, ...values) * 1.1;
  const x = (at: number) =>
    MARGIN + ((at - range.start) / Math.max(1, range.end - range.start)) * (width - 2 * MARGIN);
  const y = (value: number) => height - MARGIN - ((value - low) / (high - low)) * (height - 2 * MARGIN);

  line(MARGIN, height - MARGIN, width - MARGIN, height - MARGIN, AXIS);
  line(MARGIN, MARGIN, MARGIN, height - MARGIN, AXIS);
  for (const value of widget.horizontal) line(MARGIN, y(value), width - MARGIN, y(value), THRESHOLD, 6);
  for (const at of widget.vertical) line(x(at), MARGIN, x(at), height - MARGIN, MARKER, 4);
  series.forEach((s, index) => {
    const colour = PALETTE[index % PALETTE.length] as readonly number[];
    for (let i = 1; i < s.Values.length; i++) {
      const [from, to] = [s.Timestamps[i - 1] as Date, s.Timestamps[i] as Date];
      // Thick enough to read at a glance: three pixels.
      for (const offset of [-1, 0, 1]) {
        line(
          x(from.getTime()),
          y(s.Values[i - 1] as number) + offset,
          x(to.getTime()),
          y(s.Values[i] as number) + offset,
          colour,
        );
      }
    }
  });
  return encodePng(width, height, pixels);
}

/** An 8-bit RGB PNG (PNG specification, ISO/IEC 15948): signature, IHDR, one IDAT, IEND. */
function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const rows = Buffer.alloc(height * (width * 3 + 1));
  for (let row = 0; row < height; row++) {
    // Filter type 0 (None) before each scanline.
    rows[row * (width * 3 + 1)] = 0;
    rows.set(rgb.subarray(row * width * 3, (row + 1) * width * 3), row * (width * 3 + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function clamp(value: number, low: number, high: number): number {
  return Number.isFinite(value) ? Math.min(high, Math.max(low, Math.round(value))) : low;
}
