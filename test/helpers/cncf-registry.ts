import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface CncfRegistry {
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Debian's `docker-registry` (CNCF distribution 2.8) as a child process on 127.0.0.1, its notifications
 * pointed at our ingest URL with the ingest key as a static header (header values are YAML lists).
 */
export async function startCncfRegistry(
  ingestUrl: string,
  ingestKey: string,
  options: { readonly includeReferences?: boolean } = {},
): Promise<CncfRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-registry-'));
  const port = await freePort();
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
notifications:
${options.includeReferences ? '  events:\n    includereferences: true\n' : ''}  endpoints:
    - name: registry-webhooks
      url: ${ingestUrl}
      headers:
        x-functions-key: [${ingestKey}]
      timeout: 5s
      threshold: 1
      backoff: 200ms
`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface OciImage {
  readonly dir: string;
  readonly manifestDigest: string;
  readonly manifestSize: number;
  close(): void;
}

/** A tiny OCI image layout (one empty layer), written without network, tagged `ref` for skopeo's `oci:` transport. */
export function writeOciImage(ref: string): OciImage {
  const dir = mkdtempSync(join(tmpdir(), 'rw-oci-'));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const tar = Buffer.alloc(1024);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] }, config: {} }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(layer)}`, size: layer.length }],
    }),
  );
  for (const blob of [layer, config, manifest]) writeFileSync(join(blobs, sha(blob)), blob);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${sha(manifest)}`,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': ref },
        },
      ],
    }),
  );
  return {
    dir,
    manifestDigest: `sha256:${sha(manifest)}`,
    manifestSize: manifest.length,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function skopeo(...args: string[]): Promise<void> {
  await run('skopeo', ['--insecure-policy', ...args], { timeout: 60_000 });
}

export interface OciIndexImage {
  readonly dir: string;
  readonly indexDigest: string;
  readonly indexSize: number;
  readonly platforms: readonly { os: string; architecture: string; variant?: string; digest: string; size: number }[];
  close(): void;
}

/**
 * An OCI layout holding an image index of one tiny image per platform (each with its own layer, so the
 * manifests differ), tagged `ref`. `seed` changes every layer, so a second call gives a new index.
 */
export function writeOciIndex(
  ref: string,
  platforms: readonly { os: string; architecture: string; variant?: string }[],
  seed = 'a',
): OciIndexImage {
  const dir = mkdtempSync(join(tmpdir(), 'rw-oci-index-'));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    writeFileSync(join(blobs, sha(b)), b);
    return { digest: `sha256:${sha(b)}`, size: b.length };
  };
  const children = platforms.map((p) => {
    const tar = Buffer.alloc(1024);
    tar.write(`${seed}-${p.os}-${p.architecture}-${p.variant ?? ''}`);
    const layer = gzipSync(tar);
    const config = Buffer.from(
      JSON.stringify({
        architecture: p.architecture,
        os: p.os,
        ...(p.variant ? { variant: p.variant } : {}),
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tar)}`] },
        config: {},
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(layer) }],
      }),
    );
    return { ...p, ...put(manifest) };
  });
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: children.map((c) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: c.digest,
        size: c.size,
        platform: { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) },
      })),
    }),
  );
  const indexBlob = put(index);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          ...indexBlob,
          annotations: { 'org.opencontainers.image.ref.name': ref },
        },
      ],
    }),
  );
  return {
    dir,
    indexDigest: indexBlob.digest,
    indexSize: indexBlob.size,
    platforms: children.map(({ os, architecture, variant, digest, size }) => ({
      os,
      architecture,
      ...(variant ? { variant } : {}),
      digest,
      size,
    })),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
