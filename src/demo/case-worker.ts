/** Worker thread entry: encodes the case blocks it is sent and moves the bytes back. */
import { serveTasks } from '../workers/ordered-pool.ts';
import { encodeBlock, type CaseBlock, type EncodedBlock } from './case-block.ts';

// Each array is a view from offset 0 of its own ArrayBuffer (see ByteAccumulator): moved, not copied.
serveTasks<CaseBlock, EncodedBlock>(encodeBlock, (b) => [b.registrantsCsv.buffer, b.eventsCsv.buffer, b.eventsJsonl.buffer] as ArrayBuffer[]);
