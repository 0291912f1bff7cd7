// @ts-nocheck
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import versions from '../config/versions.json';
import { providerRegistry, seedProviderLocks } from '../stacks/provider-lock';
import { ENVIRONMENTS, synthesize, type Json } from './helpers';

/** A synthesized app directory with one stack requiring `providers`. */
function outdirWith(providers: Record<string, { source: string; version: string }>): { outdir: string; stackDir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'lock-'));
  const stackDir = join(outdir, 'stacks', 'dev-app');
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(outdir, 'manifest.json'), JSON.stringify({ stacks: { 'dev-app': { workingDirectory: 'stacks/dev-app' } } }));
  writeFileSync(join(stackDir, 'cdk.tf.json'), JSON.stringify({ terraform: { required_providers: providers } }));
  return { outdir, stackDir };
}

/**
 * The lock file's entries as cdktf 0.21.0 reads them (`provider "<address>"` blocks, keyed by the
 * address as written). Its own reader is not imported: loading @cdktf/commons calls HashiCorp's
 * checkpoint service. The e2e proves the real thing: its deploys run offline without
 * --skip-provider-lock, which fails if cdktf re-locks.
 */
function lockedVersions(stackDir: string): Record<string, string> {
  const text = readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^provider "(.*)" \{\n\s*version\s+= "(.*)"/gm)].map(([, address, version]) => [address, version]));
}

const requiredProviders = (stack: Json) => (stack.terraform as { required_providers: Record<string, { source: string; version: string }> }).required_providers;

describe('provider addresses follow the binary cdktf runs', () => {
  const saved = process.env.TERRAFORM_BINARY_NAME;
  afterEach(() => {
    if (saved === undefined) delete process.env.TERRAFORM_BINARY_NAME;
    else process.env.TERRAFORM_BINARY_NAME = saved;
  });

  it('OpenTofu (by name or path) locks under registry.opentofu.org, anything else under registry.terraform.io', () => {
    expect(providerRegistry('tofu')).toBe('registry.opentofu.org');
    expect(providerRegistry('/opt/tools/bin/tofu')).toBe('registry.opentofu.org');
    expect(providerRegistry('terraform')).toBe('registry.terraform.io');
    expect(providerRegistry('/usr/local/bin/terraform')).toBe('registry.terraform.io');
  });

  it('each stack names its pinned providers by full address: the host of TERRAFORM_BINARY_NAME', () => {
    process.env.TERRAFORM_BINARY_NAME = '/opt/tools/bin/tofu';
    const tofu = synthesize(ENVIRONMENTS.dev);
    expect(requiredProviders(tofu.app).kubernetes).toEqual({ source: 'registry.opentofu.org/hashicorp/kubernetes', version: versions.providers.kubernetes });
    expect(requiredProviders(tofu.platform).helm).toEqual({ source: 'registry.opentofu.org/hashicorp/helm', version: versions.providers.helm });
    delete process.env.TERRAFORM_BINARY_NAME;
    expect(requiredProviders(synthesize(ENVIRONMENTS.dev).app).kubernetes.source).toBe('registry.terraform.io/hashicorp/kubernetes');
  });
});

describe('seeded lock files: no registry round trip on the first deploy', () => {
  const kubernetes = { source: 'registry.opentofu.org/hashicorp/kubernetes', version: '3.2.1' };

  it('a stack without a lock file gets one locking each pinned provider at its full address', () => {
    const { outdir, stackDir } = outdirWith({ kubernetes });
    seedProviderLocks(outdir);
    expect(lockedVersions(stackDir)).toEqual({ [kubernetes.source]: kubernetes.version });
    expect(readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8')).toContain('constraints = "3.2.1"');
  });

  /** A lock entry as init writes it: exact version, constraint, the checksums of what it installed. */
  const recorded = (source: string, version: string) => `provider "${source}" {\n  version     = "${version}"\n  constraints = "${version}"\n  hashes = [\n    "h1:recorded=",\n  ]\n}\n`;

  it('an existing lock file whose entries match (with the checksums init recorded) is left as it is', () => {
    const { outdir, stackDir } = outdirWith({ kubernetes });
    const lock = `# This file is maintained automatically by "tofu init".\n\n${recorded(kubernetes.source, '3.2.1')}`;
    writeFileSync(join(stackDir, '.terraform.lock.hcl'), lock);
    seedProviderLocks(outdir);
    expect(readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8')).toBe(lock);
  });

  it('a provider the stack gained, or whose pin moved, gets an entry; the others keep theirs', () => {
    const kubectl = { source: 'registry.opentofu.org/gavinbunney/kubectl', version: '1.19.0' };
    const helm = { source: 'registry.opentofu.org/hashicorp/helm', version: '3.2.0' };
    const { outdir, stackDir } = outdirWith({ kubernetes, kubectl, helm });
    writeFileSync(join(stackDir, '.terraform.lock.hcl'), `${recorded(kubernetes.source, '3.2.1')}\n${recorded(helm.source, '3.1.0')}`);
    seedProviderLocks(outdir);
    expect(lockedVersions(stackDir)).toEqual({ [kubernetes.source]: '3.2.1', [kubectl.source]: '1.19.0', [helm.source]: '3.2.0' });
    const text = readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8');
    expect(text.match(/h1:recorded=/g)).toHaveLength(1);
  });

  it('providers without a full address or an exact version are not seeded (init would refuse the entry)', () => {
    const exact = { source: 'registry.opentofu.org/hashicorp/aws', version: '10.0.12' };
    const { outdir, stackDir } = outdirWith({
      kubernetes,
      exact,
      helm: { source: 'hashicorp/helm', version: '3.2.0' },
      random: { source: 'registry.terraform.io/hashicorp/random', version: '~> 3.6' },
      time: { source: 'registry.terraform.io/hashicorp/time', version: '>= 0.12.1' },
      tls: { source: 'registry.terraform.io/hashicorp/tls', version: '4.0.6, < 5.0.0' },
    });
    seedProviderLocks(outdir);
    expect(lockedVersions(stackDir)).toEqual({ [kubernetes.source]: kubernetes.version, [exact.source]: exact.version });
  });

  it('separates the entries it adds by one blank line, as init does', () => {
    const { outdir, stackDir } = outdirWith({ kubernetes, kubectl: { source: 'registry.opentofu.org/gavinbunney/kubectl', version: '1.19.0' } });
    writeFileSync(join(stackDir, '.terraform.lock.hcl'), recorded(kubernetes.source, '3.2.1'));
    seedProviderLocks(outdir);
    expect(readFileSync(join(stackDir, '.terraform.lock.hcl'), 'utf8')).toContain('}\n\nprovider "registry.opentofu.org/gavinbunney/kubectl" {\n');
  });
});
