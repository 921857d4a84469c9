/**
 * Writes a self-contained ledger export (format in docs/ledger.md): NDJSON, one header line,
 * one line per leaf with the entry's canonical JSON verbatim, each signed tree head right
 * after the leaf that completes its size, and an end line. Streamed: memory stays flat.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { LedgerStorage, TreeHead } from './ledger-storage.ts';
import { encodeVerifierKey, type VerifierKey } from './signing-key.ts';

export const EXPORT_FORMAT = 'consentry-ledger-export';
export const EXPORT_VERSION = 1;

export interface ExportOptions {
  /** The log's public key (vkey text or parsed), written into the header. */
  readonly publicKey: string | VerifierKey;
  /** Leaves per storage read. */
  readonly batchSize?: number;
  /** Export time written into the header (epoch ms); defaults to now. */
  readonly exportedAt?: number;
}

export interface ExportSummary {
  readonly treeSize: number;
  readonly treeHeads: number;
  readonly lines: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function treeHeadLine(h: TreeHead): string {
  return JSON.stringify({ treeHead: { id: h.id, size: h.size, root: hex(h.root), at: h.at, note: h.note } });
}

export async function exportLedger(storage: LedgerStorage, filePath: string, opts: ExportOptions): Promise<ExportSummary> {
  const size = await storage.size();
  const root = await storage.root();
  // Heads signed beyond `size` (appends racing the export) belong to the next export.
  const heads = (await storage.treeHeads()).filter((h) => h.size <= size).sort((a, b) => a.size - b.size || a.id - b.id);
  const publicKey = typeof opts.publicKey === 'string' ? opts.publicKey.trim() : encodeVerifierKey(opts.publicKey);
  const out = createWriteStream(filePath, { flags: 'wx' });
  const failed = once(out, 'error').then(([e]) => {
    throw e as Error;
  });
  failed.catch(() => undefined); // raced below; never left unhandled
  let lines = 0;
  const write = async (chunk: string | Buffer): Promise<void> => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  try {
    const header = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      origin: storage.origin,
      publicKey,
      treeSize: size,
      treeHeads: heads.length,
      exportedAt: opts.exportedAt ?? Date.now(),
    };
    await write(`${JSON.stringify(header)}\n`);
    lines++;
    let h = 0;
    const headsAt = async (n: number): Promise<void> => {
      let text = '';
      while (h < heads.length && heads[h].size === n) {
        text += `${treeHeadLine(heads[h++])}\n`;
        lines++;
      }
      if (text !== '') await write(text);
    };
    await headsAt(0);
    for await (const batch of storage.leaves(0, size, opts.batchSize)) {
      const parts: Buffer[] = [];
      for (const leaf of batch) {
        parts.push(Buffer.from(`{"leaf":${leaf.index},"hash":"${hex(leaf.hash)}","entry":`), Buffer.from(leaf.data.buffer, leaf.data.byteOffset, leaf.data.byteLength), Buffer.from('}\n'));
        lines++;
        while (h < heads.length && heads[h].size === leaf.index + 1) {
          parts.push(Buffer.from(`${treeHeadLine(heads[h++])}\n`));
          lines++;
        }
      }
      await write(Buffer.concat(parts));
    }
    // Heads whose leaves were missing from storage still go out, so a verifier sees them.
    while (h < heads.length) {
      await write(`${treeHeadLine(heads[h++])}\n`);
      lines++;
    }
    lines++;
    await write(`${JSON.stringify({ end: { treeSize: size, root: hex(root), lines } })}\n`);
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } catch (e) {
    out.destroy();
    throw e;
  }
  return { treeSize: size, treeHeads: heads.length, lines };
}
