import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { registryRoutes } from '../shared/webhooks/routes.js';
import { makeListIngestKeys } from '../shared/api/ingest-keys.js';

/** `POST .../registries/{registryName}/listIngestKeys`: the registry's own ingest keys (as ACR's listCredentials). */
registerFunction({
  kind: 'http',
  routes: registryRoutes('registries-list-ingest-keys', '/listIngestKeys'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.listIngestKeys },
  makeHandler: makeListIngestKeys,
});
