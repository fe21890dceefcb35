import { describe, expect, it } from 'vitest';
import { parseFilter } from './filter.parser.js';
import { mapFilterValues } from './filter.transform.js';

describe('mapFilterValues', () => {
  it('maps only the string values compared against the chosen attribute, at any depth of and/or/not', () => {
    const filter = parseFilter(
      'userName eq "A" or (not (userName sw "B") and displayName eq "C") or active eq true',
    );
    const mapped = mapFilterValues(
      filter,
      (path) => path.name === 'userName',
      (value) => value.toLowerCase(),
    );
    expect(mapped).toEqual(
      parseFilter('userName eq "a" or (not (userName sw "b") and displayName eq "C") or active eq true'),
    );
  });

  it('leaves value filters alone: their paths are relative to the complex attribute', () => {
    const filter = parseFilter('emails[value eq "X"]');
    expect(
      mapFilterValues(
        filter,
        () => true,
        (value) => value.toLowerCase(),
      ),
    ).toEqual(filter);
  });
});
