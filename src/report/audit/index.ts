export {
  formatForFile,
  renderReport,
  reportContext,
  REPORT_FORMATS,
  REPORT_SCHEMA_VERSION,
  writeReportFile,
  type RenderOptions,
  type ReportFormat,
} from './write.js';
export {
  auditCoverage,
  REPORT_FRAMEWORKS,
  type ControlCoverage,
  type CoverageSource,
  type FrameworkCoverage,
} from './coverage.js';
export { auditOscal, oscalControlId, OSCAL_VERSION } from './oscal.js';
export { auditSarif } from './sarif.js';
