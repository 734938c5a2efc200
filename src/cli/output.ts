/** Where a command writes: results to stdout (a table for people, JSON for scripts), progress to stderr. */
export interface Output {
  json: boolean;
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress bars redraw in place. */
  interactive: boolean;
}

export function processOutput(json: boolean): Output {
  return {
    json,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: process.stderr.isTTY === true,
  };
}

/** Plain-text table: a header row and left-aligned columns, as `docker ps` or `kubectl get` print. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

export function print(o: Output, value: unknown, asTable: () => string): void {
  o.out(o.json ? JSON.stringify(value, null, 2) : asTable());
}

export function isoTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** A progress display: a bar redrawn in place on a terminal, a line every few seconds otherwise. */
export function progress(o: Output, label: string): { update(done: number, total?: number): void; finish(summary: string): void } {
  let lastLine = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (o.interactive) {
        const width = 30;
        const frac = total !== undefined && total > 0 ? Math.min(1, done / total) : undefined;
        const bar = frac !== undefined ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${Math.round(frac * 100)}%` : '';
        process.stderr.write(`\r${label} ${bar} ${done.toLocaleString('en-US')} rows`);
      } else if (now - lastLine >= 2000) {
        lastLine = now;
        o.err(`${label}: ${done.toLocaleString('en-US')} rows`);
      }
    },
    finish(summary) {
      if (o.interactive) process.stderr.write('\r\x1b[K');
      o.err(`${label}: ${summary}`);
    },
  };
}
