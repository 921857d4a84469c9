/** Shapes shared by several routes, for validation and for the OpenAPI document. */
import { z } from 'zod';

export const errorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(z.object({ where: z.string(), field: z.string().optional(), message: z.string() })),
});

export const slugParam = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, dot, underscore or hyphen');

export const listOf = (item: z.ZodType) => z.object({ items: z.array(item) });

/** Query flag: "true" / "false" (as query strings are). */
export const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const putResult = z.enum(['created', 'unchanged']);

/** Times go out as ISO 8601. */
export const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
