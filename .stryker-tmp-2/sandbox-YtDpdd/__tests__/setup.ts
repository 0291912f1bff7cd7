// @ts-nocheck
import { Testing } from 'cdktf';
import { skipTokenCreationStacks } from '../runtime/creation-stacks';

Testing.setupJest();
// Synthesize as main.ts does.
skipTokenCreationStacks();
// Stacks name providers by the host of the binary cdktf runs; tests synthesize as with Terraform's.
delete process.env.TERRAFORM_BINARY_NAME;
