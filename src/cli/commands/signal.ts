import type { Command } from 'commander';
import { UserError } from '../../errors.ts';
import { SignalError } from '../../standards/bits.ts';
import { decodeGppString, type GppString } from '../../standards/gpp-string.ts';
import { mapTcfPurposes, TCF_PURPOSES } from '../../standards/signal-consent.ts';
import { decodeTcString, type TcString } from '../../standards/tcf-string.ts';
import { flagsOf } from '../command-kit.ts';
import { makeOut, table } from '../output.ts';

/** A GPP string is always a header and at least one section joined by "~"; a TC string has no "~". */
function kindOf(s: string, explicit?: string): 'tcf' | 'gpp' {
  if (explicit === 'tcf' || explicit === 'gpp') return explicit;
  if (explicit !== undefined) throw new UserError('bad-type', '--type must be tcf or gpp', [{ where: '--type', message: `got "${explicit}"` }]);
  return s.includes('~') ? 'gpp' : 'tcf';
}

const list = (xs: readonly number[]): string => (xs.length === 0 ? '(none)' : xs.join(', '));
const iso = (ms: number): string => new Date(ms).toISOString();

export function registerSignal(program: Command): void {
  const signal = program.command('signal').description('privacy signals: IAB TCF v2 TC strings and GPP strings');
  signal
    .command('decode')
    .description('decode a TC string or a GPP string (with a TCF EU v2 section) and show what it means in our purposes')
    .argument('<string>', 'the TC or GPP string')
    .option('--type <type>', 'tcf | gpp (default: from the string)')
    .action((raw: string, o: { type?: string }, cmd: Command) => {
      const out = makeOut(Boolean(flagsOf(cmd).json));
      const kind = kindOf(raw, o.type);
      let gpp: GppString | null = null;
      let tc: TcString | null;
      try {
        if (kind === 'gpp') {
          gpp = decodeGppString(raw);
          tc = gpp.tcfEuV2;
        } else tc = decodeTcString(raw);
      } catch (err) {
        if (err instanceof SignalError) {
          throw new UserError('bad-signal', `not a valid ${kind === 'gpp' ? 'GPP' : 'TC'} string: ${err.message}`, [{ where: kind === 'gpp' ? 'gpp_string' : 'tc_string', field: err.field, message: err.message.slice(err.field.length + 2) }]);
        }
        throw err;
      }
      const mapping = tc ? mapTcfPurposes(tc) : null;
      const result = { type: kind, ...(gpp ? { gpp: { version: gpp.version, sections: gpp.sections.map((s) => ({ id: s.id, name: s.name })) } } : {}), tcf: tc, purposes: mapping };
      out.result(result, () => {
        if (gpp) out.line(`GPP v${gpp.version}: sections ${gpp.sections.map((s) => `${s.id} (${s.name})`).join(', ')}`);
        if (!tc) return out.line('no EU TCF v2 section: nothing here maps to consent events');
        const c = tc.core;
        out.line(
          table([
            ['version', String(c.version)],
            ['created', iso(c.created)],
            ['last updated', iso(c.lastUpdated)],
            ['CMP', `${c.cmpId} v${c.cmpVersion} (screen ${c.consentScreen})`],
            ['language', c.consentLanguage],
            ['vendor list', `v${c.vendorListVersion}, policy v${c.tcfPolicyVersion}`],
            ['publisher country', c.publisherCC],
            ['purposes (consent)', list(c.purposesConsent)],
            ['purposes (legitimate interest)', list(c.purposesLITransparency)],
            ['special features', list(c.specialFeatureOptIns)],
            ['vendors (consent)', `${c.vendorConsents.length}: ${list(c.vendorConsents.slice(0, 20))}${c.vendorConsents.length > 20 ? ', …' : ''}`],
            ['vendors (legitimate interest)', `${c.vendorLegitimateInterests.length}: ${list(c.vendorLegitimateInterests.slice(0, 20))}${c.vendorLegitimateInterests.length > 20 ? ', …' : ''}`],
            ['publisher restrictions', c.publisherRestrictions.map((r) => `purpose ${r.purposeId} ${r.restrictionType}: ${list(r.vendorIds)}`).join('; ') || '(none)'],
            ['disclosed vendors', tc.disclosedVendors ? String(tc.disclosedVendors.length) : '(segment absent)'],
          ]),
        );
        out.line();
        out.line(`as consent events: given ${mapping!.given.join(', ') || '(none)'}; refused ${mapping!.refused.join(', ') || '(none)'}`);
        if (mapping!.unmapped.length > 0) out.line(`not mapped to our purposes: ${mapping!.unmapped.join('; ')}`);
        for (const w of tc.warnings) out.line(`warning: ${w}`);
        out.line(`(TCF purposes: ${TCF_PURPOSES.map((p) => `${p.id} → ${p.ours ?? '-'}`).join(', ')})`);
      });
    });
}
