import { Testing } from 'cdktf';
import { skipTokenCreationStacks } from '../runtime/creation-stacks';

Testing.setupJest();
// Synthesize as main.ts does.
skipTokenCreationStacks();
