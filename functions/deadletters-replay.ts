import { registerFunction } from '../shared/runtime/register-function.js';
import { makeReplayDeadLetter } from '../shared/api/dead-letters.js';

/** `POST /api/deadletters/{queue}/{id}/replay`: puts a dead message back on its queue. */
registerFunction({
  kind: 'http',
  routes: [{ name: 'deadletters-replay', route: 'deadletters/{queue}/{id}/replay' }],
  methods: ['POST'],
  access: { kind: 'service' },
  makeHandler: makeReplayDeadLetter,
});
