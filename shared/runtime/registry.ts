import type { FunctionDeclaration } from './declaration.js';

/**
 * Every declaration registered in this process, in registration order. The local host loads the same
 * `functions/*` modules Azure loads and reads them back from here.
 */
const declarations: FunctionDeclaration[] = [];

export function recordDeclaration(declaration: FunctionDeclaration): void {
  if (!declarations.includes(declaration)) declarations.push(declaration);
}

export function registeredDeclarations(): readonly FunctionDeclaration[] {
  return declarations;
}

let recordOnly = false;

/**
 * The local host loads the function modules only to read their declarations; it serves them itself, so
 * registration with `@azure/functions` (which has no host to talk to there) is skipped.
 */
export function setRecordOnly(value: boolean): void {
  recordOnly = value;
}

export function isRecordOnly(): boolean {
  return recordOnly;
}
