import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Construct } from 'constructs';
import type { Labels } from './labels';

export interface CustomResourceProps {
  /** API group and version, e.g. "postgresql.cnpg.io/v1". */
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Namespace; none for cluster-scoped kinds. */
  readonly namespace?: string;
  /** @default {} */
  readonly labels?: Labels;
  /** The object's spec, as the CRD defines it. */
  readonly spec: Readonly<Record<string, unknown>>;
  /**
   * Fields of `status` to wait for after apply (kubernetes_manifest `wait.fields`, regex values).
   * @default no wait
   */
  readonly waitForFields?: Readonly<Record<string, string>>;
}

/**
 * One custom resource as a `kubernetes_manifest`. The provider reads the CRD's schema from
 * the cluster at plan time, so these live only in the app stack, after the platform stack.
 */
export class CustomResource extends Construct {
  readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: CustomResourceProps) {
    super(scope, id);
    const metadata: Record<string, unknown> = { name: props.name, labels: { ...props.labels } };
    if (props.namespace !== undefined) metadata.namespace = props.namespace;
    this.manifest = new Manifest(this, 'resource', {
      manifest: { apiVersion: props.apiVersion, kind: props.kind, metadata, spec: props.spec },
      // Operators and admission webhooks add their own labels and annotations.
      computedFields: ['metadata.labels', 'metadata.annotations'],
      ...(props.waitForFields ? { wait: { fields: { ...props.waitForFields } } } : {}),
    });
  }
}
