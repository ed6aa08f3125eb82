/**
 * Azure Functions route templates (ASP.NET Core routing), the subset this project uses: literal segments
 * (matched case-insensitively, as the host does), `{name}`, optional `{name?}` and catch-all `{*name}`.
 * Constraints (`{id:int}`) are refused rather than ignored, so the local host never accepts a route the
 * real host would reject. Hand-written because no maintained npm package implements ASP.NET's syntax.
 */
type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string; optional: boolean } | { kind: 'catchAll'; name: string };

export interface RouteTemplate {
  readonly template: string;
  /** Higher is more specific: literals outrank parameters, which outrank catch-alls. */
  readonly precedence: number;
  match(path: string): Record<string, string> | undefined;
}

function parseSegment(raw: string, template: string): Segment {
  const m = raw.match(/^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(\??)\}$/);
  if (!m) {
    if (raw.includes('{') || raw.includes('}')) throw new Error(`unsupported route segment '${raw}' in '${template}'`);
    return { kind: 'literal', value: raw.toLowerCase() };
  }
  const [, star, name = '', optional] = m;
  return star ? { kind: 'catchAll', name } : { kind: 'param', name, optional: optional === '?' };
}

export function compileRoute(template: string): RouteTemplate {
  const segments = template
    .split('/')
    .filter((s) => s !== '')
    .map((s) => parseSegment(s, template));
  const precedence =
    segments.reduce((sum, s) => sum * 3 + (s.kind === 'literal' ? 2 : s.kind === 'param' ? 1 : 0), 0) * 100 + segments.length;
  return {
    template,
    precedence,
    match(path) {
      const parts = path.split('/').filter((s) => s !== '');
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const part = parts[i];
        if (seg.kind === 'catchAll') {
          params[seg.name] = parts.slice(i).map(decodeURIComponent).join('/');
          return params;
        }
        if (part === undefined) {
          if (seg.kind === 'param' && seg.optional && i === segments.length - 1) return params;
          return undefined;
        }
        let decoded: string;
        try {
          decoded = decodeURIComponent(part);
        } catch {
          return undefined;
        }
        if (seg.kind === 'literal') {
          if (decoded.toLowerCase() !== seg.value) return undefined;
        } else {
          params[seg.name] = decoded;
        }
      }
      return parts.length === segments.length ? params : undefined;
    },
  };
}
