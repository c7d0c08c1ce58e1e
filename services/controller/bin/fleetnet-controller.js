#!/usr/bin/env node
// The built dist/fleetnet-controller.cjs when it is up to date, else the sources (scripts/launch.js).
import { launch } from '../../../scripts/launch.js';
await launch('fleetnet-controller', 'services/controller/src/main.ts');
