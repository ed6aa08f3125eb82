import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import type { TokenCredential } from '@azure/core-auth';

export const SDK_SUBSCRIPTION = '0b1f6471-1bf0-4dda-aec3-111122223333';

/** A credential whose token is the management key: what a user does against a deployed (https) app. */
function keyCredential(key: string): TokenCredential {
  return { getToken: () => Promise.resolve({ token: key, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

/**
 * The official ARM SDK pointed at the local host. Its bearer-token policy refuses plain http, so over
 * http (tests only) that one policy is swapped for one that sends the same key as a bearer token.
 */
export function sdkClient(endpoint: string, key: string): ContainerRegistryManagementClient {
  const client = new ContainerRegistryManagementClient(keyCredential(key), SDK_SUBSCRIPTION, { endpoint, retryOptions: { maxRetries: 0 } });
  client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  client.pipeline.addPolicy(
    {
      name: 'testKeyPolicy',
      sendRequest: (request, next) => {
        request.headers.set('authorization', `Bearer ${key}`);
        request.allowInsecureConnection = true;
        return next(request);
      },
    },
    { phase: 'Sign' },
  );
  return client;
}
