import { postUsersScenario } from './02-post-users.js';

export const dryRunPostUsers = postUsersScenario('dry-run-post', true, '7 POST /dry-run/Users (twin of 2)');
