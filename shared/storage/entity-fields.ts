import { z } from 'zod';

/*
 * Field parsers for rows read back from Table Storage (rows may come from an older deploy).
 * Table Storage has no nested types, so maps and lists are stored as JSON strings; properties added in
 * later versions are absent in older rows and `null` when cleared.
 */

/** A JSON-string property, parsed and then checked with `schema`; bad JSON is an issue, not a throw. */
export const jsonField = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** An optional property: absent or null reads as undefined. */
export const optionalField = <T extends z.ZodType>(schema: T) =>
  schema
    .nullable()
    .optional()
    .transform((v) => v ?? undefined);

/** A string literal for an OData filter (quotes doubled). */
export const odataString = (s: string) => `'${s.replaceAll("'", "''")}'`;
