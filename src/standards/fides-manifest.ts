/**
 * Fides (fideslang) YAML manifests — `organization:`, `system:` and `dataset:` resources — as
 * our organisations and datasets, with fideslang data categories and data uses mapped to ours
 * by the tables below (docs/standards.md). A key with no counterpart is listed with where it
 * appears, never dropped silently. Pure: text in, a plan (or problems with file:line) out.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Dataset, DatasetField, Organisation, OrgKind } from '../domain/types.ts';

/** fideslang data categories → ours; the longest matching prefix wins. */
export const FIDES_CATEGORIES: Readonly<Record<string, string>> = {
  'user.name': 'name',
  'user.contact.email': 'email',
  'user.contact.phone_number': 'phone',
  'user.contact.address': 'address',
  'user.contact.address.postal_code': 'postcode',
  'user.demographic.date_of_birth': 'birth-date',
  // Our only child category: children's data is flagged as such wherever it appears.
  'user.childrens': 'child-birth-date',
  'user.demographic.political_opinion': 'political-opinion',
  'user.health_and_medical': 'health',
  'user.biometric.health': 'health',
};

/** fideslang data uses → our purposes; the longest matching prefix wins. */
export const FIDES_USES: Readonly<Record<string, string>> = {
  marketing: 'marketing',
  'marketing.communications': 'direct-marketing',
  'marketing.advertising': 'advertising',
  'marketing.advertising.profiling': 'profiling',
  'marketing.advertising.first_party.targeted': 'targeted-advertising',
  'marketing.advertising.third_party.targeted': 'targeted-advertising',
  personalize: 'profiling',
  essential: 'service-provision',
  'essential.legal_obligation': 'legal-obligation',
  'functional.service': 'service-provision',
  'third_party_sharing.legal_obligation': 'legal-obligation',
  analytics: 'research',
};

/** The mapping of a dotted key by its longest mapped prefix. */
export function mapKey(table: Readonly<Record<string, string>>, key: string): string | null {
  const parts = key.split('.');
  for (let n = parts.length; n > 0; n--) {
    const hit = table[parts.slice(0, n).join('.')];
    if (hit !== undefined) return hit;
  }
  return null;
}

/** Fides keys use underscores; our organisation ids are lower-case slugs. */
export function orgIdOf(fidesKey: string): string {
  return fidesKey.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

const key = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'expected text') }).trim().min(1, 'is empty');
interface FidesField {
  name: string;
  data_categories?: string[] | undefined;
  fields?: FidesField[] | undefined;
}
const field: z.ZodType<FidesField> = z.lazy(() => z.looseObject({ name: key, data_categories: z.array(key).optional(), fields: z.array(field).optional() }));
const manifestSchema = z.looseObject({
  organization: z.array(z.looseObject({ fides_key: key, name: z.string().optional() })).optional(),
  dataset: z
    .array(
      z.looseObject({
        fides_key: key.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use letters, digits, dot, underscore or hyphen (it becomes the dataset id)'),
        name: z.string().optional(),
        organization_fides_key: key.optional(),
        data_categories: z.array(key).optional(),
        collections: z.array(z.looseObject({ name: key, data_categories: z.array(key).optional(), fields: z.array(field).min(1, 'a collection lists its fields') })).min(1, 'a dataset has at least one collection'),
      }),
    )
    .optional(),
  system: z
    .array(
      z.looseObject({
        fides_key: key,
        name: z.string().optional(),
        organization_fides_key: key.optional(),
        privacy_declarations: z
          .array(z.looseObject({ name: z.string().optional(), data_categories: z.array(key).default([]), data_use: key, data_subjects: z.array(key).default([]), dataset_references: z.array(key).optional() }))
          .default([]),
      }),
    )
    .optional(),
});

export interface UnmappedKey {
  readonly kind: 'data_category' | 'data_use' | 'data_subject';
  readonly key: string;
  /** Where it appears, e.g. "dataset members_db: members.email". */
  readonly where: readonly string[];
}

export interface SystemSummary {
  readonly id: string;
  readonly name: string;
  readonly controller: string;
  readonly declarations: readonly { readonly name: string; readonly dataUse: string; readonly purpose: string | null; readonly categories: readonly string[]; readonly datasets: readonly string[] }[];
}

export interface FidesPlan {
  readonly organisations: readonly Organisation[];
  readonly datasets: readonly Dataset[];
  readonly systems: readonly SystemSummary[];
  readonly unmapped: readonly UnmappedKey[];
  /** Datasets left out because none of their fields maps to a category of ours. */
  readonly skippedDatasets: readonly string[];
}

export interface FidesOptions {
  /** The controller for resources that name no organisation (or to override them all). */
  readonly org?: string | undefined;
  /** Kind given to organisations created from `organization:` entries. */
  readonly kind: OrgKind;
  readonly country: string;
}

export type FidesResult = { ok: true; plan: FidesPlan } | { ok: false; problems: { line: number; field: string; message: string }[] };

function flatten(fields: readonly FidesField[], prefix: string, out: { path: string; categories: string[] }[]): void {
  for (const f of fields) {
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    if (f.fields && f.fields.length > 0) flatten(f.fields, path, out);
    else out.push({ path, categories: f.data_categories ?? [] });
  }
}

export function planFidesManifest(text: string, o: FidesOptions): FidesResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return { ok: false, problems: [{ line: lines.linePos(e.pos[0]).line, field: '(document)', message: `not valid YAML: ${e.message.split('\n')[0]!}` }] };
  }
  const lineOf = (path: readonly PropertyKey[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
    }
    return 1;
  };
  const value: unknown = doc.toJS();
  if (typeof value !== 'object' || value === null || !['organization', 'dataset', 'system'].some((k) => k in value)) {
    return { ok: false, problems: [{ line: 1, field: '(document)', message: 'expected a fideslang manifest with organization:, system: or dataset: at the top level' }] };
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({ line: lineOf(i.path), field: i.path.map(String).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]') || '(document)', message: i.message })),
    };
  }
  const m = parsed.data;
  const problems: { line: number; field: string; message: string }[] = [];
  const unmapped = new Map<string, { kind: UnmappedKey['kind']; key: string; where: string[] }>();
  const note = (kind: UnmappedKey['kind'], k: string, where: string): void => {
    const id = `${kind}\n${k}`;
    const u = unmapped.get(id) ?? { kind, key: k, where: [] };
    if (!u.where.includes(where)) u.where.push(where);
    unmapped.set(id, u);
  };

  const organisations: Organisation[] = (m.organization ?? []).map((x) => ({ id: orgIdOf(x.fides_key), name: x.name?.trim() || x.fides_key, kind: o.kind, country: o.country, rightsContact: null }));
  const known = new Set(organisations.map((x) => x.id));
  const controllerOf = (orgKey: string | undefined, path: (string | number)[]): string | null => {
    if (o.org) return o.org;
    if (orgKey) {
      const id = orgIdOf(orgKey);
      if (known.has(id)) return id;
      problems.push({ line: lineOf([...path, 'organization_fides_key']), field: `${path.join('.').replace(/\.(\d+)/g, '[$1]')}.organization_fides_key`, message: `organisation "${orgKey}" is not in this manifest; add it under organization:, or pass --org` });
      return null;
    }
    if (organisations.length === 1) return organisations[0]!.id;
    problems.push({ line: lineOf(path), field: path.join('.').replace(/\.(\d+)/g, '[$1]'), message: 'names no organisation (organization_fides_key); pass --org to say whose it is' });
    return null;
  };

  const datasets: Dataset[] = [];
  const skippedDatasets: string[] = [];
  (m.dataset ?? []).forEach((d, di) => {
    const controller = controllerOf(d.organization_fides_key, ['dataset', di]);
    const flat: { path: string; categories: string[] }[] = [];
    for (const c of d.collections) {
      const inner: { path: string; categories: string[] }[] = [];
      flatten(c.fields, '', inner);
      // Categories declared on a collection (or the dataset) apply to fields that declare none.
      for (const f of inner) flat.push({ path: d.collections.length > 1 ? `${c.name}.${f.path}` : f.path, categories: f.categories.length ? f.categories : (c.data_categories ?? d.data_categories ?? []) });
    }
    const fields: DatasetField[] = [];
    for (const f of flat) {
      const mapped = f.categories.map((k) => ({ k, ours: mapKey(FIDES_CATEGORIES, k) }));
      for (const x of mapped) if (!x.ours) note('data_category', x.k, `dataset ${d.fides_key}: ${f.path}`);
      const first = mapped.find((x) => x.ours);
      if (first) fields.push({ name: f.path, category: first.ours! });
    }
    if (fields.length === 0) skippedDatasets.push(d.fides_key);
    else if (controller) datasets.push({ id: d.fides_key, controller, name: d.name?.trim() || d.fides_key, fields });
  });

  const systems: SystemSummary[] = [];
  (m.system ?? []).forEach((s, si) => {
    const controller = controllerOf(s.organization_fides_key, ['system', si]);
    const declarations = s.privacy_declarations.map((p, pi) => {
      const where = `system ${s.fides_key}: ${p.name ?? `declaration ${pi + 1}`}`;
      const purpose = mapKey(FIDES_USES, p.data_use);
      if (!purpose) note('data_use', p.data_use, where);
      const categories: string[] = [];
      for (const k of p.data_categories) {
        const c = mapKey(FIDES_CATEGORIES, k);
        if (c) categories.push(c);
        else note('data_category', k, where);
      }
      for (const k of p.data_subjects) note('data_subject', k, where);
      return { name: p.name ?? `declaration ${pi + 1}`, dataUse: p.data_use, purpose, categories: [...new Set(categories)], datasets: p.dataset_references ?? [] };
    });
    if (controller) systems.push({ id: s.fides_key, name: s.name?.trim() || s.fides_key, controller, declarations });
  });

  if (problems.length > 0) return { ok: false, problems };
  const order = { data_category: 0, data_use: 1, data_subject: 2 };
  return {
    ok: true,
    plan: {
      organisations,
      datasets,
      systems,
      unmapped: [...unmapped.values()].sort((a, b) => order[a.kind] - order[b.kind] || a.key.localeCompare(b.key)),
      skippedDatasets,
    },
  };
}
