/** Loads a rule pack (YAML or JSON) and refuses anything the evaluators cannot honour. */
import { readFileSync } from 'node:fs';
import { projectPath } from '../project-root.ts';
import { LineCounter, parseDocument } from 'yaml';
import { UserError, type Problem } from '../errors.ts';
import { REQUIRED_RULES, isRuleId, ruleSpec, type RuleId } from './rule-catalogue.ts';
import { packSchema, type PackRule, type RulePack } from './rule-pack.ts';

export class PackError extends UserError {
  readonly file: string;
  constructor(file: string, problems: readonly Problem[]) {
    const lines = problems.map((p) => `  ${p.where}${p.field ? ` ${p.field}` : ''}: ${p.message}`);
    super('pack-invalid', `rule pack ${file} is invalid:\n${lines.join('\n')}`, problems);
    this.name = 'PackError';
    this.file = file;
  }
}

/** The packs shipped with Consentry, by short name. */
export const BUILTIN_PACKS = {
  uk: projectPath('packs', 'uk.yaml'),
  eu: projectPath('packs', 'eu.yaml'),
} as const;

export type BuiltinPackName = keyof typeof BUILTIN_PACKS;

export function loadBuiltinPack(name: BuiltinPackName): RulePack {
  return loadPack(BUILTIN_PACKS[name]);
}

/** Reads and validates a pack file. JSON is parsed as YAML (a subset), so both give line numbers. */
export function loadPack(path: string): RulePack {
  return parsePack(readFileSync(path, 'utf8'), path);
}

/** Validates pack text; `file` only names the source in errors. Pure. */
export function parsePack(text: string, file: string): RulePack {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PackError(
      file,
      doc.errors.map((e) => ({ where: `${file}:${lineCounter.linePos(e.pos[0]).line}`, message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  const raw: unknown = doc.toJS();
  const where = (path: readonly PropertyKey[]): string => {
    // Walk up the path until a node with a position is found (missing keys have none).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
    }
    return file;
  };
  const rawRuleId = (index: number): string | undefined => {
    const rules = (raw as { rules?: unknown } | null)?.rules;
    const r = Array.isArray(rules) ? (rules[index] as { id?: unknown } | undefined) : undefined;
    return typeof r?.id === 'string' ? r.id : undefined;
  };
  const fieldName = (path: readonly PropertyKey[]): string => {
    if (path[0] === 'rules' && typeof path[1] === 'number') {
      const id = rawRuleId(path[1]);
      const rest = path.slice(2).map(String).join('.');
      return `rule ${id ? `"${id}"` : `#${path[1] + 1}`}${rest ? ` ${rest}` : ''}`;
    }
    return path.map(String).join('.') || '(top level)';
  };

  const parsed = packSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PackError(
      file,
      parsed.error.issues.map((issue) => {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const path = keys.length > 0 ? [...issue.path, keys[0] as string] : issue.path;
        const message = keys.length > 0 ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
        return { where: where(path), field: fieldName(keys.length > 0 ? issue.path : path), message };
      }),
    );
  }

  const pack = parsed.data;
  const problems: Problem[] = [];
  const rules: PackRule[] = [];
  const seen = new Set<string>();
  pack.rules.forEach((r, i) => {
    const at = (key?: string): Problem['where'] => where(key ? ['rules', i, key] : ['rules', i]);
    const field = `rule "${r.id}"`;
    if (!isRuleId(r.id)) {
      problems.push({ where: at('id'), field, message: 'no implementation for this rule id' });
      return;
    }
    if (seen.has(r.id)) problems.push({ where: at('id'), field, message: 'listed twice' });
    seen.add(r.id);
    const spec = ruleSpec(r.id);
    if (r.scope !== spec.scope) problems.push({ where: at('scope'), field, message: `scope must be "${spec.scope}"` });
    if (!spec.levels.includes(r.level)) {
      problems.push({ where: at('level'), field, message: `level "${r.level}" is not supported (supported: ${spec.levels.join(', ')})` });
    }
    if (spec.jurisdictions && !spec.jurisdictions.includes(pack.jurisdiction)) {
      problems.push({ where: at('id'), field, message: `applies only in ${spec.jurisdictions.join(', ')}, not ${pack.jurisdiction}` });
    }
    const params = spec.params.safeParse(r.params ?? {});
    if (!params.success) {
      for (const issue of params.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        problems.push({
          where: at('params'),
          field: `${field} params${issue.path.length ? `.${issue.path.join('.')}` : ''}`,
          message: keys.length > 0 ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` : issue.message,
        });
      }
      return;
    }
    rules.push({ id: r.id, scope: r.scope, level: r.level, citation: r.citation, params: params.data });
  });
  const missing = REQUIRED_RULES.filter((id: RuleId) => !seen.has(id));
  if (missing.length > 0) {
    problems.push({ where: where(['rules']), field: 'rules', message: `missing required rule${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` });
  }
  if (problems.length > 0) throw new PackError(file, problems);
  return { id: pack.id, version: pack.version, jurisdiction: pack.jurisdiction, name: pack.name, params: pack.params, rules };
}
