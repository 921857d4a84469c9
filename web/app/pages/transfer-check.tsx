/**
 * A transfer check by uploading a file: the file is read here (CSV or JSON Lines), sent as
 * NDJSON to the gateway, which hashes the identifiers on arrival and answers the decision with
 * one bit per record; the allowed file (only the fields that may be sent) is built here, so the
 * records never come back over the wire.
 */
import Papa from 'papaparse';
import { useMemo, useState, type FormEvent } from 'react';
import { apiUploadNdjson, ApiFailure } from '../api.ts';
import type { CheckSummary, Organisation } from '../api-types.ts';
import { unpackBits } from '../flows.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSignedIn } from '../session.tsx';
import { CHANNELS, IDENTIFIER_COLUMNS, PURPOSE_IDS } from '../taxonomy.ts';
import { Badge, ErrorNote, Figure } from '../ui/parts.tsx';
import { useApi } from '../ui/use-api.ts';

type Row = Record<string, unknown>;
type Phase = { kind: 'idle' } | { kind: 'reading' | 'sending'; fraction: number } | { kind: 'deciding' } | { kind: 'done' };

async function readRecords(file: File, onProgress: (fraction: number) => void): Promise<{ rows: Row[]; columns: string[] }> {
  if (/\.(ndjson|jsonl)$/i.test(file.name)) {
    const text = await file.text();
    const rows = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Row);
    onProgress(1);
    return { rows, columns: rows[0] ? Object.keys(rows[0]) : [] };
  }
  return new Promise((resolve, reject) => {
    const rows: Row[] = [];
    let columns: string[] = [];
    Papa.parse<Row>(file, {
      header: true,
      skipEmptyLines: true,
      chunkSize: 256 * 1024,
      chunk: (r) => {
        if (columns.length === 0) columns = r.meta.fields ?? [];
        for (const row of r.data) rows.push(row);
        onProgress(Math.min(1, r.meta.cursor / Math.max(1, file.size)));
      },
      complete: () => {
        onProgress(1);
        resolve({ rows, columns });
      },
      error: (e) => reject(e),
    });
  });
}

export function TransferCheck({ org }: { readonly org: string }) {
  const i = useI18n();
  const { t } = i;
  const { credential } = useSignedIn();
  const orgs = useApi<{ items: Organisation[] }>('/v1/organisations');
  const others = (orgs.data?.items ?? []).filter((o) => o.id !== org);
  const [to, setTo] = useState('');
  const [onBehalfOf, setOnBehalfOf] = useState('');
  const [purpose, setPurpose] = useState<string>('political-campaign');
  const [fields, setFields] = useState('');
  const [channel, setChannel] = useState<string>('post');
  const [at, setAt] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [error, setError] = useState<ApiFailure | null>(null);
  const [result, setResult] = useState<{ summary: CheckSummary; rows: Row[] } | null>(null);

  const chooseFile = (f: File | null): void => {
    setFile(f);
    setResult(null);
    if (!f || fields !== '') return;
    // Offer the file's columns, less the identifiers, as the fields being sent.
    void f
      .slice(0, 64 * 1024)
      .text()
      .then((head) => {
        const first = /\.(ndjson|jsonl)$/i.test(f.name) ? Object.keys(JSON.parse(head.split('\n')[0] ?? '{}') as object) : (Papa.parse<string[]>(head.split('\n')[0] ?? '').data[0] ?? []);
        setFields(first.filter((c) => !IDENTIFIER_COLUMNS.has(c)).join(','));
      })
      .catch(() => undefined);
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!file || to === '') return;
    setError(null);
    setResult(null);
    try {
      setPhase({ kind: 'reading', fraction: 0 });
      const { rows } = await readRecords(file, (fraction) => setPhase({ kind: 'reading', fraction }));
      const ndjson = new Blob([rows.map((r) => JSON.stringify(r)).join('\n') + '\n'], { type: 'application/x-ndjson' });
      const q = new URLSearchParams({ from: org, to, purpose, fields, channel });
      if (onBehalfOf !== '') q.set('onBehalfOf', onBehalfOf);
      if (at !== '') q.set('at', at);
      setPhase({ kind: 'sending', fraction: 0 });
      const summary = await apiUploadNdjson<CheckSummary>(credential, `/v1/console/transfers/check?${q.toString()}`, ndjson, (fraction) =>
        setPhase(fraction >= 1 ? { kind: 'deciding' } : { kind: 'sending', fraction }),
      );
      setResult({ summary, rows });
      setPhase({ kind: 'done' });
    } catch (err) {
      setPhase({ kind: 'idle' });
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'bad-file', err instanceof Error ? err.message : String(err)));
    }
  };

  const busy = phase.kind === 'reading' || phase.kind === 'sending' || phase.kind === 'deciding';
  return (
    <section aria-labelledby="tc-h" className="panel">
      <h2 id="tc-h">{t('check.title')}</h2>
      <p>{t('check.intro')}</p>
      <form onSubmit={(e) => void submit(e)} className="grid-form" aria-describedby="tc-privacy">
        <label htmlFor="tc-to">{t('check.to')}</label>
        <select id="tc-to" value={to} onChange={(e) => setTo(e.target.value)} required>
          <option value="">{t('check.choose')}</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <label htmlFor="tc-obo">{t('check.onBehalfOf')}</label>
        <select id="tc-obo" value={onBehalfOf} onChange={(e) => setOnBehalfOf(e.target.value)}>
          <option value="">{t('check.nobody')}</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <label htmlFor="tc-purpose">{t('flows.purpose')}</label>
        <select id="tc-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
          {PURPOSE_IDS.map((p) => (
            <option key={p} value={p}>
              {i.label('purpose', p)}
            </option>
          ))}
        </select>
        <label htmlFor="tc-channel">{t('check.channel')}</label>
        <select id="tc-channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {i.label('channel', c)}
            </option>
          ))}
        </select>
        <label htmlFor="tc-at">{t('check.at')}</label>
        <input id="tc-at" type="date" value={at} onChange={(e) => setAt(e.target.value)} aria-describedby="tc-at-help" />
        <span id="tc-at-help" className="help">
          {t('check.atHelp')}
        </span>
        <label htmlFor="tc-file">{t('check.file')}</label>
        <input id="tc-file" type="file" accept=".csv,.ndjson,.jsonl,text/csv" onChange={(e) => chooseFile(e.target.files?.[0] ?? null)} required />
        <label htmlFor="tc-fields">{t('check.fields')}</label>
        <input id="tc-fields" type="text" dir="ltr" value={fields} onChange={(e) => setFields(e.target.value)} aria-describedby="tc-fields-help" required />
        <span id="tc-fields-help" className="help">
          {t('check.fieldsHelp')}
        </span>
        <div className="form-end">
          <button type="submit" disabled={busy || !file || to === '' || fields === ''}>
            {t('check.submit')}
          </button>
        </div>
      </form>
      <p id="tc-privacy" className="help">
        {t('check.privacy')}
      </p>
      {phase.kind !== 'idle' && phase.kind !== 'done' && <ProgressLine phase={phase} />}
      {error && <ErrorNote error={error} />}
      {result && <CheckResult summary={result.summary} rows={result.rows} fileName={file?.name ?? 'records.csv'} />}
    </section>
  );
}

function ProgressLine({ phase }: { readonly phase: Phase }) {
  const i = useI18n();
  const fraction = phase.kind === 'reading' || phase.kind === 'sending' ? phase.fraction : null;
  const label = i.t(`check.phase.${phase.kind}`);
  return (
    <div className="progress" role="status" aria-live="polite">
      <label htmlFor="tc-progress">{fraction === null ? label : `${label} ${i.pct(fraction)}`}</label>
      {fraction === null ? <progress id="tc-progress" /> : <progress id="tc-progress" max={1} value={fraction} />}
    </div>
  );
}

function CheckResult({ summary: s, rows, fileName }: { readonly summary: CheckSummary; readonly rows: readonly Row[]; readonly fileName: string }) {
  const i = useI18n();
  const { t } = i;
  const download = useMemo(() => {
    const allowed = unpackBits(s.allowedRecords, s.requested);
    const sent = [...s.fields.sent];
    const data: unknown[][] = [];
    rows.forEach((r, k) => {
      if (allowed[k] === 1) data.push(sent.map((f) => r[f] ?? ''));
    });
    const csv = Papa.unparse({ fields: sent, data }, { newline: '\n' });
    return { href: URL.createObjectURL(new Blob([csv + '\n'], { type: 'text/csv' })), count: data.length };
  }, [s, rows]);
  const base = fileName.replace(/\.[^.]+$/, '');
  return (
    <div className="result" data-testid="check-result">
      <h3>{t('check.result')}</h3>
      <div className="figures">
        <Figure label={t('flows.requested')} value={i.num(s.requested)} testId="check-requested" />
        <Figure label={t('flows.allowed')} value={i.num(s.allowed)} tone="ok" testId="check-allowed" />
        <Figure label={t('flows.refused')} value={i.num(s.refused)} tone="bad" testId="check-refused" />
        <Figure label={t('check.unidentified')} value={i.num(s.unidentified)} />
      </div>
      {Object.keys(s.reasons).length > 0 && (
        <table data-testid="check-reasons">
          <caption>{t('check.reasons')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('check.reason')}</th>
              <th scope="col" className="num">{t('check.records')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(s.reasons).map(([code, n]) => (
              <tr key={code}>
                <td>
                  {i.label('reason', code)} <span className="muted" dir="ltr">({code})</span>
                </td>
                <td className="num">{i.num(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.findings.length > 0 && (
        <ul className="plain">
          {s.findings.map((f) => (
            <li key={`${f.rule}-${f.code}`}>
              <Badge tone={f.level === 'warn' ? 'warn' : 'bad'}>{i.label('level', f.level)}</Badge> {i.label('rule', f.rule)} — <bdi lang="en">{f.citation}</bdi> · {t('review.affected', { n: i.num(f.affected) })}
            </li>
          ))}
        </ul>
      )}
      <p>
        {t('check.fieldsSent')}: <span dir="ltr">{s.fields.sent.join(', ') || '—'}</span>
        {s.fields.stripped.length > 0 && (
          <>
            {' · '}
            {t('check.fieldsStripped')}: <span dir="ltr">{s.fields.stripped.join(', ')}</span>
          </>
        )}
      </p>
      <p>
        <a className="button" href={download.href} download={`${base}.allowed.csv`} data-testid="download-allowed">
          {t('check.download', { n: i.num(download.count) })}
        </a>
      </p>
    </div>
  );
}
