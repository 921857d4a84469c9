import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BUILTIN_PACKS, PackError, loadBuiltinPack, parsePack } from '../../src/policy/pack-loader.ts';
import { RULE_IDS } from '../../src/policy/rule-catalogue.ts';

const UK_TEXT = readFileSync(BUILTIN_PACKS.uk, 'utf8');
// The rule catalogue lives in the project's shared folder beside the checkout (as in CI).
const RULES_MD_URL = new URL('../../../shared/rules.md', import.meta.url);
const RULES_MD = existsSync(RULES_MD_URL) ? readFileSync(RULES_MD_URL, 'utf8') : null;

/** Expects parsePack to refuse `text`, with every fragment in the message. */
function refuses(text: string, file: string, ...fragments: string[]): PackError {
  let caught: unknown;
  try {
    parsePack(text, file);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PackError, `expected a PackError, got ${String(caught)}`);
  for (const f of fragments) assert.ok(caught.message.includes(f), `"${f}" not in:\n${caught.message}`);
  return caught;
}

describe('rule packs', () => {
  it('loads the UK pack: all 19 rules, citations copied from rules.md', (t) => {
    const uk = loadBuiltinPack('uk');
    assert.equal(uk.id, 'uk-gdpr');
    assert.equal(uk.jurisdiction, 'UK');
    assert.deepEqual(new Set(uk.rules.map((r) => r.id)), new Set(RULE_IDS));
    assert.equal(uk.params.childAge, 13);
    assert.equal(uk.params.dpiaRecordThreshold, 100_000);
    assert.deepEqual(uk.params.childBlockPurposes, ['marketing', 'profiling']);
    assert.ok(uk.params.adequateCountries.includes('GB') && uk.params.adequateCountries.includes('FR'));
    assert.ok(!uk.params.adequateCountries.includes('US'));
    assert.equal(uk.params.channelFields.none, null);
    if (RULES_MD === null) {
      t.diagnostic('SKIPPED PART: ../shared/rules.md is not beside this checkout, so citations were not compared with it');
      return;
    }
    // The citation column of the rules.md table, per rule id.
    const table = new Map(
      RULES_MD.split('\n')
        .filter((l) => /^\| [a-z0-9-]+ \| (record|transfer) \|/.test(l))
        .map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '')))
        .map((cells) => [cells[0]!, cells[3]!]),
    );
    assert.equal(table.size, 19);
    for (const r of uk.rules) assert.equal(r.citation, table.get(r.id), r.id);
  });

  it('loads the EU pack: child age 16, no PECR, GB adequate, EU citations', () => {
    const eu = loadBuiltinPack('eu');
    assert.equal(eu.id, 'eu-gdpr');
    assert.equal(eu.params.childAge, 16);
    assert.ok(!eu.rules.some((r) => r.id === 'pecr-channel'));
    assert.equal(eu.rules.length, 18);
    assert.ok(eu.params.adequateCountries.includes('GB'));
    assert.ok(!eu.params.adequateCountries.includes('US'));
    assert.equal(eu.rules.find((r) => r.id === 'intl-transfer')?.citation, 'GDPR Chapter V (Art 44-46)');
  });

  it('refuses a rule id with no implementation, naming the file, line and rule', () => {
    const text = UK_TEXT.replace('- id: storage-limitation', '- id: storage-limits');
    const line = text.split('\n').findIndex((l) => l.includes('storage-limits')) + 1;
    refuses(text, 'packs/bad.yaml', `packs/bad.yaml:${line}`, 'rule "storage-limits"', 'no implementation');
  });

  it('refuses a level the rule does not support', () => {
    const text = UK_TEXT.replace(/(- id: purpose-named\n\s+scope: record\n\s+level:) block/, '$1 strip');
    refuses(text, 'uk-strip.yaml', 'uk-strip.yaml:', 'rule "purpose-named"', 'level "strip" is not supported (supported: block)');
    refuses(text.replace('level: strip', 'level: maybe'), 'uk-maybe.yaml', 'rule "purpose-named" level', 'Invalid option');
  });

  it('refuses a rule without a citation', () => {
    const text = UK_TEXT.replace(/(- id: dpia-required\n\s+scope: transfer\n\s+level: block\n)\s+citation: .*\n/, '$1');
    refuses(text, 'no-cite.yaml', 'no-cite.yaml:', 'rule "dpia-required"', 'citation');
    const blank = UK_TEXT.replace('citation: Art 35(1), 35(3)(b)', "citation: ' '");
    refuses(blank, 'blank-cite.yaml', 'rule "dpia-required" citation', 'citation is required');
  });

  it('refuses unknown keys at every level', () => {
    refuses(UK_TEXT.replace('name: United Kingdom', 'colour: blue\nname: United Kingdom'), 'top.yaml', 'top.yaml:', 'unknown key "colour"');
    refuses(UK_TEXT.replace('  childAge: 13', '  childAge: 13\n  adultAge: 18'), 'params.yaml', 'params', 'unknown key "adultAge"');
    refuses(UK_TEXT.replace('    citation: Art 5(1)(e)\n', '    citation: Art 5(1)(e)\n    severity: high\n'), 'rule.yaml', 'rule "storage-limitation"', 'unknown key "severity"');
    refuses(UK_TEXT.replace('maxDays: 30', 'maxDays: 30\n      minDays: 1'), 'rparams.yaml', 'rule "art14-notice-by-recipient" params', 'unknown key "minDays"');
  });

  it('refuses a scope mismatch, duplicates, missing required rules and a UK-only rule in the EU', () => {
    refuses(UK_TEXT.replace(/(- id: purpose-named\n\s+scope:) record/, '$1 transfer'), 'scope.yaml', 'rule "purpose-named"', 'scope must be "record"');
    const dup = UK_TEXT.replace('  - id: intl-transfer', '  - id: pecr-channel\n    scope: transfer\n    level: block\n    citation: x\n  - id: intl-transfer');
    refuses(dup, 'dup.yaml', 'rule "pecr-channel"', 'listed twice');
    const withoutPurpose = UK_TEXT.replace(/ {2}- id: purpose-named\n(?: {4}.*\n)+?(?= {2}- id:)/, '');
    refuses(withoutPurpose, 'req.yaml', 'missing required rule purpose-named');
    refuses(UK_TEXT.replace('jurisdiction: UK', 'jurisdiction: EU'), 'eu-pecr.yaml', 'rule "pecr-channel"', 'applies only in UK, not EU');
  });

  it('refuses bad params with the field named', () => {
    refuses(UK_TEXT.replace('childBlockPurposes: [marketing, profiling]', 'childBlockPurposes: [marketing, politics]'), 'p.yaml', 'params.childBlockPurposes.1', 'unknown purpose id');
    refuses(UK_TEXT.replace('    sms: [name, first_name, last_name, phone]\n', ''), 'ch.yaml', 'params.channelFields.sms');
    refuses(UK_TEXT.replace('childAge: 13', 'childAge: thirteen'), 'age.yaml', 'params.childAge');
  });

  it('reads JSON packs too, and reports YAML syntax errors with a line', () => {
    const uk = loadBuiltinPack('uk');
    const json = JSON.stringify({ ...uk, rules: uk.rules.map(({ params, ...r }) => (Object.keys(params).length ? { ...r, params } : r)) }, null, 2);
    assert.deepEqual(parsePack(json, 'uk.json'), uk);
    refuses('id: x\n  rules: [\n', 'broken.yaml', 'broken.yaml:');
  });
});
