import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { z } from 'zod';
import { compileErrors, validate } from '@readme/openapi-parser';
import { api, root, startService, type TestService } from '../helpers/service.js';
import { loadFunctions } from '../../local/load-functions.js';
import { readHostSettings } from '../../local/host-json.js';
import type { HttpFunctionDeclaration } from '../../shared/runtime/declaration.js';
import { buildOpenApiDocument } from '../../shared/openapi/openapi-document.js';
import { webhookCreateBody } from '../../shared/webhooks/webhook.js';
import { recoverBody } from '../../shared/openapi/request-schemas.js';
import { webhookResource } from '../../shared/openapi/response-schemas.js';

/*
 * GET /api/openapi.json: every route the function declarations register is in the document (the list
 * comes from the declarations, as the local host and Azure read them), and a maintained validator accepts it.
 */
type Doc = {
  paths: Record<string, Record<string, { security: unknown[]; requestBody?: unknown }>>;
  components: Record<string, Record<string, unknown>>;
};

let svc: TestService;
let declarations: HttpFunctionDeclaration[];
let prefix: string;
beforeAll(async () => {
  svc = await startService();
  declarations = (await loadFunctions(join(root, 'functions'))).filter((d): d is HttpFunctionDeclaration => d.kind === 'http');
  prefix = (await readHostSettings(join(root, 'host.json'))).routePrefix;
});
afterAll(async () => svc.close());

/** `METHOD /path` of every declared route and method the document lacks. */
function undocumented(doc: Doc, decls: readonly HttpFunctionDeclaration[]): string[] {
  return decls.flatMap((d) =>
    d.routes.flatMap(({ route }) =>
      d.methods.filter((m) => !doc.paths[`/${prefix}/${route}`]?.[m.toLowerCase()]).map((m) => `${m} /${prefix}/${route}`),
    ),
  );
}

async function fetchDoc(): Promise<Doc> {
  const res = await api(svc, '/openapi.json', { key: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await res.json()) as Doc;
}

describe('GET /api/openapi.json', () => {
  it('is served without a key and lists every declared route and method', async () => {
    const doc = await fetchDoc();
    expect(declarations.length).toBeGreaterThanOrEqual(16);
    expect(undocumented(doc, declarations)).toEqual([]);
    const routes = declarations.flatMap((d) => d.routes.map((r) => `/${prefix}/${r.route}`));
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(routes)].sort());
    // ARM path and short alias, recover, metrics and ingest among them.
    expect(doc.paths).toHaveProperty([
      '/api/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}/webhooks/{webhookName}/recover',
      'post',
    ]);
    expect(doc.paths).toHaveProperty(['/api/registries/{registryName}/webhooks/{webhookName}/recover', 'post']);
    expect(doc.paths).toHaveProperty(['/api/metrics', 'get']);
    expect(doc.paths).toHaveProperty(['/api/registries/{registryName}/events', 'options']);
  });

  it('fails the check when a declared route has no description', () => {
    const extra: HttpFunctionDeclaration = {
      kind: 'http',
      routes: [{ name: 'undescribed', route: 'undescribed/{thing}' }],
      methods: ['GET'],
      access: { kind: 'public' },
      makeHandler: () => () => Promise.resolve({ status: 204 }),
    };
    const doc = buildOpenApiDocument([...declarations, extra], prefix, '0') as Doc;
    expect(undocumented(doc, [...declarations, extra])).toEqual(['GET /api/undescribed/{thing}']);
  });

  it('passes a maintained OpenAPI 3.1 validator', async () => {
    const doc = await fetchDoc();
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(doc).toMatchObject({ openapi: '3.1.0' });
  });

  it('takes its schemas from the zod schemas the handlers parse with, and has the three key forms and ACR errors', async () => {
    const doc = await fetchDoc();
    const strip = (s: z.ZodType, io: 'input' | 'output') => {
      const { $schema: _d, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
      return rest;
    };
    expect(doc.components['schemas']!['WebhookCreateParameters']).toEqual(strip(webhookCreateBody, 'input'));
    expect(doc.components['schemas']!['Webhook']).toEqual(strip(webhookResource, 'output'));
    const recover = doc.paths['/api/registries/{registryName}/webhooks/{webhookName}/recover']!['post']!;
    expect(recover.requestBody).toEqual({ required: true, content: { 'application/json': { schema: strip(recoverBody, 'input') } } });
    expect(recover.security).toEqual([{ functionsKey: [] }, { bearer: [] }, { code: [] }]);
    expect(doc.paths['/api/openapi.json']!['get']!.security).toEqual([]);
    expect(doc.components['securitySchemes']).toEqual({
      functionsKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-functions-key' }) as unknown,
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) as unknown,
      code: expect.objectContaining({ type: 'apiKey', in: 'query', name: 'code' }) as unknown,
    });
    expect(doc.components['schemas']!['Error']).toMatchObject({
      type: 'object',
      properties: { error: { type: 'object', required: ['code', 'message'] } },
      required: ['error'],
    });
  });

  it('documents the rateLimitPerSecond extension in the webhook schemas: an integer 1-1000, null in an update removes it', async () => {
    const doc = await fetchDoc();
    const schemas = doc.components['schemas'] as Record<string, { properties: Record<string, { properties: Record<string, unknown> }> }>;
    const description =
      "Extension: at most this many requests per second to this webhook's endpoint; deliveries over the limit wait their turn in order of receipt and are not failures. Absent: no limit.";
    const limit = { type: 'integer', minimum: 1, maximum: 1000 };
    expect(schemas['WebhookCreateParameters']!.properties['properties']!.properties['rateLimitPerSecond']).toEqual({
      description,
      ...limit,
    });
    expect(schemas['Webhook']!.properties['properties']!.properties['rateLimitPerSecond']).toEqual({ description, ...limit });
    expect(schemas['WebhookUpdateParameters']!.properties['properties']!.properties['rateLimitPerSecond']).toEqual({
      description: `${description} In an update, null removes the limit.`,
      anyOf: [limit, { type: 'null' }],
    });
    // Optional everywhere: a webhook without a limit is ACR's webhook.
    for (const name of ['WebhookCreateParameters', 'Webhook']) {
      expect((schemas[name]!.properties['properties'] as { required?: string[] }).required).not.toContain('rateLimitPerSecond');
    }
  });

  it('documents payloadFormat and skipReferrers in the webhook schemas, and skipped among the delivery states', async () => {
    const doc = await fetchDoc();
    const schemas = doc.components['schemas'] as Record<string, { properties: Record<string, { properties: Record<string, unknown> }> }>;
    for (const name of ['WebhookCreateParameters', 'WebhookUpdateParameters', 'Webhook']) {
      const properties = schemas[name]!.properties['properties']!.properties;
      expect(properties['payloadFormat']).toMatchObject({ enum: ['acr', 'cloudevents', 'slack', 'teams'] });
      expect((properties['payloadFormat'] as { description: string }).description).toMatch(/^Extension: the body each delivery carries/);
      expect(properties['skipReferrers']).toMatchObject({ type: 'boolean' });
      expect((properties['skipReferrers'] as { description: string }).description).toMatch(/signatures, attestations and SBOMs/);
      expect((schemas[name]!.properties['properties'] as { required?: string[] }).required ?? []).not.toContain('payloadFormat');
    }
    const delivery = JSON.stringify(doc.components['schemas']);
    expect(delivery).toContain('"enum":["pending","succeeded","failed","held","skipped"]');
  });

  it('describes real answers: a created webhook parses with the Webhook schema', async () => {
    const res = await api(svc, '/registries/openapireg/webhooks/openapi01', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: 'https://example.com/h', actions: ['push'] } },
    });
    expect(webhookResource.strict().safeParse(await res.json()).success).toBe(true);
    const limited = await api(svc, '/registries/openapireg/webhooks/openapi02', {
      method: 'PUT',
      json: { location: 'westus', properties: { serviceUri: 'https://example.com/h', actions: ['push'], rateLimitPerSecond: 5 } },
    });
    const parsed = webhookResource.strict().safeParse(await limited.json());
    expect(parsed.success && parsed.data.properties.rateLimitPerSecond).toBe(5);
    const formatted = await api(svc, '/registries/openapireg/webhooks/openapi03', {
      method: 'PUT',
      json: {
        location: 'westus',
        properties: { serviceUri: 'https://example.com/h', actions: ['push'], payloadFormat: 'cloudevents', skipReferrers: true },
      },
    });
    const shown = webhookResource.strict().safeParse(await formatted.json());
    expect(shown.success && shown.data.properties).toMatchObject({ payloadFormat: 'cloudevents', skipReferrers: true });
  });
});
