import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, dayOf, isoDate, isoDateTime, msOf, weekday } from '../../src/demo/iso-dates.ts';
import { Rng } from '../../src/demo/rng.ts';

describe('iso-dates', () => {
  it('formats dates and date-times exactly as Date does, inside and outside the lookup table', () => {
    const r = new Rng(3);
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      const ms = from + Math.floor(r.next() * (to - from));
      const iso = new Date(ms).toISOString();
      assert.equal(isoDateTime(ms), `${iso.slice(0, 19)}Z`);
      assert.equal(isoDate(Math.floor(ms / DAY_MS)), iso.slice(0, 10));
    }
    assert.equal(isoDateTime(Date.UTC(2017, 4, 5, 9, 0, 0)), '2017-05-05T09:00:00Z');
    assert.equal(isoDateTime(Date.UTC(1969, 11, 31, 23, 59, 59)), '1969-12-31T23:59:59Z');
  });

  it('numbers weekdays from Monday = 0', () => {
    for (let day = -800; day < 30_000; day += 37) {
      const js = new Date(day * DAY_MS).getUTCDay(); // Sunday = 0
      assert.equal(weekday(day), (js + 6) % 7);
    }
  });

  it('parses dates and date-times, and refuses anything else', () => {
    assert.equal(dayOf('1970-01-02'), 1);
    assert.equal(dayOf('2017-05-05T09:00:00Z'), dayOf('2017-05-05'));
    assert.equal(msOf('2017-05-05T09:00:00Z'), Date.UTC(2017, 4, 5, 9));
    assert.throws(() => dayOf('yesterday'), RangeError);
    assert.throws(() => msOf('2017-13-45T00:00:00Z'), RangeError);
  });
});
