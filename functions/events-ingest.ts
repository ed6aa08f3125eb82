import { registerFunction } from '../shared/runtime/register-function.js';
import { makeIngestEvents } from '../shared/api/ingest-events.js';

/** `POST /api/registries/{registryName}/events`: events from a registry (CNCF, ACR, Event Grid, CloudEvents); OPTIONS is the CloudEvents handshake. */
registerFunction({
  kind: 'http',
  routes: [{ name: 'events-ingest', route: 'registries/{registryName}/events' }],
  methods: ['POST', 'OPTIONS'],
  access: { kind: 'ingest' },
  makeHandler: makeIngestEvents,
});
