/**
 * Synthesizes the queue-worker example into CDKTF_OUTDIR (default cdktf.out/examples), after the
 * same workload policy the app passes: `node --require tsx/cjs examples/queue-worker/main.ts`.
 */
import '../../runtime/dependency-loading';
import { App, LocalBackend } from 'cdktf';
import versions from '../../config/versions.json';
import { checkPolicy } from '../../review/workload-policy';
import { QueueWorkerStack } from './queue-worker-stack';

/** The example stack, with the kubernetes provider release this project builds and validates against. */
export function queueWorkerApp(outdir: string): { app: App; stack: QueueWorkerStack } {
  const app = new App({ outdir });
  const stack = new QueueWorkerStack(app, 'queue-worker', {
    kubeconfigPath: '~/.kube/config',
    workerImage: 'registry.example.com/jobs/worker:2.3.0',
    migrationRunnerImage: versions.images.migrationRunner,
  });
  stack.addOverride('terraform.required_providers.kubernetes.version', versions.providers.kubernetes);
  stack.addOverride('terraform.required_providers.kubectl.version', versions.providers.kubectl);
  // Relative to the stack's directory, so the output holds no absolute path.
  new LocalBackend(stack, { path: 'terraform.queue-worker.tfstate' });
  return { app, stack };
}

if (require.main === module) {
  const { app, stack } = queueWorkerApp(process.env.CDKTF_OUTDIR ?? 'cdktf.out/examples');
  const { errors } = checkPolicy(stack);
  if (errors.length > 0) {
    process.stderr.write(`${errors.map((f) => `[${f.path}] ${f.check}: ${f.message}`).join('\n')}\n`);
    process.exitCode = 1;
  } else {
    app.synth();
  }
}
