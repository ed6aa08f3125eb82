import { ApiError } from '../errors.js';
import { judgeServiceUri } from '../delivery/target-policy.js';
import { endpointAddress, type EndpointInput } from '../destinations/endpoint-address.js';

/**
 * Refuses (400) a webhook whose endpoint the service would not send to: an address the target policy
 * refuses, or a serviceUri or connection string that does not fit its endpoint type (destinations/endpoint-address.ts).
 */
export function checkEndpoint(webhook: EndpointInput, allowPrivateTargets: boolean): void {
  const verdict = judgeServiceUri(webhook.serviceUri, allowPrivateTargets);
  if (!verdict.allowed)
    throw new ApiError('InvalidParameter', `The serviceUri is not allowed: ${verdict.reason}.`, 'properties.serviceUri');
  const parsed = endpointAddress(webhook, allowPrivateTargets);
  if (!parsed.ok) {
    const { message, target } = parsed.problem;
    throw new ApiError('InvalidParameter', `${message.charAt(0).toUpperCase()}${message.slice(1)}.`, target);
  }
}
