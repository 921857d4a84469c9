/** A ledger proof: its main numbers, the JSON itself on demand, and a download to check it offline. */
import { useMemo } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

function numberAt(o: unknown, path: readonly string[]): number | null {
  let v: unknown = o;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : null;
}

export function ProofView({ proof, fileName }: { readonly proof: unknown; readonly fileName: string }) {
  const i = useI18n();
  const json = useMemo(() => JSON.stringify(proof, null, 2), [proof]);
  const href = useMemo(() => URL.createObjectURL(new Blob([json], { type: 'application/json' })), [json]);
  // A transfer proof nests the leaf's inclusion proof; a leaf proof is one.
  const index = numberAt(proof, ['leaf', 'index']) ?? numberAt(proof, ['index']);
  const size = numberAt(proof, ['leaf', 'treeSize']) ?? numberAt(proof, ['treeSize']);
  return (
    <div className="proof">
      <p>{index !== null && size !== null ? i.t('proof.summary', { index: i.num(index), size: i.num(size) }) : i.t('proof.title')}</p>
      <details>
        <summary>{i.t('proof.show')}</summary>
        <pre dir="ltr">{json}</pre>
      </details>
      <a href={href} download={fileName}>
        {i.t('proof.download')}
      </a>{' '}
      <span className="muted">{i.t('proof.offline')}</span>
    </div>
  );
}
