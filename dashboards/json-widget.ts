import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { UnplacedWidget } from './widget-bodies/dashboard-body';

/**
 * A widget built by the plain builders in `widget-bodies/` (the ones the live-dashboard Lambda uses),
 * placed by CDK's dashboard layout like any other widget. Token strings inside it (alarm ARNs, the
 * region) are resolved when the dashboard renders its body, so both kinds of dashboard share one
 * definition of every widget and cannot drift apart.
 */
export class JsonWidget implements cloudwatch.IWidget {
  readonly width: number;
  readonly height: number;
  private x: number | undefined;
  private y: number | undefined;

  constructor(private readonly widget: UnplacedWidget) {
    this.width = widget.width;
    this.height = widget.height;
  }

  position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  toJson(): unknown[] {
    return [{ ...this.widget, x: this.x, y: this.y }];
  }
}
