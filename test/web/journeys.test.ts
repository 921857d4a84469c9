/**
 * The web app's three journeys in a real headless Chromium against a real server over the
 * reference case (300 registrants), in English and in Arabic: the regulator's dashboard and
 * drill-down, a person's portal with a withdrawal, and an organisation checking a transfer by
 * uploading its file and downloading the allowed records. Screenshots are kept for review.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { api, deliveredPeople, startCaseServer, type CaseServer, type Registrant } from './case-server.ts';
import { launchChromium, offSite, openPage, SHOTS, type Tracked } from './browser.ts';

const RECORDS = 300;

/**
 * Functions run inside the page. They are typed against minimal shapes: the project's type check
 * runs without the DOM library.
 */
interface PageElement {
  readonly outerHTML: string;
  readonly labels?: { readonly length: number } | null;
  getAttribute(name: string): string | null;
}
declare const getComputedStyle: (e: unknown) => { direction: string };
declare const document: { getElementById(id: string): { value?: string } | null; querySelectorAll(selector: string): { length: number } };
const IN_PAGE = {
  direction: (body: unknown): string => getComputedStyle(body).direction,
  fieldValueIs: ([id, want]: readonly [string, string]): boolean => document.getElementById(id)?.value === want,
  countIs: ([selector, n]: readonly [string, number]): boolean => document.querySelectorAll(selector).length === n,
  unlabelled: (els: unknown[]): string[] => (els as PageElement[]).filter((e) => (e.labels?.length ?? 0) === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML),
};
type Lang = 'en' | 'ar';
const LOCALE: Record<Lang, string> = { en: 'en-GB', ar: 'ar-u-nu-arab' };
const num = (lang: Lang, n: number): string => new Intl.NumberFormat(LOCALE[lang]).format(n);

let c: CaseServer;
let browser: Browser;
let people: Registrant[];

before(async () => {
  // The browser first: without it the tests fail at once, saying what to install.
  browser = await launchChromium();
  c = await startCaseServer(RECORDS, { web: true });
  people = await deliveredPeople(c);
});
after(async () => {
  await browser?.close();
  await c?.close();
});

async function shot(t: TestContext, page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
}

/** Opens the app, switches language through the page's own control, and checks the choice is remembered. */
async function start(lang: Lang): Promise<Tracked> {
  const tr = await openPage(browser);
  await tr.page.goto(c.base + '/');
  await tr.page.getByLabel('Language').waitFor();
  // The keyboard's first stop is the skip link.
  await tr.page.keyboard.press('Tab');
  assert.equal(await tr.page.locator(':focus').getAttribute('href'), '#main');
  assert.equal(await tr.page.getAttribute('html', 'dir'), 'ltr');
  if (lang === 'ar') {
    await tr.page.getByLabel('Language').selectOption('ar');
    await tr.page.reload();
    await tr.page.getByLabel('اللغة').waitFor();
    assert.equal(await tr.page.getAttribute('html', 'lang'), 'ar');
    assert.equal(await tr.page.getAttribute('html', 'dir'), 'rtl');
    assert.equal(await tr.page.locator('body').evaluate(IN_PAGE.direction), 'rtl');
  }
  return tr;
}

async function signIn(tr: Tracked, lang: Lang, credential: string): Promise<void> {
  const label = lang === 'ar' ? 'مفتاح الواجهة البرمجية أو الرمز الشخصي' : 'API key or personal token';
  await tr.page.getByLabel(label).fill(credential);
  // By keyboard: Enter in the field submits the form.
  await tr.page.getByLabel(label).press('Enter');
}

/** Runs a journey; on failure, a screenshot of where it stopped and what the page logged. */
async function journey(t: TestContext, tr: Tracked, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    await shot(t, tr.page, `${name}-FAILED`).catch(() => undefined);
    t.diagnostic(`page errors: ${JSON.stringify(tr.errors)}`);
    throw e;
  } finally {
    await tr.context.close();
  }
}

/** Every form control on the page has a label (its own <label> or an aria-label). */
async function assertLabelled(page: Page): Promise<void> {
  const unlabelled = await page.locator('input, select, textarea').evaluateAll(IN_PAGE.unlabelled);
  assert.deepEqual(unlabelled, []);
}

function finish(tr: Tracked): void {
  assert.deepEqual(offSite(tr.requests, c.base), [], 'every request stays on the server under test');
  assert.deepEqual(tr.errors, [], 'no errors in the page');
  assert.ok(tr.requests.some((u) => u.includes('/assets/')), 'the bundled scripts were loaded from the server');
}

for (const lang of ['en', 'ar'] as const) {
  describe(`web app in ${lang === 'en' ? 'English' : 'Arabic'}`, () => {
    it('regulator: ledger, flows, findings with citations, drill-down to the transfer and its proof, a party review', async (t) => {
      const tr = await start(lang);
      await journey(t, tr, `${lang}-regulator`, async () => {
        const { page } = tr;
        await signIn(tr, lang, c.keys.regulator);
        await page.waitForURL(c.base + '/regulator');
        const ledger = await api(c, 'GET', '/v1/ledger', c.keys.regulator);
        await page.getByTestId('ledger-verified').getByText(lang === 'ar' ? 'تم التحقق' : 'Verified', { exact: true }).waitFor();
        assert.equal(await page.getByTestId('ledger-size').textContent(), num(lang, ledger.body.size));

        const flowRow = page.getByTestId('flows-table').locator('tbody tr');
        await flowRow.first().waitFor();
        assert.equal(await flowRow.count(), 1);
        const cells = await flowRow.first().locator('td').allTextContents();
        const requested = 2 * RECORDS;
        const allowed = c.flow.t1.allowed + c.flow.t2026.allowed;
        assert.deepEqual(cells.slice(4), [num(lang, 2), num(lang, requested), num(lang, allowed), num(lang, requested - allowed)]);
        assert.match(cells[0]!, /Emma's Diary/);
        assert.equal(cells[2], 'The Labour Party');
        // The Sankey is drawn (SVG) with the refused records apart.
        await page.getByTestId('sankey').locator('svg path').first().waitFor();
        assert.ok((await page.getByTestId('sankey').locator('svg').textContent())!.includes(lang === 'ar' ? 'مرفوض' : 'Refused'));

        // One finding per transfer: T1 (every record) and the 2026 transfer (everyone who did not opt in).
        const purposeRows = page.getByTestId('findings-table').locator('tbody tr[data-rule="purpose-named"]');
        assert.deepEqual(await purposeRows.getByTestId('affected').allTextContents(), [num(lang, RECORDS), num(lang, c.flow.t2026.refused)]);
        const purposeRow = purposeRows.filter({ has: page.getByTestId('affected').getByText(num(lang, RECORDS), { exact: true }) });
        assert.match((await purposeRow.locator('td').nth(1).textContent())!, /Art 5\(1\)\(b\), 6\(4\)/);
        await assertLabelled(page);
        await shot(t, page, `${lang}-1-regulator-dashboard`);

        await purposeRow.getByRole('link').click();
        await page.waitForURL(/\/regulator\/findings\//);
        assert.equal(await page.getByTestId('finding-affected').textContent(), num(lang, RECORDS));
        await page.getByTestId('finding-transfers').locator('tbody tr').first().waitFor();
        const transferCells = await page.getByTestId('finding-transfers').locator('tbody tr').first().locator('td').allTextContents();
        assert.equal(transferCells[0], c.flow.t1.id);
        assert.equal(transferCells.slice(6, 9).join('|'), [num(lang, RECORDS), num(lang, 0), num(lang, RECORDS)].join('|'));
        await page.getByRole('button', { name: lang === 'ar' ? 'اعرض الإثبات' : 'Show proof' }).click();
        await page.getByRole('link', { name: lang === 'ar' ? 'نزّل الإثبات' : 'Download the proof' }).waitFor();
        await shot(t, page, `${lang}-2-regulator-finding`);

        await page.getByRole('link', { name: lang === 'ar' ? '→ العودة إلى اللوحة' : '← Back to the dashboard' }).click();
        await page.getByTestId('org-list').getByRole('link', { name: 'The Labour Party' }).click();
        await page.waitForURL(c.base + '/regulator/organisations/labour-party');
        await page.getByTestId('review-sources').locator('tbody tr').first().waitFor();
        const sources = await page.getByTestId('review-sources').locator('tbody tr').first().locator('td').allTextContents();
        assert.match(sources[0]!, /Emma's Diary/);
        await shot(t, page, `${lang}-3-regulator-review-party`);
        finish(tr);
      });
    });

    it('person: who holds their data, timeline, notice text, decisions with proofs; withdraws and sees each holder’s status', async (t) => {
      const person = people[lang === 'en' ? 0 : 1];
      assert.ok(person, 'the case has people whose record went to the broker');
      const token = await api(c, 'POST', '/v1/subject-tokens', c.keys.collector, { email: person.email });
      assert.equal(token.status, 201);
      const tr = await start(lang);
      await journey(t, tr, `${lang}-person`, async () => {
        const { page } = tr;
        await signIn(tr, lang, token.body.token);
        await page.waitForURL(c.base + '/portal');
        const holders = page.getByTestId('holders');
        await holders.waitFor();
        for (const name of ['Experian Marketing Services', 'The Labour Party']) assert.ok((await holders.textContent())!.includes(name), name);
        const decisions = page.getByTestId('decisions').locator(':scope > li');
        assert.equal(await decisions.count(), 2);
        assert.equal(await page.getByTestId('decisions').locator('li[data-decision="refused"]').count(), 1);
        assert.equal(await page.getByTestId('decisions').locator('li[data-decision="allowed"]').count(), 1);
        assert.ok((await page.getByTestId('decisions').textContent())!.includes(c.flow.t1.id));
        assert.ok((await page.getByTestId('notice-shown').first().textContent())!.includes('selected partners'));
        assert.ok((await page.getByTestId('timeline').locator('li').count()) >= 3);

        await page.getByRole('button', { name: lang === 'ar' ? 'سحب الموافقة' : 'Withdraw consent' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await shot(t, page, `${lang}-4-person-confirm`);
        // The confirm button has the focus: Enter sends the request.
        await page.keyboard.press('Enter');
        await page.getByTestId('rights-result').waitFor();
        const status = page.getByTestId('request-status').locator('tbody tr');
        await status.first().waitFor();
        const rows = await status.evaluateAll((trs) => trs.map((r) => [...r.querySelectorAll('td')].map((d) => d.textContent)));
        assert.deepEqual(
          rows.map((r) => [r[0], r[2]]),
          [
            ['Experian Marketing Services', lang === 'ar' ? 'قيد الانتظار' : 'Waiting'],
            ['The Labour Party', lang === 'ar' ? 'قيد الانتظار' : 'Waiting'],
          ],
        );
        await assertLabelled(page);
        await shot(t, page, `${lang}-5-person-portal`);
        finish(tr);
      });
    });

    it('organisation: checks a transfer by uploading its file, downloads the allowed records, sees what waits for acknowledgement', async (t) => {
      const csv = readFileSync(c.registrantsCsv, 'utf8');
      const rows = parse(csv, { columns: true }) as Record<string, string>[];
      const fields = 'name,address,postcode,mother_dob,child_dob';
      const q = `from=emmas-diary&to=experian-marketing&onBehalfOf=labour-party&purpose=political-campaign&fields=${fields}&channel=post`;
      const expected = await api(c, 'POST', `/v1/transfers/check?${q}`, c.keys.collector, rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'application/x-ndjson');
      assert.equal(expected.status, 200);
      assert.ok(expected.body.allowed > 0 && expected.body.allowed < RECORDS);

      const tr = await start(lang);
      await journey(t, tr, `${lang}-organisation`, async () => {
        const { page } = tr;
        await signIn(tr, lang, c.keys.collector);
        await page.waitForURL(c.base + '/console');
        const stats = page.getByTestId('stats-table').locator('tbody tr[data-purpose="service-provision"] td');
        await stats.first().waitFor();
        assert.equal(await stats.first().textContent(), num(lang, RECORDS));

        const l = lang === 'ar' ? { to: 'المستلم', obo: 'لحساب (العميل النهائي)', purpose: 'الغرض', file: 'ملف السجلات', fields: 'الحقول المراد إرسالها', submit: 'افحص عملية النقل' } : { to: 'Recipient', obo: 'On behalf of (end client)', purpose: 'Purpose', file: 'File of records', fields: 'Fields to send', submit: 'Check the transfer' };
        await page.getByLabel(l.to, { exact: true }).selectOption('experian-marketing');
        await page.getByLabel(l.obo).selectOption('labour-party');
        await page.getByLabel(l.purpose, { exact: true }).selectOption('political-campaign');
        await page.getByLabel(l.file).setInputFiles(c.registrantsCsv);
        await page.waitForFunction(IN_PAGE.fieldValueIs, ['tc-fields', fields] as const);
        await page.getByRole('button', { name: l.submit }).click();
        await page.getByTestId('check-result').waitFor();
        assert.equal(await page.getByTestId('check-requested').textContent(), num(lang, RECORDS));
        assert.equal(await page.getByTestId('check-allowed').textContent(), num(lang, expected.body.allowed));
        assert.equal(await page.getByTestId('check-refused').textContent(), num(lang, expected.body.refused));
        await assertLabelled(page);
        await shot(t, page, `${lang}-6-organisation-check`);

        const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-allowed').click()]);
        assert.equal(download.suggestedFilename(), 'registrants.allowed.csv');
        const file = join(c.dir, `${lang}-allowed.csv`);
        await download.saveAs(file);
        const allowedRows = parse(readFileSync(file), { columns: true }) as Record<string, string>[];
        assert.equal(allowedRows.length, expected.body.allowed);
        assert.deepEqual(Object.keys(allowedRows[0]!), expected.body.fields.sent);
        const byName = new Map(rows.map((r) => [`${r.name}|${r.postcode}`, r]));
        for (const r of allowedRows) assert.equal(byName.get(`${r.name}|${r.postcode}`)?.address, r.address);
        assert.equal(await page.getByTestId('rights-empty').count(), 1);

        // The party, a holder downstream, acknowledges the first request waiting for it.
        const waiting = (await api(c, 'GET', '/v1/console/rights-notices', c.keys.party)).body.items as { request: string; overdue: boolean }[];
        assert.ok(waiting.length >= c.flow.withdrawals);
        await page.getByRole('button', { name: lang === 'ar' ? 'تسجيل الخروج' : 'Sign out' }).click();
        await signIn(tr, lang, c.keys.party);
        await page.waitForURL(c.base + '/console');
        const rights = page.getByTestId('rights-table').locator('tbody tr');
        await rights.first().waitFor();
        assert.equal(await rights.count(), waiting.length);
        assert.equal(await page.getByTestId('rights-table').getByText(lang === 'ar' ? 'متأخر' : 'Overdue', { exact: true }).count(), waiting.filter((w) => w.overdue).length);
        await shot(t, page, `${lang}-7-organisation-rights`);
        await rights.first().getByRole('button').click();
        await page.waitForFunction(IN_PAGE.countIs, ['[data-testid="rights-table"] tbody tr', waiting.length - 1] as const);
        const after = (await api(c, 'GET', '/v1/console/rights-notices', c.keys.party)).body.items as { request: string }[];
        assert.deepEqual(after.map((w) => w.request), waiting.slice(1).map((w) => w.request));
        finish(tr);
      });
    });
  });
}

describe('web app for the administrator', () => {
  it('issues a key for an organisation, shown once, that opens its console', async (t) => {
    const tr = await start('en');
    await journey(t, tr, 'en-admin', async () => {
      const { page } = tr;
      await signIn(tr, 'en', c.keys.admin);
      await page.waitForURL(c.base + '/regulator');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('button', { name: 'Issue a key for The Labour Party' }).click();
      const key = await page.getByLabel('API key', { exact: true }).inputValue();
      assert.match(key, /^csk_/);
      await shot(t, page, 'en-8-admin-keys');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(tr, 'en', key);
      await page.waitForURL(c.base + '/console');
      assert.equal(await page.getByTestId('who').textContent(), 'The Labour Party · recipient');
      await assertLabelled(page);
      finish(tr);
    });
  });
});
