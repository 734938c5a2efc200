export type { OrderTerm, SearchSchema } from './ast.js';
export { compileDriver, compileFilter, compileOrder, topLevelConjuncts, type Compiled, type DriverCondition, type SqlEntity } from './compile.js';
export { chunks, placeholders } from './in-lists.js';
export { checkString, LIMITS, checkInteger, checkTagRecord, checkMaxResults, checkKey, checkMetricValue, stringifyValue } from './limits.js';
export { decodePageToken, encodePageToken, queryDigest } from './page-token.js';
export { parseFilter, parseOrderBy } from './parser.js';
export { planSearch, type SearchPlan, type SearchRequest } from './plan.js';
