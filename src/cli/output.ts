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
export function progress(o: Output, label: string, clock: () => number = Date.now): { update(done: number, total?: number): void; finish(summary: string): void } {
  let lastLine = 0;
  const started = clock();
  return {
    update(done, total) {
      const now = clock();
      const frac = total !== undefined && total > 0 ? Math.min(1, done / total) : undefined;
      const count = `${done.toLocaleString('en-US')}${total !== undefined ? ` of ${total.toLocaleString('en-US')}` : ''} rows`;
      // Rate so far, extrapolated: rough at first, good enough once a few batches have gone.
      const eta = frac !== undefined && frac > 0 && frac < 1 ? `, ETA ${formatSeconds(((now - started) / 1000) * ((1 - frac) / frac))}` : '';
      const share = frac !== undefined ? ` (${Math.floor(frac * 100)}%${eta})` : '';
      if (o.interactive) {
        const width = 30;
        const bar = frac !== undefined ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
        process.stderr.write(`\r${label} ${bar}${count}${share}\x1b[K`);
      } else if (now - lastLine >= 2000 || (frac === 1 && lastLine !== now)) {
        lastLine = now;
        o.err(`${label}: ${count}${share}`);
      }
    },
    finish(summary) {
      if (o.interactive) process.stderr.write('\r\x1b[K');
      o.err(`${label}: ${summary}`);
    },
  };
}

/** 75 -> "1m15s", 4 -> "4s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
