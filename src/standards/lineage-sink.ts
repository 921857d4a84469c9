/**
 * Where RunEvents go: a file of JSON Lines, or an OpenLineage HTTP endpoint (Marquez's
 * /api/v1/lineage, or any consumer) with one POST per event, in order. A failing endpoint
 * stops the run and says how many events it accepted first.
 */
import { writeFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import type { RunEvent } from './openlineage.ts';

export function writeEventsFile(file: string, events: readonly RunEvent[]): void {
  writeFileSync(file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

export async function postEvents(url: string, events: readonly RunEvent[], headers: Record<string, string> = {}): Promise<number> {
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(e) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UserError('lineage-endpoint', `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, [{ where: '--url', message: `${i} of ${events.length} events were sent before this; sending again is safe (run ids are stable)` }]);
    }
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) {
      throw new UserError('lineage-endpoint', `${url} refused event ${i + 1} of ${events.length} (${e.job.namespace}/${e.job.name}): HTTP ${res.status}`, [
        { where: '--url', message: `${i} events were accepted before it; sending again is safe (run ids are stable)` },
      ]);
    }
  }
  return events.length;
}
