/** Fabric readiness: what Direct Lake will reject or read slowly. See docs/READINESS.md. */
export { checkReadiness, type ReadinessOptions } from './check';
export {
  describeFinding,
  errorsOf,
  type ReadinessCode,
  type ReadinessFinding,
  type ReadinessReport,
  type ReadinessSeverity,
} from './findings';
export { DEFAULT_SKU, DIRECT_LAKE_SKUS, parseSku, type Sku, type SkuLimits } from './skus';
export { FooterCache } from './footerCache';
export {
  footerCacheFile,
  gatePublish,
  gateRunsAlongside,
  ReadinessRefusedError,
  READINESS_MODES,
  type PublishGateResult,
  type ReadinessMode,
} from './publishGate';
