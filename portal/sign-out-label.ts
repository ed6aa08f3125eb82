import type { Credential } from './session.js';

/** The header's "Change registry or …" button, named after what the person signed in with. */
export function signOutLabel(credential: Credential | undefined): string {
  return credential?.kind === 'token' ? 'Change registry or token' : 'Change registry or key';
}
