import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildJsonSchema } from './json-schema.ts';

const target = fileURLToPath(new URL('./schema.json', import.meta.url));
writeFileSync(target, buildJsonSchema());
console.log(`wrote ${target}`);
