import type { z } from 'zod';
import type { ApiClient } from './api-client.js';

type Page<T> = { value: T[]; nextLink?: string | undefined };

/** Follows `nextLink`s (fetched with GET, as ARM pages are) and returns every item, as az does. */
export async function listAll<T>(
  client: ApiClient,
  first: { method: 'GET' | 'POST'; path: string },
  schema: z.ZodType<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let page: Page<T> = await client.request({ ...first, schema });
  items.push(...page.value);
  const seen = new Set<string>();
  while (page.nextLink && !seen.has(page.nextLink)) {
    seen.add(page.nextLink);
    page = await client.request({ method: 'GET', path: page.nextLink, schema });
    items.push(...page.value);
  }
  return items;
}
