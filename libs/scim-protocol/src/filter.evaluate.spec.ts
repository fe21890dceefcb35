import { describe, expect, it } from 'vitest';
import { matchesFilter } from './filter.evaluate.js';
import { parseFilter } from './filter.parser.js';
import { type JsonObject } from './json.util.js';

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
