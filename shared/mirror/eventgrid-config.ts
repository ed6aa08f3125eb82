import { z } from 'zod';
import { Setting } from '../constants.js';

/** Input schemas the mirror publishes in; the names are `@azure/eventgrid`'s (`EventGrid` | `CloudEvent`). */
export const MIRROR_SCHEMAS = ['EventGrid', 'CloudEvent'] as const;
export type MirrorSchema = (typeof MIRROR_SCHEMAS)[number];

/** The Event Grid mirror's settings; absent when no topic endpoint is set (the mirror is then a no-op). */
export interface EventGridConfig {
  readonly endpoint: string;
  /** A topic access key; without one the mirror authenticates with Entra ID (DefaultAzureCredential). */
  readonly key: string | undefined;
  readonly schema: MirrorSchema;
  /** Seconds to wait before each retry of a failed publish; the last delay repeats (see mirror-events.ts). */
  readonly retrySchedule: readonly number[];
}

/** Rescheduling waits at least this long: a queue message's visibility delay is in whole seconds. */
export const DEFAULT_MIRROR_RETRY_SCHEDULE = [5, 30, 60, 300, 900, 1800, 3600] as const;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

const endpoint = z.string().transform((raw, ctx) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `${Setting.eventGridTopicEndpoint} must be a URL such as https://<topic>.<region>-1.eventgrid.azure.net/api/events`,
    });
    return z.NEVER;
  }
  // Plain http only for a local stand-in: a topic key or token must never cross the network in clear.
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return url.toString();
  ctx.addIssue({
    code: 'custom',
    message: `${Setting.eventGridTopicEndpoint} must be https (plain http is accepted only for a loopback host such as 127.0.0.1)`,
  });
  return z.NEVER;
});

const scheduleError = `${Setting.eventGridRetrySchedule} must be comma-separated whole seconds (each 1 to 604800), e.g. 5,30,300`;
const schedule = z
  .string()
  .transform((raw) => raw.split(',').map((s) => Number(s.trim())))
  .pipe(
    z
      .array(
        z
          .number({ error: scheduleError })
          .int(scheduleError)
          .min(1, scheduleError)
          .max(7 * 24 * 3600, scheduleError),
      )
      .min(1, scheduleError)
      .max(50, `${Setting.eventGridRetrySchedule} may have at most 50 delays`),
  );

const mirrorSchema = z
  .object({
    [Setting.eventGridTopicEndpoint]: endpoint.optional(),
    [Setting.eventGridTopicKey]: z.string().min(1).optional(),
    [Setting.eventGridSchema]: z
      .enum(MIRROR_SCHEMAS, { error: `${Setting.eventGridSchema} must be EventGrid (the default) or CloudEvent` })
      .default('EventGrid'),
    [Setting.eventGridRetrySchedule]: schedule.optional(),
  })
  .refine((s) => !s[Setting.eventGridTopicKey] || s[Setting.eventGridTopicEndpoint], {
    message: `${Setting.eventGridTopicKey} is set but ${Setting.eventGridTopicEndpoint} is not: set the topic's endpoint too`,
    path: [Setting.eventGridTopicKey],
  });

/**
 * The mirror's settings, from the non-empty settings. Returns the problems instead of throwing, so
 * `loadConfig` can report them with every other problem at once.
 */
export function parseEventGridConfig(
  present: Readonly<Record<string, string | undefined>>,
): { config: EventGridConfig | undefined } | { problems: string[] } {
  const parsed = mirrorSchema.safeParse(present);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => {
        const setting = String(i.path[0] ?? '');
        return i.message.includes(setting) ? i.message : `${setting}: ${i.message}`;
      }),
    };
  }
  const s = parsed.data;
  const url = s[Setting.eventGridTopicEndpoint];
  if (!url) return { config: undefined };
  return {
    config: Object.freeze({
      endpoint: url,
      key: s[Setting.eventGridTopicKey],
      schema: s[Setting.eventGridSchema],
      retrySchedule: Object.freeze([...(s[Setting.eventGridRetrySchedule] ?? DEFAULT_MIRROR_RETRY_SCHEDULE)]),
    }),
  };
}
