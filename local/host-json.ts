import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_ROUTE_PREFIX } from '../shared/constants.js';

const hostJson = z.object({
  version: z.literal('2.0'),
  extensions: z
    .object({
      http: z.object({ routePrefix: z.string().optional() }).optional(),
      queues: z
        .object({
          maxDequeueCount: z.number().int().min(1).optional(),
          visibilityTimeout: z.string().optional(),
          batchSize: z.number().int().min(1).max(32).optional(),
          newBatchThreshold: z.number().int().min(0).optional(),
          maxPollingInterval: z.string().optional(),
          messageEncoding: z.enum(['base64', 'none']).optional(),
        })
        .optional(),
    })
    .optional(),
});

/** What the local host takes from host.json: the same settings the Functions host reads. */
export interface HostSettings {
  readonly routePrefix: string;
  readonly queues: {
    readonly maxDequeueCount: number;
    readonly visibilityTimeoutMs: number;
    readonly batchSize: number;
    readonly newBatchThreshold: number;
    readonly maxPollingIntervalMs: number;
    readonly messageEncoding: 'base64' | 'none';
  };
}

/** "hh:mm:ss" (host.json's TimeSpan format) to milliseconds. */
function timeSpanMs(value: string): number {
  const m = value.match(/^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/);
  if (!m) throw new Error(`host.json: '${value}' is not a TimeSpan (hh:mm:ss)`);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000;
}

export async function readHostSettings(path: string): Promise<HostSettings> {
  const parsed = hostJson.parse(JSON.parse(await readFile(path, 'utf8')));
  const q = parsed.extensions?.queues ?? {};
  const batchSize = q.batchSize ?? 16;
  return {
    routePrefix: (parsed.extensions?.http?.routePrefix ?? DEFAULT_ROUTE_PREFIX).replace(/^\/+|\/+$/g, ''),
    queues: {
      // Defaults are the Functions host's own: https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue#host-json
      maxDequeueCount: q.maxDequeueCount ?? 5,
      visibilityTimeoutMs: timeSpanMs(q.visibilityTimeout ?? '00:00:00'),
      batchSize,
      newBatchThreshold: q.newBatchThreshold ?? Math.floor(batchSize / 2),
      maxPollingIntervalMs: timeSpanMs(q.maxPollingInterval ?? '00:01:00'),
      messageEncoding: q.messageEncoding ?? 'base64',
    },
  };
}
