/** Worker thread entry: builds the reference-case blocks it is sent (keys, columns, leaf hashes). */
import { serveTasks } from '../workers/ordered-pool.ts';
import { buildCaseLoadBlock, caseLoadBlockBuffers, collectorNoticeHashes, type CaseLoadBlock, type CaseLoadTask } from './case-load-block.ts';

const notices = collectorNoticeHashes();
serveTasks<CaseLoadTask, CaseLoadBlock>((task) => buildCaseLoadBlock(task, notices), caseLoadBlockBuffers);
