// @ts-nocheck
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

/**
 * A provider's source as its binding declares it ("kubernetes", "gavinbunney/kubectl"), fully
 * qualified: `<registry>/<publisher>/<name>`, a bare name being HashiCorp's as in Terraform.
 */
export const providerSource = (declared: string, binary?: string): string =>
  `${providerRegistry(binary)}/${declared.includes('/') ? declared : `hashicorp/${declared}`}`;

interface SynthesizedStack {
  readonly terraform?: { readonly required_providers?: Readonly<Record<string, { readonly source: string; readonly version: string }>> };
}

/** A lock file's `provider "<address>" { … }` blocks by address (the format `init` writes). */
const LOCK_BLOCK = /^provider "([^"]+)" \{\n[\s\S]*?^\}\n?/gm;

const seeded = (source: string, version: string) => `provider "${source}" {\n  version     = "${version}"\n  constraints = "${version}"\n}\n`;

/**
 * Makes each stack directory of a synthesized app (its outdir) lock the pinned version of every
 * provider it requires by full address and exact version: a stack without a lock file gets one,
 * and an existing one gets an entry for a provider it lacks or locks at another version. Entries
 * have no checksums; `init` records those of what it installs (the trust of a first init without
 * a lock file). Otherwise cdktf's deploy or diff runs `providers lock`, which asks the origin
 * registry even when the providers are in a local mirror. Entries that match are left as they
 * are, with the checksums init recorded.
 */
export function seedProviderLocks(outdir: string): void {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { workingDirectory: string }> };
  for (const { workingDirectory } of Object.values(manifest.stacks)) {
    const dir = join(outdir, workingDirectory);
    const stack = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as SynthesizedStack;
    const providers = Object.values(stack.terraform?.required_providers ?? {}).filter(
      (p) => p.source.split('/').length === 3 && /^\d+\.\d+\.\d+$/.test(p.version),
    );
    const lock = join(dir, '.terraform.lock.hcl');
    let text = existsSync(lock) ? readFileSync(lock, 'utf8') : '# Seeded by synth with the pinned versions; init adds the checksums of what it installs.\n';
    const before = text;
    for (const p of providers) {
      const block = [...text.matchAll(LOCK_BLOCK)].find((m) => m[1] === p.source);
      if (block === undefined) text = `${text.trimEnd()}\n\n${seeded(p.source, p.version)}`;
      else if (!block[0].includes(`version     = "${p.version}"`)) text = text.replace(block[0], seeded(p.source, p.version));
    }
    if (text !== before) writeFileSync(lock, text);
  }
}
