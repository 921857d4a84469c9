/**
 * Records of a transfer sent over HTTP as NDJSON → what the decision needs: subject keys
 * (identifiers hashed here, never stored) and child / special-category flags, exactly as
 * src/gateway/transfer-records.ts does for files.
 */
import type { SubjectKeyer } from '../domain/subject-key.ts';
import { columnProblem, RecordKeyer } from '../gateway/record-keyer.ts';
import type { KeyedRecords } from '../gateway/transfer-records.ts';
import { ApiError } from './api-error.ts';
import type { NdjsonLine } from './ndjson.ts';

export async function keyNdjsonRecords(batches: AsyncIterable<readonly NdjsonLine[]>, fields: readonly string[], keyer: SubjectKeyer): Promise<KeyedRecords> {
  const acc = new RecordKeyer(keyer, fields);
  let columns: string[] | null = null;
  for await (const batch of batches) for (const { line, value } of batch) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ApiError(400, 'invalid-ndjson', `line ${line} is not a JSON object`, [{ where: `body:${line}`, message: 'send one record object per line' }]);
    }
    const f = value as Record<string, unknown>;
    if (columns === null) {
      columns = Object.keys(f);
      const problem = columnProblem(columns, fields);
      if (problem && 'missing' in problem) {
        throw new ApiError(400, 'missing-columns', `the records have no field ${problem.missing.join(', ')}`, [
          { where: `body:${line}`, field: problem.missing.join(','), message: `fields must name keys of the records; they have ${columns.join(', ')}` },
        ]);
      }
      if (problem) {
        throw new ApiError(400, 'missing-columns', 'the records have no identifier fields', [{ where: `body:${line}`, message: 'give email, or name + postcode + dob (or mother_dob)' }]);
      }
    }
    acc.add(f);
  }
  return acc.result(columns ?? []);
}
