import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { closeServer } from './ports.js';

const run = promisify(execFile);

/** One notification request the registry sent, and what our ingest answered it. */
interface Notification {
  readonly events: readonly { action: string; target: { repository?: string; tag?: string; digest?: string } }[];
  readonly status: number;
  readonly answer: unknown;
}

export interface CncfRegistry {
  readonly host: string;
  /** Every notification the registry sent, in order, once our ingest has answered it. */
  readonly notifications: readonly Notification[];
  /** Resolves with the first answered notification that `match` accepts. */
  waitForNotification(match: (n: Notification) => boolean, timeoutMs?: number): Promise<Notification>;
  close(): Promise<void>;
}

/**
 * A relay on 127.0.0.1 between the registry and our ingest: it passes each notification on unchanged
 * (body, content type, key) and records it with the ingest's answer, so a test can see that the
 * registry's queue has delivered an event, and what became of it, instead of waiting and hoping.
 */
async function startRelay(ingestUrl: string) {
  const notifications: Notification[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = new Headers();
      for (const name of ['content-type', 'x-functions-key', 'user-agent']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      fetch(ingestUrl, { method: req.method ?? 'POST', headers, body })
        .then(async (answer) => {
          const text = await answer.text();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text) as unknown;
          } catch {
            // kept as text
          }
          const sent = JSON.parse(body.toString('utf8')) as { events: Notification['events'] };
          notifications.push({ events: sent.events, status: answer.status, answer: parsed });
          for (const w of waiters) w();
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(text);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    notifications,
    waitForNotification: (match: (n: Notification) => boolean, timeoutMs = 20_000): Promise<Notification> =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = notifications.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such notification within ${timeoutMs} ms; got ${JSON.stringify(notifications.map((n) => n.events))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => closeServer(server),
  };
}

/**
 * Debian's `docker-registry` (CNCF distribution 2.8) as a child process on 127.0.0.1, its notifications
 * pointed (through the recording relay) at our ingest URL with the ingest key as a static header (header
 * values are YAML lists). It listens on port 0 and reports the port the system gave it in its
 * "listening on" log line: a port probed free and handed over could be taken by another process between.
 */
export async function startCncfRegistry(
  ingestUrl: string,
  ingestKey: string,
  options: { readonly includeReferences?: boolean } = {},
): Promise<CncfRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-registry-'));
  const relay = await startRelay(ingestUrl);
  const config = `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
notifications:
${options.includeReferences ? '  events:\n    includereferences: true\n' : ''}  endpoints:
    - name: registry-webhooks
      url: ${relay.url}
      headers:
        x-functions-key: [${ingestKey}]
      timeout: 5s
      threshold: 1
      backoff: 200ms
`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => child.once('exit', r));
  let stderr = '';
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start within 15 s: ${stderr}`)), 15_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const listening = /msg="listening on (127\.0\.0\.1:\d+)"/.exec(stderr);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited (${code}) before listening: ${stderr}`));
    });
  });
  return {
    host,
    notifications: relay.notifications,
    waitForNotification: relay.waitForNotification,
    async close() {
      child.kill('SIGTERM');
      await exited;
      await relay.close();
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

/** An OCI image layout's marker and index.json, naming one manifest or index as `ref` (skopeo's `oci:` transport). */
function writeLayoutIndex(dir: string, ref: string, descriptor: { mediaType: string; digest: string; size: number }): void {
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': ref } }] }),
  );
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
  writeLayoutIndex(dir, ref, {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${sha(manifest)}`,
    size: manifest.length,
  });
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
  writeLayoutIndex(dir, ref, { mediaType: 'application/vnd.oci.image.index.v1+json', ...indexBlob });
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

export interface OciArtifact {
  readonly dir: string;
  readonly manifestDigest: string;
  close(): void;
}

/**
 * An OCI layout holding one crafted manifest, tagged `ref` for skopeo's `oci:` transport: a signature,
 * SBOM or other artifact, with what image-spec 1.1 lets a manifest say of itself (`artifactType`, a
 * `subject` it refers to) and its config and layers as given (blobs written from their contents).
 */
export function writeOciArtifact(
  ref: string,
  artifact: {
    readonly artifactType?: string;
    readonly subject?: { readonly mediaType: string; readonly digest: string; readonly size: number };
    readonly config: { readonly mediaType: string; readonly content: string };
    readonly layers: readonly { readonly mediaType: string; readonly content: string }[];
  },
): OciArtifact {
  const dir = mkdtempSync(join(tmpdir(), 'rw-oci-artifact-'));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    writeFileSync(join(blobs, sha(b)), b);
    return { digest: `sha256:${sha(b)}`, size: b.length };
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...(artifact.artifactType ? { artifactType: artifact.artifactType } : {}),
      config: { mediaType: artifact.config.mediaType, ...put(Buffer.from(artifact.config.content)) },
      layers: artifact.layers.map((l) => ({ mediaType: l.mediaType, ...put(Buffer.from(l.content)) })),
      ...(artifact.subject ? { subject: artifact.subject } : {}),
    }),
  );
  const stored = put(manifest);
  writeLayoutIndex(dir, ref, { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...stored });
  return { dir, manifestDigest: stored.digest, close: () => rmSync(dir, { recursive: true, force: true }) };
}
