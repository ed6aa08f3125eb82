import type { AccessToken, TokenCredential } from '@azure/identity';
import { CliError } from '../errors.js';

/** The headers that authenticate one request to `url`. */
export type AuthHeaders = (url: URL) => Promise<Record<string, string>>;

/** A key sent as `x-functions-key`; none when undefined, so the service's 401 explains what is missing. */
export function keyAuth(key: string | undefined): AuthHeaders {
  return () => Promise.resolve(key ? { 'x-functions-key': key } : {});
}

// A token this close to its expiry is fetched again rather than sent (core-rest-pipeline refreshes at 2 min too).
const REFRESH_MARGIN_MS = 2 * 60_000;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * `Authorization: Bearer <token>` for `scope`, from the credential (az login, a managed identity, a service
 * principal's environment). One token serves every request of the run while it is fresh. Like the SDKs'
 * bearer policy, it refuses plain http, except to a loopback address (the local host `npm start` runs).
 */
export function entraAuth(makeCredential: () => Promise<TokenCredential>, scope: string): AuthHeaders {
  let made: Promise<TokenCredential> | undefined;
  const credential = () => (made ??= makeCredential());
  let token: Promise<AccessToken> | undefined;
  return async (url) => {
    if (url.protocol !== 'https:' && !LOOPBACK.test(url.hostname)) {
      throw new CliError(
        `Refusing to send an Entra ID token over ${url.protocol.replace(':', '')} to ${url.host}: use an https endpoint (plain http is for loopback addresses only).`,
      );
    }
    if (token === undefined || (await token).expiresOnTimestamp - Date.now() < REFRESH_MARGIN_MS) token = getToken(credential, scope);
    return { authorization: `Bearer ${(await token).token}` };
  };
}

async function getToken(credential: () => Promise<TokenCredential>, scope: string): Promise<AccessToken> {
  let token: AccessToken | null;
  try {
    token = await (await credential()).getToken(scope);
  } catch (err) {
    throw tokenError(scope, reasons(err));
  }
  if (!token) throw tokenError(scope, ['The credential returned no token.']);
  return token;
}

/** What each credential of the chain said (DefaultAzureCredential's AggregateAuthenticationError), one line each. */
function reasons(err: unknown): string[] {
  const errors = err instanceof Error && 'errors' in err && Array.isArray(err.errors) ? (err.errors as unknown[]) : [err];
  return errors.map((e) =>
    (e instanceof Error ? e.message : String(e))
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' '),
  );
}

function tokenError(scope: string, why: readonly string[]): CliError {
  return new CliError(
    [
      `Cannot get an Entra ID token for ${scope}. Sign in with 'az login', set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run with a managed identity; or use --auth key.`,
      ...why.map((line) => `  ${line}`),
    ].join('\n'),
  );
}
