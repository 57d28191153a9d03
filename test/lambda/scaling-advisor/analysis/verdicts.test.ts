import {
  previousVerdict,
  VERDICT_CODES,
  VERDICTS,
  verdictFromCode,
} from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { Fixture, set } from '../fixtures';

describe('verdict codes', () => {
  test('each verdict has a distinct, stable code', () => {
    expect(VERDICT_CODES).toEqual({
      HEALTHY: 0,
      APP_SATURATED_AT_MAX: 1,
      DB_READ_BOUND: 2,
      DB_WRITE_BOUND: 3,
      DB_CONNECTION_EXHAUSTION: 4,
      CACHE_PRESSURE: 5,
      CACHE_LOW_HIT_RATE: 6,
      REPLICA_LAG: 7,
      OVER_PROVISIONED: 8,
      INSUFFICIENT_DATA: 9,
    });
    for (const v of VERDICTS) expect(verdictFromCode(VERDICT_CODES[v])).toBe(v);
    expect(verdictFromCode(42)).toBeUndefined();
  });

  test('the previous verdict is the latest datapoint of the advisor metric', () => {
    const f: Fixture = {};
    set(f, ids.previousVerdict, [null, 0, null, 2, null]);
    expect(previousVerdict(f)).toBe('DB_READ_BOUND');
    expect(previousVerdict({})).toBeUndefined();
  });
});
