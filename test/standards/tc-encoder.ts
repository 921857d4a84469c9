/**
 * An independent encoder for TC strings and GPP headers, written from the IAB specifications,
 * so the decoder is checked against strings built field by field rather than against itself.
 */

export class BitWriter {
  readonly bits: number[] = [];
  int(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2);
    return this;
  }
  bool(v: boolean): this {
    return this.int(1, v ? 1 : 0);
  }
  /** n flags, 1-based ids set. */
  flags(n: number, set: readonly number[]): this {
    for (let i = 1; i <= n; i++) this.bits.push(set.includes(i) ? 1 : 0);
    return this;
  }
  letters(s: string): this {
    return this.int(6, s.charCodeAt(0) - 65).int(6, s.charCodeAt(1) - 65);
  }
  /** Fibonacci code: weights 1, 2, 3, 5, …, then a closing 1. */
  fibonacci(v: number): this {
    const fibs = [1, 2];
    while (fibs[fibs.length - 1]! <= v) fibs.push(fibs[fibs.length - 1]! + fibs[fibs.length - 2]!);
    const code: number[] = [];
    let rest = v;
    for (let i = fibs.length - 1; i >= 0; i--) {
      if (fibs[i]! <= rest) {
        code[i] = 1;
        rest -= fibs[i]!;
      } else code[i] = code[i] ?? 0;
    }
    while (code.length > 0 && code[code.length - 1] === 0) code.pop();
    this.bits.push(...code.map((b) => b ?? 0), 1);
    return this;
  }
  base64url(): string {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const b = [...this.bits];
    while (b.length % 6 !== 0) b.push(0);
    let s = '';
    for (let i = 0; i < b.length; i += 6) s += A[b.slice(i, i + 6).reduce((acc, x) => acc * 2 + x, 0)];
    return s;
  }
}

export interface CoreSpec {
  version?: number;
  created?: number; // epoch ms
  lastUpdated?: number;
  cmpId?: number;
  cmpVersion?: number;
  consentScreen?: number;
  consentLanguage?: string;
  vendorListVersion?: number;
  tcfPolicyVersion?: number;
  isServiceSpecific?: boolean;
  useNonStandardTexts?: boolean;
  specialFeatureOptIns?: number[];
  purposesConsent?: number[];
  purposesLITransparency?: number[];
  purposeOneTreatment?: boolean;
  publisherCC?: string;
  vendorConsents?: number[];
  vendorLI?: number[];
  /** Encode vendor lists as ranges instead of bit fields. */
  ranges?: boolean;
  restrictions?: { purposeId: number; type: number; vendors: number[] }[];
}

/** Writes vendor ids as ranges: runs of consecutive ids become one range entry. */
function writeRanges(w: BitWriter, ids: readonly number[]): void {
  const runs: [number, number][] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else runs.push([id, id]);
  }
  w.int(12, runs.length);
  for (const [a, b] of runs) {
    w.bool(a !== b).int(16, a);
    if (a !== b) w.int(16, b);
  }
}

function writeVendors(w: BitWriter, ids: readonly number[], ranges: boolean): void {
  const max = ids.length ? Math.max(...ids) : 0;
  w.int(16, max).bool(ranges);
  if (ranges) writeRanges(w, ids);
  else w.flags(max, ids);
}

export function encodeCore(s: CoreSpec = {}): string {
  const w = new BitWriter();
  const created = s.created ?? Date.UTC(2024, 4, 1, 12, 0, 0);
  w.int(6, s.version ?? 2)
    .int(36, Math.round(created / 100))
    .int(36, Math.round((s.lastUpdated ?? created) / 100))
    .int(12, s.cmpId ?? 300)
    .int(12, s.cmpVersion ?? 2)
    .int(6, s.consentScreen ?? 1)
    .letters(s.consentLanguage ?? 'EN')
    .int(12, s.vendorListVersion ?? 48)
    .int(6, s.tcfPolicyVersion ?? 4)
    .bool(s.isServiceSpecific ?? true)
    .bool(s.useNonStandardTexts ?? false)
    .flags(12, s.specialFeatureOptIns ?? [])
    .flags(24, s.purposesConsent ?? [])
    .flags(24, s.purposesLITransparency ?? [])
    .bool(s.purposeOneTreatment ?? false)
    .letters(s.publisherCC ?? 'GB');
  writeVendors(w, s.vendorConsents ?? [], s.ranges ?? false);
  writeVendors(w, s.vendorLI ?? [], s.ranges ?? false);
  const rs = s.restrictions ?? [];
  w.int(12, rs.length);
  for (const r of rs) {
    w.int(6, r.purposeId).int(2, r.type);
    writeRanges(w, r.vendors);
  }
  return w.base64url();
}

export function encodeDisclosedVendors(ids: number[]): string {
  const w = new BitWriter().int(3, 1);
  writeVendors(w, ids, false);
  return w.base64url();
}

export function encodePublisherTC(consent: number[], li: number[]): string {
  return new BitWriter().int(3, 3).flags(24, consent).flags(24, li).int(6, 0).base64url();
}

/** A GPP header listing single section ids (each an offset from the previous). */
export function encodeGppHeader(ids: number[]): string {
  const w = new BitWriter().int(6, 3).int(6, 1).int(12, ids.length);
  let last = 0;
  for (const id of ids) {
    w.bool(false).fibonacci(id - last);
    last = id;
  }
  return w.base64url();
}
