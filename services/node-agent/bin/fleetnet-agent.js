#!/usr/bin/env node
// The built dist/fleetnet-agent.cjs when it is up to date, else the sources (scripts/launch.js).
import { launch } from '../../../scripts/launch.js';
await launch('fleetnet-agent', 'services/node-agent/src/main.ts');
