/**
 * IAB Global Privacy Platform strings: `Header~Section~Section…`. The header (type 3) lists
 * the section ids present, in order, as a Fibonacci-coded range; the EU TCF v2 section (id 2)
 * carries a TC string, decoded by tcf-string.ts. Other sections are listed, not decoded.
 * Pure; a bad string throws a SignalError naming the bad field.
 */
import { BitReader, base64UrlBits, SignalError } from './bits.ts';
import { decodeTcString, type TcString } from './tcf-string.ts';

/** Section ids and API prefixes (GPP "Section Information"). */
export const GPP_SECTIONS: Readonly<Record<number, string>> = {
  1: 'tcfeuv1',
  2: 'tcfeuv2',
  3: 'header',
  4: 'signal-integrity',
  5: 'tcfcav1',
  6: 'uspv1',
  7: 'usnat',
  8: 'usca',
  9: 'usva',
  10: 'usco',
  11: 'usut',
  12: 'usct',
  13: 'usfl',
  14: 'usmt',
  15: 'usor',
  16: 'ustx',
  17: 'usde',
  18: 'usia',
  19: 'usne',
  20: 'usnh',
  21: 'usnj',
  22: 'ustn',
  23: 'usmn',
};

export const TCF_EU_V2_SECTION = 2;

export interface GppSection {
  readonly id: number;
  readonly name: string;
  /** The section text as it appears in the string. */
  readonly text: string;
}

export interface GppString {
  readonly version: number;
  readonly sections: readonly GppSection[];
  /** The decoded EU TCF v2 section; null when the string has none. */
  readonly tcfEuV2: TcString | null;
}

/** Section ids from the header's Fibonacci range: each id is an offset from the previous one. */
export function decodeGppHeader(text: string): { version: number; sectionIds: number[] } {
  const r = new BitReader(base64UrlBits(text, 'header'), 'header');
  const type = r.int(6, 'type');
  if (type !== 3) throw new SignalError('header.type', `is ${type}; a GPP string starts with its header (type 3)`);
  const version = r.int(6, 'version');
  if (version !== 1) throw new SignalError('header.version', `is ${version}; only GPP version 1 is supported`);
  const n = r.int(12, 'sections.numEntries');
  const ids: number[] = [];
  let last = 0;
  for (let i = 0; i < n; i++) {
    const isRange = r.bool(`sections[${i}].isRange`);
    const start = last + r.fibonacci(`sections[${i}].start`);
    const end = isRange ? start + r.fibonacci(`sections[${i}].end`) : start;
    for (let id = start; id <= end; id++) ids.push(id);
    last = end;
  }
  if (ids.length === 0) throw new SignalError('header.sections', 'lists no sections');
  return { version, sectionIds: ids };
}

/** Decodes a GPP string and the TCF EU v2 section in it, if any. */
export function decodeGppString(raw: string): GppString {
  const text = raw.trim();
  if (text === '') throw new SignalError('gpp_string', 'is empty');
  const [headerText, ...parts] = text.split('~');
  const { version, sectionIds } = decodeGppHeader(headerText!);
  if (parts.length !== sectionIds.length) {
    throw new SignalError('header.sections', `lists ${sectionIds.length} section${sectionIds.length === 1 ? '' : 's'} (${sectionIds.join(', ')}) but the string has ${parts.length}`);
  }
  const sections = sectionIds.map((id, i) => ({ id, name: GPP_SECTIONS[id] ?? `section-${id}`, text: parts[i]! }));
  const tcf = sections.find((s) => s.id === TCF_EU_V2_SECTION);
  let tcfEuV2: TcString | null = null;
  if (tcf) {
    try {
      tcfEuV2 = decodeTcString(tcf.text);
    } catch (err) {
      if (err instanceof SignalError) throw new SignalError(`tcfeuv2.${err.field}`, err.message.slice(err.field.length + 2));
      throw err;
    }
  }
  return { version, sections, tcfEuV2 };
}
