/*
 * A pasted Entra ID access token. `az account get-access-token --query accessToken -o tsv` prints it alone;
 * people also paste it with the `Bearer ` in front, or wrapped across lines by a terminal.
 */

// Larger than any Entra ID token (group overage keeps them a few KB) and within Node's 16 KB of headers.
const MAX_TOKEN = 12_288;

/** The token as it goes into `Authorization: Bearer <token>`: without a leading `Bearer` and white space. */
export function normalizeToken(raw: string): string {
  return raw.replace(/^\s*bearer\s+/i, '').replace(/\s+/g, '');
}

/** What is wrong with a (normalized) token, or ''. The characters are RFC 6750's `b64token`. */
export function tokenProblem(token: string): string {
  if (token === '') return 'Paste an access token.';
  if (token.length > MAX_TOKEN) return `This is longer than an access token (${MAX_TOKEN} characters at most).`;
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) return 'Paste the access token alone: letters, digits and - . _ ~ + / only.';
  return '';
}
