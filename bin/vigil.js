#!/usr/bin/env node
// The `vigil` command. Vigil ships its TypeScript sources and runs them through tsx,
// so a fresh clone needs only `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
