/**
 * npm run rules-check: Prometheus' own promtool judges what every environment synthesizes.
 *
 *   - `promtool check rules` on each environment's PrometheusRules (their `spec.groups` as a
 *     plain rule file), so the thresholds from config are what is checked;
 *   - `promtool test rules` per alert: a series that fires it after its `for`, one just below
 *     its threshold that must not (scripts/rules-check/scenarios.ts); one verdict line each;
 *   - every query of the Grafana dashboard, parsed by Prometheus as a recording rule.
 *
 * Canaries first: a syntax error, a broken dashboard query and an inverted alert must each be
 * rejected, or the check itself is broken. promtool comes from tools/build.sh (group `rules`).
 */
// @ts-nocheck

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { stringify } from 'yaml';
import { environments } from '../../config/environments';
import { loadEnvironment } from '../../config/load';
import { appliedObject } from '../../constructs/core/custom-resource';
import { DASHBOARD_KEY } from '../../constructs/monitoring/app-dashboard';
import { addEnvironment } from '../../stacks/environment';
import { buildTools } from '../toolchain';
import { alertTests, testFile, type Rule } from './scenarios';

type Json = Record<string, unknown>;
interface Group {
  readonly name: string;
  readonly rules: readonly Rule[];
}

const dir = mkdtempSync(join(tmpdir(), 'rules-check-'));
let passed = 0;
let failed = 0;

function verdict(ok: boolean, line: string, detail = ''): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  if (!ok && detail) console.log(detail.replace(/^/gm, '       '));
}

const promtoolBin = join(buildTools('rules').bin, 'promtool');
function promtool(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync(promtoolBin, args, { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

function writeYaml(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }));
  return path;
}

/** The rule groups of every PrometheusRule and the dashboard's queries, as synthesized. */
function synthesize(input: (typeof environments)[number]): { groups: Group[]; queries: string[] } {
  const stacks = addEnvironment(Testing.app(), loadEnvironment(input));
  const stack = JSON.parse(Testing.synth(stacks.app)) as { resource: Record<string, Record<string, Json>> };
  const manifests = Object.entries(stack.resource)
    .flatMap(([type, byName]) => Object.values(byName).map((r) => appliedObject(type, r)))
    .filter((m): m is Json => m !== undefined);
  const groups = manifests.filter((m) => m.kind === 'PrometheusRule').flatMap((m) => (m.spec as { groups: Group[] }).groups);
  const queries = Object.values(stack.resource.kubernetes_config_map_v1 ?? {})
    .map((r) => (r.data as Record<string, string> | undefined)?.[DASHBOARD_KEY])
    .filter((d): d is string => d !== undefined)
    .flatMap((d) => (JSON.parse(d) as { panels: { targets?: { expr: string }[] }[] }).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)));
  return { groups, queries };
}

/** Each query as a recording rule, so Prometheus' parser reads it as it would in a panel. */
function checkQueries(name: string, queries: readonly string[]) {
  const file = writeYaml(`${name}-dashboard.yml`, {
    groups: [{ name: 'dashboard', rules: queries.map((expr, i) => ({ record: `dashboard:query_${i + 1}`, expr })) }],
  });
  return promtool('check', 'rules', file);
}

function runAlertTest(name: string, ruleFile: string, rules: readonly Rule[], test: ReturnType<typeof alertTests>[number]) {
  const file = writeYaml(`${name}-${test.alert}.test.yml`, testFile(test, rules, ruleFile));
  return promtool('test', 'rules', file);
}

try {
  console.log(`rules-check: ${promtool('--version').output.split('\n')[0]}`);
  const envs = environments.map((e) => ({ name: String(e.name), ...synthesize(e) }));

  // Canaries: the check must be able to fail.
  const broken = writeYaml('canary-syntax.yml', { groups: [{ name: 'canary', rules: [{ alert: 'Broken', expr: 'sum(rate(http_requests_total[5m])' }] }] });
  verdict(!promtool('check', 'rules', broken).ok, 'canary: a rule with a syntax error is rejected by promtool check rules');
  verdict(!checkQueries('canary', ['rate(http_requests_total{job="backend"}[5m]) by (status)']).ok, 'canary: a malformed dashboard query is rejected');
  const first = envs[0];
  const rules = first.groups.flatMap((g) => g.rules);
  const victim = rules.find((r) => r.alert !== undefined && / > [0-9.]+\)?$/.test(r.expr)) as Rule;
  const inverted = first.groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => (r === victim ? { ...r, expr: r.expr.replace(/ > ([0-9.]+)(\)?)$/, ' < $1$2') } : r)),
  }));
  const invertedFile = writeYaml('canary-inverted.yml', { groups: inverted });
  const test = alertTests(rules).find((t) => t.alert === victim.alert);
  verdict(
    test !== undefined && !runAlertTest('canary', invertedFile, rules, test).ok,
    `canary: ${victim.alert} with its comparison inverted fails its promtool test`,
  );

  for (const env of envs) {
    const ruleFile = writeYaml(`${env.name}-rules.yml`, { groups: env.groups });
    const envRules = env.groups.flatMap((g) => g.rules);
    const alerts = new Set(envRules.filter((r) => r.alert).map((r) => r.alert)).size;
    const check = promtool('check', 'rules', '--lint-fatal', ruleFile);
    verdict(check.ok, `${env.name}: promtool check rules: ${env.groups.length} groups, ${alerts} alerts, ${envRules.length - alerts} other rules`, check.output);
    const dashboard = checkQueries(env.name, env.queries);
    verdict(dashboard.ok, `${env.name}: dashboard: ${env.queries.length} queries parsed by Prometheus`, dashboard.output);
    for (const t of alertTests(envRules)) {
      const started = Date.now();
      const result = runAlertTest(env.name, ruleFile, envRules, t);
      verdict(result.ok, `${env.name}: ${t.alert}: ${t.claim} [${t.cases.length} cases, ${((Date.now() - started) / 1000).toFixed(1)} s]`, result.output);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`rules-check: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
