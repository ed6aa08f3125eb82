import { z } from 'zod';
import type { Config } from '../config.js';
import type { HttpHandler } from '../handler-types.js';
import { json } from '../http/respond.js';
import { readJsonBody } from '../http/read-json-body.js';
import { registryRef } from '../webhooks/routes.js';
import type { IngestKeys, RegistryStore } from '../storage/registry-store.js';
import type { ManagementConfig } from './management-deps.js';

/** ACR's listCredentials shape, for a registry's ingest keys. */
const render = (keys: IngestKeys) => ({
  keys: [
    { name: 'primary', value: keys.primary },
    { name: 'secondary', value: keys.secondary },
  ],
});

export interface IngestKeysDeps {
  readonly config: ManagementConfig & Pick<Config, 'maxRequestBodyBytes'>;
  readonly registries: Pick<RegistryStore, 'ingestKeys' | 'regenerate'>;
}

/** `POST .../registries/{r}/listIngestKeys`: the registry's two ingest keys, made on the first call (which binds the registry's home). */
export function makeListIngestKeys(deps: IngestKeysDeps): HttpHandler {
  return async (request) => {
    const ref = registryRef(request, deps.config);
    return json(200, render(await deps.registries.ingestKeys(ref)));
  };
}

const regenerateBody = z.object({ name: z.enum(['primary', 'secondary'], { error: "name must be 'primary' or 'secondary'" }) });

/** `POST .../registries/{r}/regenerateIngestKey` `{"name":"primary"}`: replaces that key; answers both. */
export function makeRegenerateIngestKey(deps: IngestKeysDeps): HttpHandler {
  return async (request, context) => {
    const ref = registryRef(request, deps.config);
    const body = await readJsonBody(request, regenerateBody, deps.config.maxRequestBodyBytes);
    const keys = await deps.registries.regenerate(ref, body.name);
    context.log(`ingest key regenerated: registry=${ref.registryName} key=${body.name}`);
    return json(200, render(keys));
  };
}
