/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource).
 *
 * The grammar is small and fixed: <signed decimal><suffix>, where the suffix is a binary SI
 * prefix (Ki … Ei), a decimal SI prefix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
 * The JavaScript implementations that exist live inside full API clients (ESM-only, dozens of
 * transitive packages), so the parser is kept here, tested against the upstream examples.
 */
// @ts-nocheck

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const MULTIPLIER: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** True when `value` is a syntactically valid Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/**
 * The numeric value of a quantity in base units (cores for CPU, bytes for memory).
 * @throws Error when the string is not a quantity.
 */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`"${value}" is not a Kubernetes quantity (examples: "500m", "1.5", "2Gi", "512Mi", "1G")`);
  }
  const [, number, suffix = ''] = match;
  // The grammar leaves two kinds of suffix: an SI prefix ("E", "Ei" among them) or an exponent ("e3", "E-2").
  const multiplier = suffix in MULTIPLIER ? MULTIPLIER[suffix] : 10 ** Number(suffix.slice(1));
  return Number(number) * multiplier;
}

/**
 * Whether `need` is more than `limit`, both in base units. Sums of decimal quantities pick up
 * floating-point error (1.8 CPUs add up to 1.8000000000000003), so they are compared at the
 * milli-unit, the finest resolution Kubernetes keeps.
 */
export function exceedsQuantity(need: number, limit: number): boolean {
  return Math.round(need * 1000) > Math.round(limit * 1000);
}

/** CPU cores for people: millicores below one core, else cores with up to 2 decimals ("50.5"). */
export function formatCpu(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000)}m` : trim(cores);
}

/** Bytes for people, in the largest binary unit that is at least 1 ("114.63Gi"). */
export function formatBytes(bytes: number): string {
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    if (bytes >= MULTIPLIER[suffix]) return `${trim(bytes / MULTIPLIER[suffix])}${suffix}`;
  }
  return String(Math.round(bytes));
}

function trim(n: number): string {
  return String(Math.round(n * 100) / 100);
}
