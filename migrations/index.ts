import { InitialSchema1764380000000 } from './1764380000000-initial-schema.js';
import { ScimUsers1764390000000 } from './1764390000000-scim-users.js';

/** In order of application. Add every new migration here (the data source imports classes, not globs). */
export const MIGRATIONS = [InitialSchema1764380000000, ScimUsers1764390000000];
