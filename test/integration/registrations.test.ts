import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { app } from '@azure/functions';
import { root } from '../helpers/service.js';

/*
 * What the Functions host sees: `package.json` `main` globs the compiled functions/ folder, and each
 * module registers through `app.http` / `app.storageQueue` at load. Core Tools cannot run here, so the
 * registrations are captured with spies, as the host would receive them.
 */
describe('function registrations', () => {
  it('registers every route on ARM and short paths, anonymous (keys are checked in code), and the queue triggers', async () => {
    const http = vi.spyOn(app, 'http').mockImplementation(() => undefined);
    const queue = vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    const timer = vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    const dir = join(root, 'functions');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) await import(pathToFileURL(join(dir, f)).href);

    const registered = Object.fromEntries(
      http.mock.calls.map(([name, opts]) => [name, { route: opts.route, methods: opts.methods, authLevel: opts.authLevel }]),
    );
    const arm =
      'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}/webhooks';
    const short = 'registries/{registryName}/webhooks';
    const expected: Record<string, [string, string[]]> = {
      'webhooks-list': ['', ['GET']],
      'webhooks-get': ['/{webhookName}', ['GET']],
      'webhooks-create': ['/{webhookName}', ['PUT']],
      'webhooks-update': ['/{webhookName}', ['PATCH']],
      'webhooks-delete': ['/{webhookName}', ['DELETE']],
      'webhooks-get-callback-config': ['/{webhookName}/getCallbackConfig', ['POST']],
      'webhooks-ping': ['/{webhookName}/ping', ['POST']],
      'webhooks-list-events': ['/{webhookName}/listEvents', ['POST', 'GET']],
      'webhooks-redeliver': ['/{webhookName}/events/{eventId}/redeliver', ['POST']],
      'webhooks-rotate-signing-secret': ['/{webhookName}/rotateSigningSecret', ['POST']],
    };
    for (const [name, [suffix, methods]] of Object.entries(expected)) {
      expect(registered[name]).toEqual({ route: `${arm}${suffix}`, methods, authLevel: 'anonymous' });
      expect(registered[`${name}-short`]).toEqual({ route: `${short}${suffix}`, methods, authLevel: 'anonymous' });
    }
    expect(registered['events-ingest']).toEqual({
      route: 'registries/{registryName}/events',
      methods: ['POST', 'OPTIONS'],
      authLevel: 'anonymous',
    });
    expect(Object.fromEntries(queue.mock.calls.map(([name, opts]) => [name, opts.queueName]))).toEqual({
      'events-fan-out': 'registry-events',
      'deliveries-deliver': 'webhook-deliveries',
      'events-poison': 'registry-events-poison',
      'deliveries-poison': 'webhook-deliveries-poison',
      'eventgrid-mirror': 'eventgrid-mirror',
      'mirror-poison': 'eventgrid-mirror-poison',
    });
    expect(registered['deadletters-list']).toEqual({ route: 'deadletters', methods: ['GET'], authLevel: 'anonymous' });
    expect(registered['deadletters-replay']).toEqual({
      route: 'deadletters/{queue}/{id}/replay',
      methods: ['POST'],
      authLevel: 'anonymous',
    });
    const scopes = [
      'subscriptions/{subscriptionId}',
      'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}',
      'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}',
    ];
    const levels = ['', '-rg', '-registry'];
    for (const [name, path, method] of [
      ['role-assignments-create', 'roleAssignments/{roleAssignmentName}', 'PUT'],
      ['role-assignments-get', 'roleAssignments/{roleAssignmentName}', 'GET'],
      ['role-assignments-delete', 'roleAssignments/{roleAssignmentName}', 'DELETE'],
      ['role-assignments-list', 'roleAssignments', 'GET'],
      ['role-definitions-list', 'roleDefinitions', 'GET'],
      ['role-definitions-get', 'roleDefinitions/{roleDefinitionId}', 'GET'],
    ] as const) {
      scopes.forEach((scope, i) =>
        expect(registered[`${name}${levels[i]}`]).toEqual({
          route: `${scope}/providers/Microsoft.Authorization/${path}`,
          methods: [method],
          authLevel: 'anonymous',
        }),
      );
    }
    expect(registered['role-definitions-list-root']?.route).toBe('providers/Microsoft.Authorization/roleDefinitions');
    expect(registered['registries-list-ingest-keys']?.route).toBe(
      'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}/listIngestKeys',
    );
    expect(registered['registries-regenerate-ingest-key-short']?.route).toBe('registries/{registryName}/regenerateIngestKey');
    expect(timer.mock.calls.map(([name, o]) => [name, o.schedule])).toEqual([['history-retention', '0 30 3 * * *']]);
    // Every handler is a function the host can call.
    for (const [, opts] of http.mock.calls) expect(typeof opts.handler).toBe('function');
    for (const [, opts] of queue.mock.calls) {
      expect(opts.connection).toBe('AzureWebJobsStorage');
      expect(typeof opts.handler).toBe('function');
    }
    // No two functions share a name (the host would refuse to start).
    const names = [...http.mock.calls, ...queue.mock.calls].map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
  });
});
