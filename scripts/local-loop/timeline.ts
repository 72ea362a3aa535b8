/** What happened, on the simulated clock, in the order it happened. */
export class Timeline {
  private readonly entries: { readonly at: number; readonly order: number; readonly text: string }[] = [];

  constructor(readonly start: number) {}

  add(at: number, text: string): void {
    this.entries.push({ at, order: this.entries.length, text });
  }

  /** One line per entry: time since the start, the simulated UTC time, what happened. */
  format(): string {
    return [...this.entries]
      .sort((a, b) => a.at - b.at || a.order - b.order)
      .map((entry) => {
        const seconds = Math.round((entry.at - this.start) / 1000);
        const offset = `T+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
        const clock = new Date(entry.at).toISOString().slice(11, 19);
        return `${offset}  ${clock}  ${entry.text.replaceAll('\n', '\n                  ')}`;
      })
      .join('\n');
  }
}
