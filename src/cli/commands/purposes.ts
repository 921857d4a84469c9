import type { Command } from 'commander';
import { DATA_CATEGORIES, FIELD_CATEGORIES } from '../../domain/data-categories.ts';
import { PURPOSES } from '../../domain/purposes.ts';
import { makeOut, table } from '../output.ts';
import { flagsOf } from '../command-kit.ts';

export function registerTaxonomy(program: Command): void {
  program
    .command('purposes')
    .description('list the purpose taxonomy (ids, W3C DPV concepts, must-name purposes)')
    .action((_opts: unknown, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      out.result(PURPOSES, () => out.line(table(PURPOSES.map((p) => [p.id, p.parent ?? '', p.mustName ? 'must be named' : '', p.dpv]), ['id', 'parent', '', 'DPV concept'])));
    });
  program
    .command('categories')
    .description('list data categories and the fields that map to them')
    .action((_opts: unknown, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      const rows = DATA_CATEGORIES.map((c) => ({ ...c, fields: Object.entries(FIELD_CATEGORIES).filter(([, v]) => v === c.id).map(([k]) => k) }));
      out.result(rows, () => out.line(table(rows.map((c) => [c.id, c.fields.join(','), c.special ? 'special' : c.child ? 'child' : '', c.dpv]), ['category', 'fields', '', 'DPV concept'])));
    });
}
