import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { errorTableMarkdown } from '../../scripts/error-table';

describe('docs/errors.md', () => {
  it('lists exactly the catalogue (run `npx tsx scripts/write-error-docs.ts` after changing it)', async () => {
    expect(await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')).toBe(errorTableMarkdown());
  });
});
