/*
 * The layers of shared/, checked by `npm run structure` (issue 20). The README ("How it fits together") gives the
 * same order; change both together.
 *
 * Bottom first. A file may import a file of its own folder (sideways) or of a folder below its own, never
 * one above: so no two folders depend on each other, and no cycle can run through folders. shared/'s own
 * files (constants, clock, errors, config, …) are the bottom folder. The folders outside shared/
 * (functions/, local/, cli/, portal/, bench/, scripts/, test/) may import shared/; shared/ never imports them.
 */
const LAYERS = [
  '', // shared/*.ts
  'metrics',
  'http',
  'webhooks',
  'auth',
  'events',
  'delivery',
  'destinations',
  'storage',
  'multiarch',
  'pipeline',
  'mirror',
  'runtime',
  'portal',
  'openapi',
  'api',
];

const OUTSIDE_SHARED = ['functions', 'local', 'cli', 'portal', 'bench', 'scripts', 'test'];

/** The files of one layer: shared/'s own files, or one folder of it. */
const filesOf = (layer) => (layer === '' ? '^shared/[^/]+$' : `^shared/${layer}/`);
const nameOf = (layer) => (layer === '' ? 'shared/*.ts' : `shared/${layer}/`);
const folders = LAYERS.filter((l) => l !== '');

/** One rule per layer: it may import its own files and the layers below it, nothing above. */
const layerRules = LAYERS.slice(0, -1).map((layer, i) => {
  const below = LAYERS.slice(0, i).map(nameOf);
  return {
    name: `layer:${nameOf(layer)}`,
    severity: 'error',
    comment:
      `${nameOf(layer)} may import only its own files${below.length ? ` and the layers below it (${below.join(', ')})` : ''}. ` +
      'Move what it needs down to the lower layer (a type, a schema, a pure function) or let the caller pass it in; ' +
      'the order is LAYERS in .dependency-cruiser.js and the README.',
    from: { path: filesOf(layer) },
    to: { path: `^shared/(${LAYERS.slice(i + 1).join('|')})/` },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'shared-imports-outside',
      severity: 'error',
      comment: `shared/ is the service; ${OUTSIDE_SHARED.map((f) => `${f}/`).join(', ')} are built on it and may not be imported by it.`,
      from: { path: '^shared/' },
      to: { path: `^(${OUTSIDE_SHARED.join('|')})/` },
    },
    {
      name: 'layer-unlisted',
      severity: 'error',
      comment: 'A folder of shared/ that is not in LAYERS: give it its place in the order (.dependency-cruiser.js and the README).',
      from: { path: '^shared/' },
      to: { path: '^shared/[^/]+/', pathNot: `^shared/(${folders.join('|')})/` },
    },
    {
      name: 'layer-unlisted',
      severity: 'error',
      comment: 'A folder of shared/ that is not in LAYERS: give it its place in the order (.dependency-cruiser.js and the README).',
      from: { path: '^shared/[^/]+/', pathNot: `^shared/(${folders.join('|')})/` },
      to: { path: '^shared/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve escapes every rule above.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a type from a layer above couples the layers as much as a value.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
