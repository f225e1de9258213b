#!/usr/bin/env node
// `npx face-verify …`: the built CLI (src/cli/main.ts).
import '../dist/node/cli.js';
