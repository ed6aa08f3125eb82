/**
 * Webhook scopes (DESIGN §3). One string: '' matches every event of the registry; 'repo:*' every tag of
 * a repository; 'repo:tag' one tag; 'repo' alone means 'repo:latest', as in ACR. The string is split on the
 * last ':' because repositories may contain '/' but never ':'. A '*' inside the repository part is our
 * extension: it matches any run of characters, '/' included ('team/*:*' matches 'team/a/b:v1'); '*'
 * cannot occur in a repository name, so nothing ACR accepts changes meaning.
 */
export interface Scope {
  readonly repository: RepositoryGlob | undefined; // undefined: any repository
  readonly tag: string | undefined; // undefined: any tag
}

/** A repository pattern of a scope; `test` takes time linear in pattern × repository length, never more. */
interface RepositoryGlob {
  test(repository: string): boolean;
}

/**
 * The most '*' a scope may have: each one widens what a webhook receives, and a few cover any need.
 * @internal
 */
export const MAX_SCOPE_STARS = 10;

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
  const stars = repo.split('*').length - 1;
  if (stars > MAX_SCOPE_STARS) {
    return `the repository '${repo}' has ${stars} '*'; a scope may have at most ${MAX_SCOPE_STARS} (one '*' already matches any run of characters, '/' included)`;
  }
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

/**
 * Whether `text` matches `glob`, where '*' matches any run of characters (none included) and every other
 * character itself. No backtracking: the part before the first '*' must start the text, the part after
 * the last must end it, and each part between is taken at its leftmost place after the one before
 * (leftmost is always right when '*' is the only wildcard). So a match costs at most one pass of
 * `indexOf` per part: glob × text character comparisons in the worst case, where the backtracking
 * RegExp this replaced cost text^stars (seconds for `a*a*a*a*a` on 255 characters). Hand-written because
 * the glob libraries (picomatch, micromatch, minimatch) compile to RegExps.
 * @internal
 */
export function globMatches(glob: string, text: string): boolean {
  const parts = glob.split('*');
  const first = parts[0]!;
  if (parts.length === 1) return text === first;
  const last = parts[parts.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  let from = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const at = text.indexOf(part, from);
    if (at === -1 || at + part.length > end) return false;
    from = at + part.length;
  }
  return true;
}

function repositoryGlob(glob: string): RepositoryGlob {
  return { test: (repository) => globMatches(glob, repository) };
}

/** Parses a scope that `scopeProblem` accepted. */
export function parseScope(scope: string): Scope {
  if (scope === '') return { repository: undefined, tag: undefined };
  const colon = scope.lastIndexOf(':');
  const repo = colon === -1 ? scope : scope.slice(0, colon);
  const tag = colon === -1 ? 'latest' : scope.slice(colon + 1);
  return { repository: repositoryGlob(repo), tag: tag === '*' ? undefined : tag };
}
