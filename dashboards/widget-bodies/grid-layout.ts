import { GRID_COLUMNS, type PlacedWidget, type UnplacedWidget } from './dashboard-body';

/**
 * Places rows of widgets on the 24-column grid the way CDK's `Dashboard.addWidgets` does (one call
 * per row): left to right, wrapping to a new line when the next widget would pass column 24, each row
 * starting below everything above it. `top` is where the first row starts.
 */
export function placeRows(rows: readonly (readonly UnplacedWidget[])[], top = 0): PlacedWidget[] {
  const placed: PlacedWidget[] = [];
  let y = top;
  for (const row of rows) {
    let x = 0;
    let lineHeight = 0;
    let lineTop = y;
    for (const widget of row) {
      if (widget.width > GRID_COLUMNS)
        throw new Error(`a widget is ${widget.width} columns wide, at most ${GRID_COLUMNS} fit`);
      if (x + widget.width > GRID_COLUMNS) {
        lineTop += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      placed.push({ ...widget, x, y: lineTop } as PlacedWidget);
      x += widget.width;
      lineHeight = Math.max(lineHeight, widget.height);
    }
    y = lineTop + lineHeight;
  }
  return placed;
}
