import { describe, expect, it } from 'vitest';
import { readOptions } from '../../native-host/src/headless/command-io';

const OPTIONS = { file: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' } } as const;

describe('readOptions (headless command lines)', () => {
  it('takes a value that starts with a dash: one record id in 64 does', () => {
    expect(readOptions(['--file', 'v.json', '--id', '-m2u2LfkiEWJtt1zfV2wYA'], OPTIONS)).toEqual({ file: 'v.json', id: '-m2u2LfkiEWJtt1zfV2wYA' });
    expect(readOptions(['--name', '--prod--', '--file', 'v.json'], OPTIONS)).toEqual({ name: '--prod--', file: 'v.json' });
    expect(readOptions(['--id=-abc'], OPTIONS)).toEqual({ id: '-abc' });
  });

  it('still reports a forgotten value, and refuses unknown or misspelt options', () => {
    expect(() => readOptions(['--name', '--file', 'v.json'], OPTIONS)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => readOptions(['--file'], OPTIONS)).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => readOptions(['--nmae', 'x'], OPTIONS)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--nmae') }));
    expect(() => readOptions(['--file', 'a', 'positional'], OPTIONS)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
