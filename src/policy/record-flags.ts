/** The per-record input of a decision: subject ordinals plus what each record carries. */

/** Flag bit 0: the record carries a child's data (a child-category field, or the subject is under childAge). */
export const RECORD_CHILD = 1;
/** Flag bit 1: the record carries special-category data (Art 9). */
export const RECORD_SPECIAL = 2;

export interface TransferRecords {
  /** Subject ordinal per record; -1 = subject unknown to Consentry. */
  readonly ordinals: Int32Array;
  /** RECORD_CHILD | RECORD_SPECIAL per record. */
  readonly flags: Uint8Array;
}

export function checkRecords(records: TransferRecords): void {
  if (records.ordinals.length !== records.flags.length) {
    throw new RangeError(`records: ${records.ordinals.length} ordinals but ${records.flags.length} flags`);
  }
}
