import type { HttpHandler } from '../handler-types.js';
import type { HttpFunctionDeclaration } from '../runtime/declaration.js';
import { registeredDeclarations } from '../runtime/registry.js';
import { json } from '../http/respond.js';
import { DEFAULT_ROUTE_PREFIX } from '../constants.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';

const VERSION = '0.1.0';

/**
 * `GET /api/openapi.json`, no key (it holds no secret): the OpenAPI 3.1 document of every HTTP function
 * this process declared. Built on the first request, once every function module has been loaded.
 */
export function makeOpenApi(): HttpHandler {
  let document: unknown;
  return () => {
    document ??= buildOpenApiDocument(
      registeredDeclarations().filter((d): d is HttpFunctionDeclaration => d.kind === 'http'),
      DEFAULT_ROUTE_PREFIX,
      VERSION,
    );
    return Promise.resolve(json(200, document, { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }));
  };
}
