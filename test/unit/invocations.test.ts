import { describe, expect, it } from 'vitest';
import type { InvocationContext } from '@azure/functions';
import { makeInvocations, processLogger } from '../../local/invocation-context.js';

/* The local host finishes a context when its handler settles, as Azure's worker does. */
describe('local host invocations', () => {
  const logged = () => {
    const lines: string[] = [];
    return { lines, log: (level: string, fn: string, message: string) => void lines.push(`${level} ${fn}: ${message}`) };
  };

  it('logs through a context while its handler runs; a log call after it returned is an error line and a late log', async () => {
    const { lines, log } = logged();
    const invocations = makeInvocations(log);
    let kept: InvocationContext | undefined;
    expect(
      await invocations.run('events-ingest', (context) => {
        context.log('accepted', 1);
        kept = context;
        return Promise.resolve('202');
      }),
    ).toBe('202');
    kept!.warn('delivery failed: too late');
    expect(lines).toEqual([
      'information events-ingest: accepted 1',
      'error local-host: log after function completed: events-ingest delivery failed: too late',
    ]);
    expect(invocations.lateLogs).toEqual(['events-ingest delivery failed: too late']);
  });

  it('finishes a context whose handler threw, and passes trigger metadata', async () => {
    const invocations = makeInvocations(undefined);
    let kept: InvocationContext | undefined;
    await expect(
      invocations.run(
        'deliveries-deliver',
        (context) => {
          kept = context;
          return Promise.reject(new Error('nope'));
        },
        { dequeueCount: 2 },
      ),
    ).rejects.toThrow('nope');
    expect(kept!.triggerMetadata).toEqual({ dequeueCount: 2 });
    kept!.error('after');
    expect(invocations.lateLogs).toEqual(['deliveries-deliver after']);
  });

  it('the process logger is never finished: it writes to the host log under "background"', () => {
    const { lines, log } = logged();
    const background = processLogger(log);
    background.warn('delivery failed: x');
    background.log('fan-out: y');
    expect(lines).toEqual(['warning background: delivery failed: x', 'information background: fan-out: y']);
  });
});
