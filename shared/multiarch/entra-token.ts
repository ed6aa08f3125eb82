import { ManagedIdentityCredential } from '@azure/identity';

/** ACR's audience for Entra ID tokens it exchanges for registry refresh tokens. */
const ACR_SCOPE = 'https://containerregistry.azure.net/.default';

/** The app's managed identity (system-assigned, or user-assigned by client id) as a source of Entra ID tokens for ACR. */
export function entraTokenSource(): (clientId: string | undefined) => Promise<string> {
  const credentials = new Map<string, ManagedIdentityCredential>();
  return async (clientId) => {
    const key = clientId ?? '';
    let credential = credentials.get(key);
    if (!credential) {
      credential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
      credentials.set(key, credential);
    }
    const token = await credential.getToken(ACR_SCOPE);
    return token.token;
  };
}
