import { VALKEY_PORT, valkeyArguments, valkeyConfigLines, valkeyContainer, valkeyDirectives } from '../../constructs/cache/valkey-pod';

describe('the Valkey server of the cache and the rate limit store', () => {
  // Built in each test, not while the file loads, so that mutation testing sees which test reads it.
  const plain = () => valkeyDirectives({ protectedMode: false, dir: '/tmp', maxmemory: '96mb', maxmemoryPolicy: 'volatile-ttl' });

  it('keeps nothing on disk and evicts below maxmemory, listening on every address', () => {
    expect(plain()).toEqual([
      ['port', '6379'],
      ['bind', '*', '-::*'],
      ['protected-mode', 'no'],
      ['dir', '/tmp'],
      ['save', ''],
      ['appendonly', 'no'],
      ['maxmemory', '96mb'],
      ['maxmemory-policy', 'volatile-ttl'],
    ]);
  });

  it('says the same in valkey.conf and on the command line, an empty argument quoted in the file', () => {
    const directives = plain();
    expect(valkeyConfigLines(directives)).toContain('save ""');
    expect(valkeyConfigLines(directives)).toContain('bind * -::*');
    expect(valkeyArguments(directives)).toEqual(valkeyConfigLines(directives).flatMap((line) => {
      const [name, ...args] = line.split(' ');
      return [`--${name}`, ...args.map((a) => (a === '""' ? '' : a))];
    }));
  });

  it('listens as told instead of on the plain port', () => {
    const tls = valkeyDirectives({ listen: [['port', '0'], ['tls-port', String(VALKEY_PORT)]], protectedMode: true, dir: '/data', maxmemory: '1', maxmemoryPolicy: 'allkeys-lru' });
    expect(tls.slice(0, 3)).toEqual([['port', '0'], ['tls-port', '6379'], ['bind', '*', '-::*']]);
  });

  it('is ready only when PING gets no error reply, over the options given to reach it', () => {
    const container = valkeyContainer({ image: 'valkey/valkey:8.1.10-alpine', command: ['valkey-server'], resources: {}, volumeMounts: [], cliOptions: ['--tls'] });
    expect(container.readinessProbe?.exec?.command).toEqual(['valkey-cli', '-e', '--tls', '-p', '6379', 'ping']);
    expect(container.port).toEqual([{ name: 'valkey', containerPort: 6379 }]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
  });

  it('pings the plain port with no other option when none is given (the rate limit store)', () => {
    const container = valkeyContainer({ image: 'valkey/valkey:8.1.10-alpine', command: ['valkey-server'], resources: {}, volumeMounts: [] });
    expect(container.readinessProbe?.exec?.command).toEqual(['valkey-cli', '-e', '-p', '6379', 'ping']);
  });
});
