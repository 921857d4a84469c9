/** Printing for people (aligned tables) and for scripts (--json). */

export interface Out {
  readonly json: boolean;
  line(s?: string): void;
  /** Emits the value as JSON when --json is set; otherwise calls `human`. */
  result(value: unknown, human: () => void): void;
}

export function makeOut(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Out {
  return {
    json,
    line: (s = '') => write(`${s}\n`),
    result(value, human) {
      if (json) write(`${JSON.stringify(value, null, 2)}\n`);
      else human();
    },
  };
}

/** A plain left-aligned table; numbers right-aligned. */
export function table(rows: readonly (readonly (string | number)[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  if (all.length === 0) return '';
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => String(r[c] ?? '').length)));
  const fmt = (r: readonly (string | number)[]): string =>
    r
      .map((v, c) => (typeof v === 'number' ? String(v).padStart(widths[c]!) : String(v).padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const lines = all.map(fmt);
  if (header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

export function count(n: number): string {
  return n.toLocaleString('en-GB');
}
