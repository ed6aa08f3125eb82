import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registeredDeclarations, setRecordOnly } from '../shared/runtime/registry.js';
import type { FunctionDeclaration } from '../shared/runtime/declaration.js';

/**
 * Loads every module in the functions folder, as the Functions host does with `main`'s glob, and returns
 * what they registered. Loading the same files Azure loads is what keeps `npm start` honest.
 */
export async function loadFunctions(dir: string): Promise<readonly FunctionDeclaration[]> {
  const files = (await readdir(dir)).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  setRecordOnly(true);
  for (const file of files) await import(pathToFileURL(join(dir, file)).href);
  return registeredDeclarations();
}
