import { registerFunction } from '../shared/runtime/register-function.js';
import { makeListDeadLetters } from '../shared/api/dead-letters.js';

/** `GET /api/deadletters`: messages the pipeline gave up on, with the reason. */
registerFunction({
  kind: 'http',
  routes: [{ name: 'deadletters-list', route: 'deadletters' }],
  methods: ['GET'],
  access: { kind: 'service' },
  makeHandler: makeListDeadLetters,
});
