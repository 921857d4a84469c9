/** Tree-head rows as both SQL ledgers store them, and the TreeHead they stand for. */
import type { TreeHead } from './ledger-storage.ts';

export interface HeadRow {
  id: number;
  size: number;
  root: Uint8Array;
  at: number;
  note: string;
}

export interface CosigRow {
  tree_head: number;
  witness: string;
  line: string;
}

/** The signed note with its cosignature lines appended, as witnesses and verifiers read it. */
export function toTreeHead(row: HeadRow, cosigs: readonly CosigRow[]): TreeHead {
  return {
    id: row.id,
    size: row.size,
    root: row.root,
    at: row.at,
    note: row.note + cosigs.map((c) => `${c.line}\n`).join(''),
    witnesses: cosigs.map((c) => c.witness),
  };
}
