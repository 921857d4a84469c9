/**
 * Worker thread entry: sorts a set of subject keys and cuts it into set blocks, so a commit's
 * requested set can be made on another core before the commit (the reference case's flow commits
 * two transfers over every registrant; see load-reference-case.ts).
 */
import { serveTasks } from '../workers/ordered-pool.ts';
import { requestedSetOf, requestedSetBuffers, type RequestedSet } from '../gateway/transfer-commit.ts';

serveTasks<{ readonly keys: Uint8Array }, RequestedSet>((task) => requestedSetOf(task.keys), requestedSetBuffers);
