/**
 * A small, dependency-free estimate of how guessable a master password is. It is not zxcvbn: it
 * catches what offline attackers try first (the most common passwords and their "P@ssw0rd1!"
 * variants, repeats, alphabet and keyboard runs, short passwords) and otherwise estimates entropy
 * from length and character classes. Argon2id slows each guess down; it cannot save "password123".
 */

export interface PasswordStrength {
  score: 0 | 1 | 2 | 3 | 4;
  /** What to do about it; never contains the password. */
  hint: string;
}

export const MIN_ACCEPTED_SCORE = 2;
const MIN_LENGTH = 10;

const COMMON_PASSWORDS = new Set([
  'password', 'passw0rd', '123456', '12345678', '123456789', '1234567890', '654321', '111111',
  '123123', 'qwerty', 'qwertyuiop', 'qazwsx', 'abc123', 'letmein', 'welcome', 'monkey', 'dragon',
  'iloveyou', 'admin', 'login', 'master', 'sunshine', 'princess', 'football', 'baseball', 'shadow',
  'superman', 'trustno1', 'starwars', 'whatever', 'freedom', 'summer', 'changeme', 'secret', 'keygate',
]);

const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
// Rows and the diagonal columns people walk down ("1qaz2wsx").
const KEYBOARD_RUNS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz', '2wsx', '3edc', '4rfv', '5tgb', '6yhn', '7ujm'];

function unleet(text: string): string {
  return [...text].map((char) => LEET[char] ?? char).join('');
}

/** "P@ssw0rd2024!" → "password": strip the digits and symbols people tack on, undo leetspeak. */
function isCommonPassword(lower: string): boolean {
  if (COMMON_PASSWORDS.has(lower)) return true;
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, '');
  return COMMON_PASSWORDS.has(core) || COMMON_PASSWORDS.has(unleet(core)) || COMMON_PASSWORDS.has(unleet(lower));
}

/** A common password inside a longer one ("mypassword1") is guessed as one unit, not letter by letter. */
function commonWordDiscount(lower: string): number {
  const plain = unleet(lower);
  let discount = 0;
  for (const word of COMMON_PASSWORDS) if (word.length >= 5 && plain.includes(word)) discount += word.length - 1;
  return discount;
}

/** How one character follows the previous: a repeat, an alphabet step, a keyboard step, or nothing. */
function stepBetween(previous: string, next: string): string | null {
  if (previous === next) return 'repeat';
  const delta = (next.codePointAt(0) ?? 0) - (previous.codePointAt(0) ?? 0);
  if (Math.abs(delta) === 1) return `alphabet${delta}`;
  for (const row of KEYBOARD_RUNS) {
    const from = row.indexOf(previous);
    const to = row.indexOf(next);
    if (from >= 0 && to >= 0 && Math.abs(to - from) === 1) return `keyboard${to - from}`;
  }
  return null;
}

/** Characters that add guessing work: repeats, runs ("abcd", "4321", "asdf") and repeated chunks do not. */
function effectiveLength(chars: string[]): number {
  const unit = /^(.+?)\1+$/su.exec(chars.join(''))?.[1];
  const counted = unit === undefined ? chars : [...unit];
  let length = Math.min(counted.length, 1);
  let previousStep: string | null = null;
  for (let at = 1; at < counted.length; at++) {
    const step = stepBetween(counted[at - 1] ?? '', counted[at] ?? '');
    if (step === null || (step !== 'repeat' && step !== previousStep)) length++;
    previousStep = step;
  }
  return length;
}

function characterPool(password: string): number {
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(password)) pool += 33;
  return pool;
}

export function passwordStrength(password: string): PasswordStrength {
  const chars = [...password];
  if (chars.length === 0) return { score: 0, hint: 'Enter a master password.' };
  const lower = password.toLowerCase();
  if (isCommonPassword(lower)) {
    return { score: 0, hint: 'This is one of the most common passwords; attackers try those first.' };
  }
  const runFree = effectiveLength([...lower]);
  const discount = commonWordDiscount(lower);
  const bits = Math.max(1, runFree - discount) * Math.log2(characterPool(password));
  let score: PasswordStrength['score'] = bits < 28 ? 0 : bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  if (chars.length < MIN_LENGTH) score = Math.min(score, 1) as 0 | 1;

  if (discount > 0 && score < 4) return { score, hint: 'It contains a very common password; use unrelated words instead.' };
  if (runFree < chars.length * 0.75) {
    return { score, hint: 'Avoid repeated characters and runs like "abcd", "1234" or "qwerty".' };
  }
  if (chars.length < MIN_LENGTH) return { score, hint: `Use at least ${MIN_LENGTH} characters; a few unrelated words work well.` };
  if (score < MIN_ACCEPTED_SCORE) return { score, hint: 'Make it longer, or mix in capitals, digits and symbols.' };
  if (score < 4) return { score, hint: 'Good; a longer passphrase of unrelated words would be stronger still.' };
  return { score, hint: 'Strong password.' };
}
