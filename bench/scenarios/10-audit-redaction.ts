import { SCENARIOS } from '../options.js';
import { measureRedaction } from '../redaction.js';
import { log, scenario, type BenchScenario } from '../scenario.context.js';
import { round } from '../stats.js';

/** Scenario 10: audit redaction of hostile bodies (in this process). */
export const auditRedaction: BenchScenario = {
  id: 'redaction',
  title: SCENARIOS.redaction,
  async run(context) {
    const { sizes } = context.options;
    await scenario(context, '10 audit redaction', async () => {
      const result = measureRedaction(sizes.redactionRepetitions);
      context.extras.redaction = {
        characters: result.characters,
        repetitions: result.repetitions,
        hostileMs: round(result.hostileMs, 2),
        ordinaryMs: round(result.ordinaryMs, 2),
        hostile4xMs: round(result.hostile4xMs, 2),
        overOrdinary: round(result.overOrdinary, 2),
        growthFor4x: round(result.growthFor4x, 2),
      };
      const label = `10 audit redaction, ${(result.characters / 1e6).toFixed(1)} M hostile characters`;
      const note =
        `${result.hostileMs.toFixed(0)} ms (median of ${result.repetitions}), ${result.overOrdinary.toFixed(2)}x ` +
        `ordinary text of the same size; 4x as long: ${result.growthFor4x.toFixed(2)}x the time`;
      context.rows.push({ id: 'redaction', label, kind: 'scenario', note });
      log(`${label}: ${note}`);
      context.targets.push({
        name: '10 audit redaction of hostile input 4x as long',
        target: '≤ 6x the time (linear: 4x, quadratic: 16x)',
        value: `${result.growthFor4x.toFixed(2)}x`,
        met: result.growthFor4x <= 6,
      });
    });
  },
};
