/** An ACR push event of an image manifest: id `{prefix}-{n}`, repository `app`, tag `v{n}`, a digest made of n. */
export function acrPush(prefix: string, n: number) {
  return {
    id: `${prefix}-${n}`,
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 524,
      digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
      repository: 'app',
      tag: `v${n}`,
    },
  };
}
