// `plumb-version:` URIs name one read-only JSON view of a stored version:
//   plumb-version:/<pipeline>/v<N>/<view>.json?<store root, URI-encoded>
// where <view> is an artifact (state, config, model, metrics) or `version` (manifest +
// config + metrics, the view a version-to-version comparison uses).
import type { ArtifactName } from '../../runtime/store/manifest';

export const SCHEME = 'plumb-version';
export type VersionView = ArtifactName | 'version';
export const VIEWS: readonly VersionView[] = ['state', 'config', 'model', 'metrics', 'version'];

export interface VersionDocRef {
  store: string;
  pipeline: string;
  version: number;
  view: VersionView;
}

export function versionDocPath(ref: Omit<VersionDocRef, 'store'>): string {
  return `/${ref.pipeline}/v${ref.version}/${ref.view}.json`;
}

export function parseVersionDoc(uriPath: string, query: string): VersionDocRef {
  const m = /^\/([^/]+)\/v(\d+)\/([a-z]+)\.json$/.exec(uriPath);
  if (!m || !(VIEWS as readonly string[]).includes(m[3]) || !query) {
    throw new Error(`not a Plumb version document: ${uriPath}`);
  }
  return { pipeline: m[1], version: Number(m[2]), view: m[3] as VersionView, store: decodeURIComponent(query) };
}
