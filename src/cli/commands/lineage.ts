import type { Command } from 'commander';
import { z } from 'zod';
import { isoTime } from '../../domain/schemas.ts';
import { UserError } from '../../errors.ts';
import { postEvents, writeEventsFile } from '../../standards/lineage-sink.ts';
import { lineageEvents } from '../../standards/openlineage.ts';
import { withApp } from '../command-kit.ts';
import { count } from '../output.ts';

const flags = z
  .strictObject({
    since: isoTime.optional(),
    out: z.string().min(1).optional(),
    url: z
      .string()
      .url('give an http(s) URL, e.g. http://localhost:5000/api/v1/lineage')
      .refine((u) => /^https?:\/\//.test(u), { message: 'give an http(s) URL, e.g. http://localhost:5000/api/v1/lineage' })
      .optional(),
  })
  .refine((f) => (f.out === undefined) !== (f.url === undefined), { message: 'give exactly one of --out FILE or --url URL', path: ['out'] });

export function registerLineage(program: Command): void {
  const lineage = program.command('lineage').description('data lineage for other tools: transfers and derivations as OpenLineage events');
  lineage
    .command('emit')
    .description('emit committed transfers and derived datasets as OpenLineage RunEvents, to a file (JSON Lines) or an HTTP endpoint such as Marquez')
    .option('--since <time>', 'only events at or after this time (ISO 8601)')
    .option('--out <file>', 'write JSON Lines to this file')
    .option('--url <url>', 'POST each event to this OpenLineage endpoint (e.g. http://localhost:5000/api/v1/lineage)')
    .action(async (o: { since?: string; out?: string; url?: string }, cmd: Command) => {
      const parsed = flags.safeParse(o);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new UserError('bad-flags', i.message, [{ where: `--${String(i.path[0] ?? 'out')}`, message: i.message }]);
      }
      const f = parsed.data;
      process.exitCode = await withApp(cmd, async (app, out) => {
        const events = lineageEvents(
          { transfers: await app.store.listTransfers(), derivations: await app.store.listDerivations(), datasets: await app.store.listDatasets() },
          f.since ?? null,
        );
        if (f.out) writeEventsFile(f.out, events);
        else await postEvents(f.url!, events);
        const jobs = [...new Set(events.map((e) => `${e.job.namespace}/${e.job.name}`))];
        out.result({ events: events.length, to: f.out ?? f.url, jobs }, () => out.line(`emitted ${count(events.length)} OpenLineage events (${jobs.length} jobs) to ${f.out ?? f.url}`));
      });
    });
}
