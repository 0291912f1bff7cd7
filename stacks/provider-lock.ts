import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * The registry host that providers' source addresses name: OpenTofu's for an OpenTofu binary,
 * Terraform's otherwise. cdktf's CLI reads a bare source ("kubernetes") as registry.terraform.io,
 * while OpenTofu locks it as registry.opentofu.org; with that mismatch cdktf re-locks on every
 * run, which needs the network. The binary is the one cdktf runs (TERRAFORM_BINARY_NAME), so the
 * address is what that tool writes into its state and lock file anyway: nothing to migrate.
 */
export function providerRegistry(binary: string = process.env.TERRAFORM_BINARY_NAME || 'terraform'): string {
  return basename(binary).includes('tofu') ? 'registry.opentofu.org' : 'registry.terraform.io';
}

/** Publishers of the providers that are not HashiCorp's. */
const NAMESPACES: Readonly<Record<string, string>> = { kubectl: 'gavinbunney' };

/** `<registry>/<publisher>/<name>`: the fully qualified source of a pinned provider. */
export const providerSource = (name: string, binary?: string): string => `${providerRegistry(binary)}/${NAMESPACES[name] ?? 'hashicorp'}/${name}`;

interface SynthesizedStack {
  readonly terraform?: { readonly required_providers?: Readonly<Record<string, { readonly source: string; readonly version: string }>> };
}

/**
 * Writes a `.terraform.lock.hcl` into each stack directory of a synthesized app (its outdir) that
 * has none: the pinned version of every provider it requires by full address and exact version, without checksums, which `init` records from
 * what it installs (the same trust as a first init without a lock file). Without it cdktf's
 * first deploy or diff of a stack runs `providers lock`, which asks the origin registry even
 * when the providers are in a local mirror. An existing lock file is never touched.
 */
export function seedProviderLocks(outdir: string): void {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { workingDirectory: string }> };
  for (const { workingDirectory } of Object.values(manifest.stacks)) {
    const dir = join(outdir, workingDirectory);
    const lock = join(dir, '.terraform.lock.hcl');
    if (existsSync(lock)) continue;
    const stack = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as SynthesizedStack;
    const providers = Object.values(stack.terraform?.required_providers ?? {}).filter(
      (p) => p.source.split('/').length === 3 && /^\d+\.\d+\.\d+$/.test(p.version),
    );
    if (providers.length === 0) continue;
    const entries = providers.map((p) => `provider "${p.source}" {\n  version     = "${p.version}"\n  constraints = "${p.version}"\n}\n`);
    writeFileSync(lock, `# Seeded by synth with the pinned versions; init adds the checksums of what it installs.\n${entries.join('\n')}`);
  }
}
