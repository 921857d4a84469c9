/** Errors a user can act on. The CLI prints them without a stack and exits with `exitCode`. */
export interface Problem {
  /** Where: "file:line", a field path, or a flag. */
  readonly where: string;
  readonly field?: string;
  readonly message: string;
}

export class UserError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly problems: readonly Problem[];

  constructor(code: string, message: string, problems: readonly Problem[] = [], exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.problems = problems;
    this.exitCode = exitCode;
  }
}

export function formatProblem(p: Problem): string {
  return p.field ? `${p.where}: ${p.field}: ${p.message}` : `${p.where}: ${p.message}`;
}
