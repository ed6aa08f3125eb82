import { registerFunction } from '../shared/runtime/register-function.js';
import { makePurgeHistory } from '../shared/pipeline/retention.js';

/** Deletes delivery records and dedupe rows older than EVENT_RETENTION_DAYS, daily at 03:30 UTC. */
registerFunction({
  kind: 'timer',
  name: 'history-retention',
  schedule: '0 30 3 * * *',
  makeHandler: makePurgeHistory,
});
