import type { AttributePath, Filter, FilterLiteral } from './filter.ast.js';

/**
 * The filter with the string values compared against the attributes `applies` selects replaced by
 * `map(value)`; everything else as it was. Used where stored values are normalized (a userName is
 * stored in NFC), so a filter written in another form of the same text still finds them.
 */
export function mapFilterValues(
  filter: Filter,
  applies: (path: AttributePath) => boolean,
  map: (value: string) => string,
): Filter {
  const mapped = (value: FilterLiteral): FilterLiteral => (typeof value === 'string' ? map(value) : value);
  const walk = (node: Filter): Filter => {
    switch (node.kind) {
      case 'compare':
        return applies(node.path) ? { ...node, value: mapped(node.value) } : node;
      case 'present':
        return node;
      case 'and':
      case 'or':
        return { ...node, left: walk(node.left), right: walk(node.right) };
      case 'not':
        return { ...node, filter: walk(node.filter) };
      case 'valuePath':
        // Paths inside a value filter are relative to their complex attribute: never top-level ones.
        return node;
    }
  };
  return walk(filter);
}
