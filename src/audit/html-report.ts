/**
 * The review as one self-contained HTML file: styles and charts (hand-built SVG bars) inline,
 * nothing fetched when it is read, so it can be mailed, archived and opened offline.
 * Every string from the store is escaped. Pure.
 */
import type { AuditFinding } from './findings.ts';
import type { OrganisationReview } from './review.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;
const n = (x: number): string => x.toLocaleString('en-GB');
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Horizontal bars, one per row, labelled; an empty chart says so. */
export function barChart(title: string, rows: readonly { readonly label: string; readonly value: number }[], colour = '#2f6f9f'): string {
  if (rows.length === 0) return `<p class="none">${e(title)}: none</p>`;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 22;
  const labelW = 190;
  const barW = 360;
  const h = rows.length * rowH + 28;
  const bars = rows
    .map((r, i) => {
      const y = 24 + i * rowH;
      const w = Math.max(r.value > 0 ? 1 : 0, Math.round((r.value / max) * barW));
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${e(r.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}" fill="${colour}"/><text x="${labelW + w + 6}" y="${y + 14}">${e(n(r.value))}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${e(title)}" width="${labelW + barW + 90}" height="${h}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${e(title)}</text>${bars}</svg>`;
}

function findingsTable(findings: readonly AuditFinding[]): string {
  if (findings.length === 0) return '<p class="none">No findings.</p>';
  const rows = findings
    .map(
      (f) =>
        `<tr class="${f.level}"><td>${e(f.level)}</td><td><code>${e(f.rule)}</code></td><td>${e(f.citation)}</td><td class="num">${e(n(f.affected))}</td><td>${e(day(f.first))}${f.last !== f.first ? ` – ${e(day(f.last))}` : ''}</td><td>${e(f.message)}</td><td>${f.evidence.map((x) => `<span title="${e(x.kind)} ${e(x.ref)}">#${x.leaf}</span>`).join(' ')}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>level</th><th>rule</th><th>citation</th><th>people</th><th>when</th><th>finding</th><th>ledger leaves</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function reviewSection(r: OrganisationReview): string {
  const o = r.organisation;
  const notices = r.notices.length === 0
    ? '<p class="none">No notices published.</p>'
    : r.notices
        .map(
          (x) =>
            `<h4>Notice <code>${e(x.id)}</code> (${e(x.language)}) — specificity ${x.score}/100</h4><ul>${x.findings
              .map((lf) => `<li class="${lf.level}"><code>${e(lf.code)}</code>: ${e(lf.message)}${lf.sentence !== null ? `<blockquote dir="auto">${e(lf.sentence)}</blockquote>` : ''}</li>`)
              .join('')}</ul>`,
        )
        .join('\n');
  return `<section id="org-${e(o.id)}">
<h2>${e(o.name)} <small>(${e(o.id)}, ${e(o.kind)}, ${e(o.country)})</small></h2>
<p>Purposes: ${r.purposes.length ? r.purposes.map((p) => `<code>${e(p)}</code>`).join(', ') : 'none recorded'}.
Rights contact: ${o.rightsContact ? e(o.rightsContact) : '<strong>none</strong>'}.</p>
<div class="charts">${barChart('Records received, by source', r.sources.map((s) => ({ label: s.from, value: s.records })))}
${barChart('Records sent, by recipient', r.recipients.map((s) => ({ label: s.to, value: s.records })), '#8a5a9f')}</div>
<h3>Findings (${r.findings.length})</h3>
${findingsTable(r.findings)}
<h3>Notices</h3>
${notices}
</section>`;
}

export interface ReviewReport {
  readonly title: string;
  readonly generatedAt: number;
  readonly treeSize: number;
  readonly reviews: readonly OrganisationReview[];
}

export function renderReviewHtml(report: ReviewReport): string {
  const summary = barChart(
    'Findings per organisation',
    report.reviews.map((r) => ({ label: r.organisation.id, value: r.findings.length })),
    '#b5473a',
  );
  const people = barChart(
    'People affected by blocking findings (largest finding)',
    report.reviews.map((r) => ({ label: r.organisation.id, value: Math.max(0, ...r.findings.filter((f) => f.level === 'block').map((f) => f.affected)) })),
    '#b5473a',
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(report.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border:1px solid #ccc;padding:.3rem;vertical-align:top;text-align:left}
td.num{text-align:right}tr.block td:first-child,li.block code{color:#a00;font-weight:bold}tr.warn td:first-child{color:#a60}
.none{color:#666}.charts{display:flex;flex-wrap:wrap;gap:1rem}blockquote{margin:.3rem 0 .3rem 1rem;color:#444;border-inline-start:3px solid #ccc;padding-inline-start:.5rem}
section{border-top:2px solid #333;margin-top:2rem}
</style>
</head>
<body>
<h1>${e(report.title)}</h1>
<p>Generated ${e(new Date(report.generatedAt).toISOString())} from a ledger of ${e(n(report.treeSize))} leaves. ${report.reviews.length} organisations reviewed.
Ledger leaf numbers can be checked with <code>consentry ledger proof --leaf N</code>.</p>
<div class="charts">${summary}${people}</div>
<ol>${report.reviews.map((r) => `<li><a href="#org-${e(r.organisation.id)}">${e(r.organisation.name)}</a> — ${r.findings.length} findings</li>`).join('')}</ol>
${report.reviews.map(reviewSection).join('\n')}
</body>
</html>
`;
}
