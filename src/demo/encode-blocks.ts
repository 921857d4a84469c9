/**
 * Encodes case blocks in order, either here or on worker threads, yielding them in block order.
 * The consumer pulls at its own pace, which bounds memory.
 */
import { runInWorkers, siblingModule } from '../workers/ordered-pool.ts';
import { encodeBlock } from './case-block.ts';
import type { CaseBlock, EncodedBlock } from './case-block.ts';

export function* encodeBlocksInline(blocks: readonly CaseBlock[]): Generator<EncodedBlock> {
  for (const b of blocks) yield encodeBlock(b);
}

export function encodeBlocksInWorkers(blocks: readonly CaseBlock[], workerCount: number): AsyncGenerator<EncodedBlock> {
  return runInWorkers<CaseBlock, EncodedBlock>(siblingModule(import.meta.url, 'case-worker'), blocks, {
    workers: workerCount,
    label: 'encoding block',
    workerOptions: { resourceLimits: { maxYoungGenerationSizeMb: 48 } },
  });
}
