import { ConfigError, loadStorageConfig } from '../shared/config.js';
import { Table } from '../shared/constants.js';
import { createTableClient } from '../shared/storage/clients.js';
import { migrateLegacyRows } from '../shared/storage/legacy-rows.js';
import { statusOf } from '../shared/storage/rest-errors.js';

/*
 * `npm run migrate`: moves the `events` table's rows written before the shards existed to their shards
 * (shared/storage/legacy-rows.ts), against the account AzureWebJobsStorage names (a connection string,
 * or AzureWebJobsStorage__accountName with your Azure login). Safe to repeat and to run while the service
 * runs; `npm start` runs the same step at every start.
 */
try {
  const moved = await migrateLegacyRows(createTableClient(loadStorageConfig(process.env), Table.events));
  console.log(`moved ${moved} rows written before the shards to their shards`);
} catch (err) {
  if (statusOf(err) === 404) console.log('no events table: nothing to move');
  else {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exitCode = 1;
  }
}
