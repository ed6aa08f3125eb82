import { registerFunction } from '../shared/runtime/register-function.js';
import { Action } from '../shared/auth/actions.js';
import { registryRoutes } from '../shared/webhooks/routes.js';
import { makeRegenerateIngestKey } from '../shared/api/ingest-keys.js';

/** `POST .../registries/{registryName}/regenerateIngestKey` `{"name":"primary"}` (as ACR's regenerateCredential). */
registerFunction({
  kind: 'http',
  routes: registryRoutes('registries-regenerate-ingest-key', '/regenerateIngestKey'),
  methods: ['POST'],
  access: { kind: 'registry', action: Action.regenerateIngestKey },
  makeHandler: makeRegenerateIngestKey,
});
