import { formatProfile, summarizeProfile } from './profile.js';

/** `node dist/bench/profile-summary.js <file.cpuprofile> [top N]`: where a profiled process spent its CPU. */
const [file, limit] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top N]\n');
  process.exit(2);
}
process.stdout.write(`${formatProfile(await summarizeProfile(file, limit ? Number(limit) : 25))}\n`);
