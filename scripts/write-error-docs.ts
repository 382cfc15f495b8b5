import { writeFile } from 'node:fs/promises';
import { errorTableMarkdown } from './error-table';

await writeFile('docs/errors.md', errorTableMarkdown());
console.log('wrote docs/errors.md');
