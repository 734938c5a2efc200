export { Monitoring, referenceKey } from './monitoring.js';
export { DriftMonitor, type MonitorOptions, type DataQuality } from './monitor.js';
export { driftReport, columnDrift, defaultTest, DRIFT_TESTS, type DriftReport, type ColumnDrift, type DriftTest, type DriftOptions, type ColumnOptions } from './drift.js';
export { buildProfile, toColumns, type ReferenceProfile, type ColumnProfile, type Columns, type Rows } from './profile.js';
export * as stats from './stats.js';
export type { MonitoringEvents } from './events.js';
