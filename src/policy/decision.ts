/** The decision on a transfer: which records may go, and why the others may not. */
import type { Facts } from './facts.ts';
import { FastEngine } from './fast-engine.ts';
import type { TransferRecords } from './record-flags.ts';
import type { RuleLevel } from './rule-catalogue.ts';
import type { RulePack } from './rule-pack.ts';
import type { TransferRequest } from '../domain/types.ts';

export interface Finding {
  /** Rule id from the pack. */
  readonly rule: string;
  readonly code: string;
  readonly level: RuleLevel;
  readonly citation: string;
  readonly message: string;
  /** Records the finding applies to. */
  readonly affected: number;
}

export interface Decision {
  readonly pack: { readonly id: string; readonly version: string };
  readonly request: TransferRequest;
  readonly requested: number;
  readonly allowed: number;
  readonly refused: number;
  /** 1 = record i may be sent. */
  readonly allowedMask: Uint8Array;
  /** Code → number of refused records carrying it (keys sorted). */
  readonly reasons: Readonly<Record<string, number>>;
  /** Code → number of records carrying a warn-level code (keys sorted). */
  readonly warnings: Readonly<Record<string, number>>;
  /** In pack rule order: transfer-level findings, and one per record-level code with its count. */
  readonly findings: readonly Finding[];
  readonly fields: { readonly sent: readonly string[]; readonly stripped: readonly string[] };
  /** Every code of record i in pack rule order (`transfer-blocked` last); computed on demand. */
  recordReasons(i: number): string[];
  /**
   * A small number standing for record i's codes: records with equal keys have equal
   * recordReasons, so a million refused records are described by a handful of lists without
   * building one per record. -1 where the engine gives no key (then ask recordReasons).
   */
  recordReasonKey(i: number): number;
}

const engines = new WeakMap<Facts, FastEngine>();

/**
 * Decides a transfer with the fast engine, reusing its indexes for the same facts object
 * (appends to the facts are picked up on the next call).
 */
export function decide(request: TransferRequest, records: TransferRecords, facts: Facts, pack: RulePack): Decision {
  return engineFor(facts).decide(request, records, pack);
}

/** Does ahead of time the part of deciding `request` that needs no records (see FastEngine.prepare). */
export function prepareDecision(request: TransferRequest, facts: Facts): void {
  engineFor(facts).prepare(request);
}

function engineFor(facts: Facts): FastEngine {
  let engine = engines.get(facts);
  if (!engine) {
    engine = new FastEngine(facts);
    engines.set(facts, engine);
  }
  return engine;
}
