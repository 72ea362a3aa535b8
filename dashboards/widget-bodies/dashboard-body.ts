/**
 * The CloudWatch dashboard body as JSON, per "Dashboard Body Structure and Syntax" (Amazon CloudWatch
 * API Reference, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
 * Plain types only: this folder imports nothing from aws-cdk-lib, so the synth-time dashboards and the
 * live-dashboard Lambda share it.
 */

/** The dashboard grid is 24 columns wide (the page's `x`: 0–23, `width`: 1–24). */
export const GRID_COLUMNS = 24;

/**
 * A body holds 0 to 500 widgets ("Dashboard Body Structure and Syntax", Overall Structure; the
 * CloudWatch service quotas page says the same: "Up to 500 widgets per dashboard",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html).
 */
export const MAX_WIDGETS_PER_DASHBOARD = 500;

/** A metric row: namespace, metric name, dimension name/value pairs, then optional rendering options. */
export type MetricRow = readonly (string | MetricRenderingOptions)[];

/** The options object that may end a metric row. */
export interface MetricRenderingOptions {
  readonly stat?: string;
  readonly label?: string;
  readonly period?: number;
}

/** Properties of a `metric` widget (graphs, single values, alarm graphs). */
export interface MetricWidgetProperties {
  readonly view: 'timeSeries' | 'singleValue';
  readonly title: string;
  /** Required for metric widgets by the page; a token (`AWS::Region`) at synth. */
  readonly region: string;
  readonly metrics?: readonly MetricRow[];
  readonly annotations?: { readonly alarms: readonly string[] };
  readonly stat?: string;
  readonly period?: number;
  readonly stacked?: boolean;
}

/** Properties of a `text` widget. */
export interface TextWidgetProperties {
  readonly markdown: string;
  readonly background?: 'solid' | 'transparent';
}

/** Properties of an `alarm` (alarm status) widget. */
export interface AlarmStatusWidgetProperties {
  readonly title: string;
  /** Alarm ARNs; CloudWatch shows at most 100 in one widget. */
  readonly alarms: readonly string[];
  readonly sortBy?: 'default' | 'stateUpdatedTimestamp' | 'timestamp';
}

/** A widget before it is placed: the layout (CDK's rows, or {@link placeRows}) sets `x` and `y`. */
export type UnplacedWidget =
  | {
      readonly type: 'metric';
      readonly width: number;
      readonly height: number;
      readonly properties: MetricWidgetProperties;
    }
  | {
      readonly type: 'text';
      readonly width: number;
      readonly height: number;
      readonly properties: TextWidgetProperties;
    }
  | {
      readonly type: 'alarm';
      readonly width: number;
      readonly height: number;
      readonly properties: AlarmStatusWidgetProperties;
    };

/** A widget at its place on the grid. */
export type PlacedWidget = UnplacedWidget & { readonly x: number; readonly y: number };

/** A whole dashboard body. */
export interface DashboardBody {
  /** The default time range, e.g. `-PT6H`. */
  readonly start?: string;
  readonly widgets: readonly PlacedWidget[];
}
