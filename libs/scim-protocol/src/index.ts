export * from './scim.error.js';
export * from './schemas.definition.js';
export * from './attribute.resolver.js';
export * from './filter.ast.js';
export {
  DEFAULT_FILTER_MAX_DEPTH,
  DEFAULT_FILTER_MAX_LENGTH,
  type FilterParseOptions,
  FilterSyntaxError,
  type ParsedPathSyntax,
  parseAttributePathSyntax,
  parseFilter,
  parsePathSyntax,
} from './filter.parser.js';
export { matchesFilter, matchesValueFilter, toBoolean } from './filter.evaluate.js';
export * from './filter.sql.js';
export * from './patch.path.js';
export * from './patch.parser.js';
export {
  normalizeAttributeValue,
  normalizeElement,
  normalizePatchValue,
  normalizeResource,
  normalizeScalar,
  unwrapRoleEntry,
} from './patch.values.js';
export { type PatchApplyStats, applyPatchToJson } from './patch.apply.js';
export * from './limits.js';
export * from './patch.membership.js';
export * from './list.query.js';
export * from './list.page.js';
export * from './projection.js';
export * from './discovery.documents.js';
export * from './entra-mapping.document.js';
export * from './etag.js';
export { type JsonObject, changedAttributes, isPlainObject } from './json.util.js';
export * from './scim.call.js';
