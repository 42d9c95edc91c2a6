// Public API of the versioned store.
export { Store } from './store';
export type {
  LoadedVersion,
  ListOptions,
  RunList,
  SaveVersionInput,
  VerifyProblem,
  VersionList,
  VersionRef,
} from './store';
export type { ArtifactIds, ArtifactName, ArtifactSizes, VersionManifest } from './manifest';
export type { ArtifactChange, LineageChange, MetricChange, ValueChange, VersionDiff } from './diff';
export type { GcOptions, GcResult } from './gc';
export type { RunRecord as StoredRunRecord } from './runs';
export type { DamagedFile } from './versions';
export { canonicalJson } from './canonical';
export { artifactJson } from './json-view';
export { StoredFloat64Array } from './binary';
export { checkName, checkObjectId } from './names';
export { StoreError } from '../errors';
