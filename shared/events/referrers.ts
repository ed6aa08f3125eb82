import type { AcrEvent } from './acr-event.js';

/*
 * What counts as a referrer for skipReferrers (issue 23): signatures, attestations and SBOMs that tools
 * attach to an image. Two generations of them:
 * - tags of cosign's form `sha256-<64 hex>` with any suffix (`.sig`, `.att`, `.sbom`; the bare form is
 *   the OCI 1.1 referrers tag schema's fallback), which name the image they refer to;
 * - OCI 1.1 manifests (image-spec v1.1, manifest.md): any manifest with a `subject`, and a manifest whose
 *   `artifactType` (else its config's media type, as the spec says to read an artifact's type) is a
 *   signature, attestation or SBOM type.
 */

/** Why an event is a referrer; also the `reason` label of the skipped-deliveries metric. */
export type ReferrerKind = 'cosign_tag' | 'subject' | 'artifact_type';

const COSIGN_TAG = /^sha256-[0-9a-f]{64}/;

/**
 * Artifact types of signatures, attestations and SBOMs, by prefix: cosign's and Sigstore's, Notary
 * Project's (Notation), in-toto attestations, SPDX, CycloneDX and Syft SBOMs.
 */
const REFERRER_TYPE_PREFIXES = [
  'application/vnd.dev.cosign.',
  'application/vnd.dev.sigstore.bundle',
  'application/vnd.cncf.notary.signature',
  'application/vnd.in-toto',
  'application/spdx',
  'text/spdx',
  'application/vnd.cyclonedx',
  'application/vnd.syft',
];

/** What skipReferrers reads of a manifest. */
export interface ManifestFacts {
  readonly hasSubject: boolean;
  /** `artifactType`, else the config's media type. */
  readonly artifactType: string | undefined;
}

const isReferrerType = (type: string | undefined) =>
  type !== undefined && REFERRER_TYPE_PREFIXES.some((prefix) => type.toLowerCase().startsWith(prefix));

/** The reason shown as a skipped delivery's `lastError`. */
export const REFERRER_REASONS: Readonly<Record<ReferrerKind, string>> = {
  cosign_tag: "skipped (skipReferrers): a tag of cosign's form sha256-<digest>…, a signature, attestation or SBOM",
  subject: 'skipped (skipReferrers): the manifest has a subject (an OCI 1.1 referrer)',
  artifact_type: "skipped (skipReferrers): the manifest's artifactType is a signature, attestation or SBOM type",
};

/** A referrer by what the event itself says: a cosign tag, or a subject or artifactType its source reported. */
export function referrerByEvent(event: AcrEvent): ReferrerKind | undefined {
  const t = event.target;
  if ([t.tag, ...(t.tags ?? [])].some((tag) => tag !== undefined && COSIGN_TAG.test(tag))) return 'cosign_tag';
  if (t.subject) return 'subject';
  return isReferrerType(t.artifactType) ? 'artifact_type' : undefined;
}

/** A referrer by its manifest, read back from the registry. */
export function referrerByManifest(facts: ManifestFacts): ReferrerKind | undefined {
  if (facts.hasSubject) return 'subject';
  return isReferrerType(facts.artifactType) ? 'artifact_type' : undefined;
}
