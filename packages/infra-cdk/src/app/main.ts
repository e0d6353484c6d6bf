#!/usr/bin/env node
// The vodsr CDK app: `cdk synth -c amiId=ami-…` / `cdk deploy -c amiId=ami-…` (see the package README).
import { createVodsrApp } from './createVodsrApp.js';

const { app } = createVodsrApp();
app.synth();
