import { describe, expect, it } from 'vitest';
import { matchesFilter, matchesValueFilter } from './filter.evaluate.js';
import { parseFilter } from './filter.parser.js';
import { type JsonObject } from './json.util.js';
import { ScimError } from './scim.error.js';

const user: JsonObject = {
  id: 'u1',
  userName: 'BJensen',
  externalId: 'Ext-1',
  active: true,
  title: 'Tour Guide',
  userType: 'Employee',
  meta: { lastModified: '2011-05-13T04:42:34Z' },
  name: { familyName: "O'Malley", givenName: 'Barbara' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
    employeeNumber: '701984',
    manager: { value: 'm1' },
  },
};

describe('matchesFilter', () => {
  it.each([
    ['userName eq "bjensen"', true],
    ['externalId eq "ext-1"', false],
    ['externalId eq "Ext-1"', true],
    [`name.familyName co "O'Malley"`, true],
    ['userName sw "J"', false],
    ['userName sw "B"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr or userType eq "Intern"', true],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "home" and value co "@example.com"]', false],
    ['emails[type eq "work"].value eq "BJENSEN@example.com"', true],
    ['emails[primary eq "True"]', true],
    ['active eq "true"', true],
    ['active eq false', false],
    ['employeeNumber eq "701984"', true],
    ['manager eq "m1"', true],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"', true],
    ['nickName eq null', true],
    ['emails.value ne "babs@jensen.org"', false],
  ])('%s → %s', (filter, expected) => {
    expect(matchesFilter(user, parseFilter(filter), 'User')).toBe(expected);
  });
});

/** Mismatches with the SQL compiler that the differential test (test/filter-differential.e2e-spec.ts) found. */
describe('matchesFilter agrees with the SQL compiler', () => {
  const bare: JsonObject = { id: 'u2', userName: 'İlker', displayName: 'ΟΔΟΣ', active: true };

  it.each([
    // A value filter on a single-valued complex attribute means its sub-attributes, present or not.
    ['name[givenName eq null]', true],
    ['name[not (givenName eq "Barbara")]', true],
    ['name[givenName pr]', false],
    ['name[givenName ne "Barbara"]', true],
    ['manager[value eq null]', true],
    // Case-insensitive comparison maps each character on its own, as PostgreSQL's lower() does.
    ['userName eq "ilker"', true],
    ['userName sw "il"', true],
    ['displayName co "σ"', true],
    ['displayName ew "οσ"', true],
    ['displayName eq "οδοσ"', true],
  ])('%s → %s on a user without name or manager', (filter, expected) => {
    expect(matchesFilter(bare, parseFilter(filter), 'User')).toBe(expected);
  });

  it('orders strings by code point, not by UTF-16 code unit', () => {
    const astral: JsonObject = { userName: '😀' };
    expect(matchesFilter(astral, parseFilter('userName gt "\uff41"'), 'User')).toBe(true);
    expect(matchesFilter(astral, parseFilter('userName lt "\uff41"'), 'User')).toBe(false);
  });

  it.each([
    ['emails[primary gt true]', /not supported on boolean/],
    ['userName eq "nobody" and active gt true', /not supported on boolean/],
    ['userName eq "nobody" and emails.primary eq "maybe"', /not a boolean/],
    ['meta.created gt "yesterday"', /not an xsd:dateTime/],
    ['nickName pr or meta.lastModified co "2011"', /not supported on/],
    ['title gt null', /cannot compare/],
  ])('refuses %s whatever the resource holds, as the SQL compiler does', (filter, message) => {
    for (const resource of [user, bare]) {
      let caught: unknown;
      try {
        matchesFilter(resource, parseFilter(filter), 'User');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ScimError);
      expect((caught as ScimError).scimType).toBe('invalidFilter');
      expect((caught as ScimError).detail).toMatch(message);
    }
  });
});

describe('values String() cannot convert', () => {
  it('compares an object without a prototype like any other object, instead of throwing', () => {
    const element = { value: Object.assign(Object.create(null) as object, { primary: false }) };
    expect(matchesValueFilter(element, parseFilter('value eq "x"'))).toBe(false);
    expect(matchesValueFilter(element, parseFilter('value ne "x"'))).toBe(true);
  });
});
