/**
 * Webhook scopes (DESIGN §3). One string: '' matches every event of the registry; 'repo:*' every tag of
 * a repository; 'repo:tag' one tag; 'repo' alone means 'repo:latest', as in ACR. The string is split on the
 * last ':' because repositories may contain '/' but never ':'. A '*' inside the repository part is our
 * extension: it matches any run of characters, '/' included ('team/*:*' matches 'team/a/b:v1'); '*'
 * cannot occur in a repository name, so nothing ACR accepts changes meaning.
 */
export interface Scope {
  readonly repository: RegExp | undefined; // undefined: any repository
  readonly tag: string | undefined; // undefined: any tag
}

// OCI distribution spec: path components joined by '/'.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Returns why a scope is invalid, or undefined when it is valid. */
export function scopeProblem(scope: string): string | undefined {
  if (scope === '') return undefined;
  if (scope.length > 512) return 'the scope is longer than 512 characters';
  const colon = scope.lastIndexOf(':');
  const repo = colon === -1 ? scope : scope.slice(0, colon);
  const tag = colon === -1 ? 'latest' : scope.slice(colon + 1);
  if (repo === '')
    return `the scope '${scope}' has no repository before ':'; use 'repository:tag', 'repository:*' or leave it empty for all events`;
  if (repo.length > 256) return 'the repository part of the scope is longer than 256 characters';
  if (/[A-Z]/.test(repo)) return `the repository '${repo}' has uppercase letters; repository names are lowercase`;
  for (const component of repo.split('/')) {
    // A glob stands for one or more characters; check the rest of the component against the grammar.
    const concrete = component.replaceAll('*', 'a');
    if (!COMPONENT.test(concrete)) {
      return `the repository '${repo}' is invalid: each '/'-separated part is lowercase letters and digits, optionally joined by '.', '_', '__' or '-'`;
    }
  }
  if (tag !== '*' && !TAG.test(tag)) {
    return `the tag '${tag}' is invalid: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'; or '*' for every tag`;
  }
  return undefined;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** Parses a scope that `scopeProblem` accepted. */
export function parseScope(scope: string): Scope {
  if (scope === '') return { repository: undefined, tag: undefined };
  const colon = scope.lastIndexOf(':');
  const repo = colon === -1 ? scope : scope.slice(0, colon);
  const tag = colon === -1 ? 'latest' : scope.slice(colon + 1);
  return { repository: globToRegExp(repo), tag: tag === '*' ? undefined : tag };
}
