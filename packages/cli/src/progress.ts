/**
 * One self-rewriting status line on a terminal (nothing at all elsewhere, so piped or logged output
 * stays clean). Redrawn at most every `intervalMs`.
 */
export class ProgressLine {
  private last = 0;
  private shown = false;

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly enabled: boolean,
    private readonly intervalMs = 100,
  ) {}

  update(render: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.shown = true;
    this.out.write(`\r\x1b[2K${render()}`);
  }

  /** Erases the line, so what comes next starts on a clean one. */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

export const count = (n: number) => n.toLocaleString('en-US');
