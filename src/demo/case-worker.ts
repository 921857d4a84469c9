/** Worker thread entry: encodes the blocks it is sent and transfers the bytes back. */
import { parentPort } from 'node:worker_threads';
import { encodeBlock } from './case-block.ts';
import type { CaseBlock } from './case-block.ts';

export interface BlockTask {
  readonly id: number;
  readonly block: CaseBlock;
}

const port = parentPort;
if (port === null) throw new Error('case-worker.ts must run in a worker thread');

port.on('message', (task: BlockTask) => {
  try {
    const block = encodeBlock(task.block);
    // Each array is a view from offset 0 of its own ArrayBuffer (see ByteAccumulator): moved, not copied.
    const transfer = [block.registrantsCsv.buffer, block.eventsCsv.buffer, block.eventsJsonl.buffer] as ArrayBuffer[];
    port.postMessage({ id: task.id, ok: true, block }, transfer);
  } catch (err) {
    port.postMessage({ id: task.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
