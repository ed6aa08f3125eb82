import type { HttpRequest } from '@azure/functions';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The assignment's name from the route: a GUID, as ARM requires. */
export function assignmentName(request: HttpRequest): string {
  const name = request.params['roleAssignmentName'] ?? '';
  if (!GUID.test(name)) {
    throw new ApiError('InvalidParameter', 'The role assignment name must be a GUID (for example from uuidgen).', 'roleAssignmentName');
  }
  return name.toLowerCase();
}

/**
 * The principal's tenant an assignment records: `?tenantId=` when given (ARM's parameter), else the one
 * trusted tenant when exactly one is configured; with several and none given, any trusted tenant's
 * principal with that object id matches (object ids are GUIDs, unique across tenants).
 */
export function tenantOfRequest(request: HttpRequest, entra: Config['entra']): string | undefined {
  const given = request.query.get('tenantId');
  if (given) {
    if (!GUID.test(given)) throw new ApiError('InvalidParameter', 'tenantId must be a tenant id (a GUID).', 'tenantId');
    return given.toLowerCase();
  }
  return entra?.tenants.length === 1 ? entra.tenants[0] : undefined;
}
