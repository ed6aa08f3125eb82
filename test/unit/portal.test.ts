import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/service.js';
import { renderPortalPage } from '../../shared/portal/portal-page.js';
import { fieldFor } from '../../portal/field-for.js';
import { nameProblem } from '../../portal/name-problem.js';
import { parseHeaders } from '../../portal/parse-headers.js';
import { readRateLimit } from '../../portal/rate-limit-field.js';
import type { Webhook } from '../../portal/resources.js';

const existing: Webhook[] = [{ name: 'Taken0001', location: 'eastus', properties: { status: 'enabled', scope: '', actions: ['push'] } }];

describe("the page's form rules", () => {
  it('asks for a new webhook name of 5-50 lowercase letters and digits that is not taken in any case', () => {
    expect(nameProblem('', existing)).toBe('Enter a name.');
    expect(nameProblem('Bad', existing)).toBe('Use 5-50 lowercase letters and digits only.');
    expect(nameProblem('MyHook01', existing)).toBe('Use 5-50 lowercase letters and digits only.');
    expect(nameProblem('my-hook01', existing)).toBe('Use 5-50 lowercase letters and digits only.');
    expect(nameProblem('a'.repeat(51), existing)).toBe('Use 5-50 lowercase letters and digits only.');
    expect(nameProblem('taken0001', existing)).toBe("A webhook named 'taken0001' already exists.");
    expect(nameProblem('myhook01', existing)).toBe('');
  });

  it('reads custom headers as key: value lines and names the first bad line', () => {
    expect(parseHeaders('Authorization: Basic 000\n\n  X-Env : prod \r\nX-Url: https://a:b')).toEqual({
      Authorization: 'Basic 000',
      'X-Env': 'prod',
      'X-Url': 'https://a:b',
    });
    expect(parseHeaders('')).toEqual({});
    expect(parseHeaders('X-Ok: 1\nno colon here')).toBe('Line 2: write each header as key: value.');
    expect(parseHeaders(': value')).toBe('Line 1: write each header as key: value.');
  });

  it('reads the rate limit as empty for no limit, or a whole number from 1 to 1000', () => {
    const problem = 'Enter a whole number from 1 to 1000, or leave it empty for no limit.';
    expect(readRateLimit('', false)).toEqual({ limit: undefined, problem: '' });
    expect(readRateLimit(' 25 ', false)).toEqual({ limit: 25, problem: '' });
    expect(readRateLimit('1', false)).toEqual({ limit: 1, problem: '' });
    expect(readRateLimit('1000', false)).toEqual({ limit: 1000, problem: '' });
    for (const bad of ['0', '1001', '2.5', '-3', '1e2', 'x']) expect(readRateLimit(bad, false)).toEqual({ limit: undefined, problem });
    // Text a number input could not read leaves its value empty: that is not "no limit".
    expect(readRateLimit('', true)).toEqual({ limit: undefined, problem });
  });

  it("maps the service's error targets to the form's fields", () => {
    expect(fieldFor('properties.serviceUri')).toBe('add-uri');
    expect(fieldFor('properties.customHeaders.X-Key')).toBe('add-headers');
    expect(fieldFor('webhookName')).toBe('add-name');
    expect(fieldFor('properties.rateLimitPerSecond')).toBe('add-rate-limit');
    expect(fieldFor('properties.serviceUriX')).toBeUndefined();
    expect(fieldFor(undefined)).toBeUndefined();
  });
});

describe('the served page', () => {
  it('inlines the script bundled from portal/ and allows exactly it by its hash', () => {
    const script = readFileSync(join(root, 'dist', 'portal', 'portal.js'), 'utf8').trimEnd();
    const page = renderPortalPage();
    expect(page.html).toContain(`<script>${script}</script>`);
    expect(page.html.match(/<script>/g)).toHaveLength(1);
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(page.contentSecurityPolicy).toContain(`script-src 'sha256-${hash}';`);
    // One classic script, strict, with no helper left over from a per-function transform.
    expect(script.startsWith('"use strict";(()=>{')).toBe(true);
    expect(script).not.toContain('__name');
  });
});
