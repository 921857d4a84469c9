/**
 * Committed transfers and registered derivations as OpenLineage RunEvents (spec 2-0-2), so
 * Marquez or any OpenLineage consumer shows who sent what to whom. One namespace per
 * organisation (its id) for its jobs and datasets. A transfer is a run of the job
 * "transfer.<recipient>.<purpose>" in the sender's namespace, reading the sender's dataset and
 * writing "from-<sender>.<purpose>" in the recipient's namespace; a derivation reads those and
 * writes its own dataset. Datasets carry a schema facet and tags marking personal data;
 * outputs carry column lineage (fields stripped by the decision have none). Pure.
 */
import { categoryById, fieldCategory } from '../domain/data-categories.ts';
import type { Dataset } from '../domain/types.ts';
import type { StoredDerivation, StoredTransfer } from '../store/store.ts';
import { stableUuid } from './stable-uuid.ts';

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const PRODUCER = 'urn:consentry:0.1.0';
const FACET = 'https://openlineage.io/spec/facets';
const SCHEMA_FACET = `${FACET}/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet`;
const TAGS_FACET = `${FACET}/1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet`;
const COLUMN_LINEAGE_FACET = `${FACET}/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet`;
const JOB_TYPE_FACET = `${FACET}/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet`;
const OUTPUT_STATS_FACET = `${FACET}/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet`;
/** Our own run facet: the decision behind a transfer (custom facets are named with a prefix). */
const DECISION_FACET = 'urn:consentry:facets:decision:1';

export interface RunEvent {
  readonly eventType: 'COMPLETE';
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: { readonly runId: string; readonly facets: Record<string, unknown> };
  readonly job: { readonly namespace: string; readonly name: string; readonly facets: Record<string, unknown> };
  readonly inputs: readonly DatasetRef[];
  readonly outputs: readonly DatasetRef[];
}

export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
  readonly facets: Record<string, unknown>;
  readonly outputFacets?: Record<string, unknown>;
}

/** A run id must be a UUID: derived from what the run is, so re-emitting gives the same id. */
export function runUuid(kind: string, id: string): string {
  return stableUuid(kind, id);
}

const facet = (schemaURL: string, body: Record<string, unknown>): Record<string, unknown> => ({ _producer: PRODUCER, _schemaURL: schemaURL, ...body });

/** Field → data category: the dataset's declaration first, then the default dictionary. */
type Categories = ReadonlyMap<string, string>;

function schemaFacet(fields: readonly string[], cats: Categories): Record<string, unknown> {
  return facet(SCHEMA_FACET, {
    fields: fields.map((name) => {
      const c = cats.get(name);
      return { name, type: 'string', ...(c ? { description: categoryById(c)?.label ?? c } : {}) };
    }),
  });
}

/** Tags: the dataset holds personal data; each field its category, special-category and child flags. */
function tagsFacet(fields: readonly string[], cats: Categories, extra: readonly { key: string; value: string }[] = []): Record<string, unknown> {
  const tags: { key: string; value: string; source: string; field?: string }[] = [{ key: 'personal-data', value: 'true', source: 'CONSENTRY' }];
  for (const t of extra) tags.push({ ...t, source: 'CONSENTRY' });
  for (const name of fields) {
    const c = cats.get(name);
    if (!c) continue;
    tags.push({ key: 'personal-data-category', value: c, source: 'CONSENTRY', field: name });
    const cat = categoryById(c);
    if (cat?.special) tags.push({ key: 'special-category', value: 'true', source: 'CONSENTRY', field: name });
    if (cat?.child) tags.push({ key: 'child-data', value: 'true', source: 'CONSENTRY', field: name });
  }
  return facet(TAGS_FACET, { tags });
}

function categoriesOf(fields: readonly string[], dataset: Dataset | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of fields) {
    const declared = dataset?.fields.find((d) => d.name === f)?.category;
    const c = declared ?? fieldCategory(f)?.id;
    if (c) m.set(f, c);
  }
  return m;
}

/** The dataset a transfer's fields were drawn from: the sender's declared dataset covering most of them. */
function sourceDataset(t: StoredTransfer, datasets: readonly Dataset[]): Dataset | undefined {
  const own = datasets.filter((d) => d.controller === t.request.from);
  let best: Dataset | undefined;
  let bestCover = 0;
  for (const d of own) {
    const cover = t.request.fields.filter((f) => d.fields.some((x) => x.name === f)).length;
    if (cover > bestCover) [best, bestCover] = [d, cover];
  }
  return best;
}

/** Where a transfer's records land: one dataset per (sender, purpose) in the recipient's namespace. */
export function transferOutput(t: StoredTransfer): { namespace: string; name: string } {
  return { namespace: t.request.to, name: `from-${t.request.from}.${t.request.purpose}` };
}

export interface LineageFacts {
  readonly transfers: readonly StoredTransfer[];
  readonly derivations: readonly StoredDerivation[];
  readonly datasets: readonly Dataset[];
}

export function transferRunEvent(t: StoredTransfer, datasets: readonly Dataset[]): RunEvent {
  const src = sourceDataset(t, datasets);
  const requested = [...t.request.fields];
  const sent = [...t.fields.sent];
  const cats = categoriesOf(requested, src);
  const input = { namespace: t.request.from, name: src?.id ?? `${t.request.from}.records` };
  const out = transferOutput(t);
  const columnLineage = Object.fromEntries(
    sent.map((f) => [f, { inputFields: [{ ...input, field: f, transformations: [{ type: 'DIRECT', subtype: 'IDENTITY', description: 'sent unchanged', masking: false }] }] }]),
  );
  return {
    eventType: 'COMPLETE',
    eventTime: new Date(t.decidedAt).toISOString(),
    producer: PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: {
      runId: runUuid('transfer', t.id),
      facets: {
        consentry_decision: facet(DECISION_FACET, {
          transfer: t.id,
          ledgerLeaf: t.leaf,
          purpose: t.request.purpose,
          onBehalfOf: t.request.onBehalfOf,
          channel: t.request.channel,
          rulePack: `${t.pack.id}@${t.pack.version}`,
          requested: t.requested,
          allowed: t.allowed,
          refused: t.refused,
          fieldsStripped: [...t.fields.stripped],
        }),
      },
    },
    job: {
      namespace: t.request.from,
      name: `transfer.${t.request.to}.${t.request.purpose}`,
      facets: { jobType: facet(JOB_TYPE_FACET, { processingType: 'BATCH', integration: 'CONSENTRY', jobType: 'TRANSFER' }) },
    },
    inputs: [{ ...input, facets: { schema: schemaFacet(requested, cats), tags: tagsFacet(requested, cats) } }],
    outputs: [
      {
        ...out,
        facets: {
          schema: schemaFacet(sent, cats),
          tags: tagsFacet(sent, cats, [{ key: 'purpose', value: t.request.purpose }]),
          columnLineage: facet(COLUMN_LINEAGE_FACET, { fields: columnLineage }),
        },
        outputFacets: { outputStatistics: facet(OUTPUT_STATS_FACET, { rowCount: t.allowed }) },
      },
    ],
  };
}

export function derivationRunEvent(d: StoredDerivation, transfersById: ReadonlyMap<string, StoredTransfer>, datasets: readonly Dataset[]): RunEvent {
  const sources = d.sources.map((id) => transfersById.get(id)).filter((t): t is StoredTransfer => t !== undefined);
  const declared = datasets.find((x) => x.controller === d.controller && x.id === d.id);
  // A derived dataset holds what its sources delivered, unless it declares its own fields.
  const fields = declared ? declared.fields.map((f) => f.name) : [...new Set(sources.flatMap((t) => t.fields.sent))];
  const cats = new Map<string, string>();
  for (const t of sources) for (const [f, c] of categoriesOf(t.fields.sent, sourceDataset(t, datasets))) cats.set(f, c);
  for (const [f, c] of categoriesOf(fields, declared)) cats.set(f, c);
  const inputs = sources.map((t) => {
    const ref = transferOutput(t);
    return { ...ref, facets: { schema: schemaFacet(t.fields.sent, cats), tags: tagsFacet(t.fields.sent, cats, [{ key: 'purpose', value: t.request.purpose }]) } };
  });
  const columnLineage = Object.fromEntries(
    fields
      .map((f) => [f, sources.filter((t) => t.fields.sent.includes(f)).map((t) => ({ ...transferOutput(t), field: f, transformations: [{ type: 'DIRECT', subtype: 'IDENTITY', masking: false }] }))] as const)
      .filter(([, ins]) => ins.length > 0)
      .map(([f, ins]) => [f, { inputFields: ins }]),
  );
  return {
    eventType: 'COMPLETE',
    eventTime: new Date(d.at).toISOString(),
    producer: PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: runUuid('derivation', `${d.controller}/${d.id}`), facets: {} },
    job: { namespace: d.controller, name: `derive.${d.id}`, facets: { jobType: facet(JOB_TYPE_FACET, { processingType: 'BATCH', integration: 'CONSENTRY', jobType: 'DERIVATION' }) } },
    inputs,
    outputs: [
      {
        namespace: d.controller,
        name: d.id,
        facets: {
          schema: schemaFacet(fields, cats),
          tags: tagsFacet(fields, cats, [{ key: 'purpose', value: d.purpose }]),
          ...(Object.keys(columnLineage).length > 0 ? { columnLineage: facet(COLUMN_LINEAGE_FACET, { fields: columnLineage }) } : {}),
        },
        outputFacets: { outputStatistics: facet(OUTPUT_STATS_FACET, { rowCount: d.subjects.count }) },
      },
    ],
  };
}

/** Every transfer and derivation since `since` (epoch ms), in ledger order (sources before what is built from them). */
export function lineageEvents(facts: LineageFacts, since: number | null): RunEvent[] {
  const byId = new Map(facts.transfers.map((t) => [t.id, t]));
  const items: { at: number; leaf: number; event: () => RunEvent }[] = [
    ...facts.transfers.map((t) => ({ at: t.decidedAt, leaf: t.leaf, event: () => transferRunEvent(t, facts.datasets) })),
    ...facts.derivations.map((d) => ({ at: d.at, leaf: d.leaf, event: () => derivationRunEvent(d, byId, facts.datasets) })),
  ];
  return items
    .filter((i) => since === null || i.at >= since)
    .sort((a, b) => a.leaf - b.leaf)
    .map((i) => i.event());
}
