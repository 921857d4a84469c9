/**
 * The web app's message catalogues and the ids it offers: Arabic has every English message (and
 * the same placeholders), and every purpose, rule, reason code and channel the server knows has a
 * label in both languages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANNELS } from '../../src/domain/types.ts';
import { PURPOSES } from '../../src/domain/purposes.ts';
import { RULE_CATALOGUE } from '../../src/policy/rule-catalogue.ts';
import { ar } from '../../web/app/i18n/ar.ts';
import { en } from '../../web/app/i18n/en.ts';
import { CHANNELS as WEB_CHANNELS, PURPOSE_IDS } from '../../web/app/taxonomy.ts';

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('web catalogues', () => {
  it('gives Arabic exactly the English keys, each with the same placeholders and a translation', () => {
    assert.deepEqual(Object.keys(ar).sort(), Object.keys(en).sort());
    const same: string[] = [];
    for (const [k, v] of Object.entries(en)) {
      const a = ar[k as keyof typeof en];
      assert.deepEqual(placeholders(a), placeholders(v), k);
      if (a === v && !k.startsWith('lang.')) same.push(k);
    }
    assert.deepEqual(same, [], 'messages left in English');
  });

  it('offers and names every purpose and channel of the server, and labels every rule and reason code', () => {
    assert.deepEqual([...PURPOSE_IDS], PURPOSES.map((p) => p.id));
    assert.deepEqual([...WEB_CHANNELS], [...CHANNELS]);
    const keys = new Set(Object.keys(en));
    const wanted = [
      ...PURPOSES.map((p) => `purpose.${p.id}`),
      ...CHANNELS.map((c) => `channel.${c}`),
      ...Object.keys(RULE_CATALOGUE).map((r) => `rule.${r}`),
      ...Object.values(RULE_CATALOGUE).flatMap((r) => r.codes.map((c) => `reason.${c}`)),
    ];
    assert.deepEqual(wanted.filter((k) => !keys.has(k)), []);
  });
});
