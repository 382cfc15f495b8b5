import { describe, expect, it } from 'vitest';
import { MIN_ACCEPTED_SCORE, passwordStrength } from '../../shared/vault/password-strength';

describe('passwordStrength', () => {
  it.each([
    ['empty', ''],
    ['short', 'hunter2'],
    ['nine random characters', 'kX9#mQ2$v'],
    ['a top password with digits', 'password123'],
    ['a leetspeak top password', 'P@ssw0rd2024!'],
    ['a season and a year', 'Summer2024!'],
    ['a top password inside', 'mypassword1'],
    ['one repeated character', 'aaaaaaaaaaaa'],
    ['an alphabet run', 'abcdefghijkl'],
    ['a digit run', '12345678901234'],
    ['a keyboard row', 'qwertyuiop12'],
    ['keyboard columns', '1qaz2wsx3edc'],
    ['a repeated chunk', 'abcabcabcabc'],
  ])('scores %s below the accepted minimum', (_label, password) => {
    expect(passwordStrength(password).score).toBeLessThan(MIN_ACCEPTED_SCORE);
  });

  it.each([
    ['ten random lower-case letters', 'kxqmvbzrtw', 2],
    ['mixed classes', 'Tr0ub4dor&3', 3],
    ['a four-word passphrase', 'correct horse battery staple', 4],
    ['a non-ASCII passphrase', 'ñandú-pájaro-río', 4],
  ])('accepts %s', (_label, password, score) => {
    expect(passwordStrength(password).score).toBe(score);
  });

  it('gives an actionable hint that never repeats the password', () => {
    for (const password of ['hunter2', 'password123', 'aaaaaaaaaaaa', 'kxqmvbzrtw', 'correct horse battery staple']) {
      const { hint } = passwordStrength(password);
      expect(hint.length).toBeGreaterThan(10);
      expect(hint).not.toContain(password);
    }
    expect(passwordStrength('password123').hint).toMatch(/common/);
    expect(passwordStrength('aaaaaaaaaaaa').hint).toMatch(/repeated|runs/);
    expect(passwordStrength('hunter2').hint).toMatch(/at least 10/);
  });

  it('requires a score of 2', () => {
    expect(MIN_ACCEPTED_SCORE).toBe(2);
  });
});
