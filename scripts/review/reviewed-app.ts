import type { cx_api } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { type Finding, readFindings } from '../synth-summary';

/** One resource of a synthesized template, with what the review needs to name and judge it. */
export interface ReviewedResource {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** The construct path (`/Stack/Construct/Resource`), or undefined for a resource CDK did not record. */
  readonly path: string | undefined;
}

/** A template as the review reads it: resources and outputs, nothing else. */
export interface ReviewedStack {
  readonly name: string;
  readonly resources: readonly ReviewedResource[];
  readonly outputs: Readonly<
    Record<string, { readonly Value?: unknown; readonly Export?: { Name?: unknown } }>
  >;
}

/** The rule ids acknowledged on a construct path, each with the reasons given (one id may be acknowledged twice). */
type Acknowledgements = ReadonlyMap<string, readonly string[]>;

/** The synthesized app: every stack's template, the acknowledgements recorded in the assembly, the gate's findings. */
export interface ReviewedApp {
  readonly stacks: readonly ReviewedStack[];
  /** Findings no acknowledgement covers, from the assembly's validation report. */
  readonly findings: readonly Finding[];
  /** Every acknowledgement recorded in the assembly: where, which rule, why. */
  readonly acknowledgements: readonly { stack: string; path: string; rule: string; reason: string }[];
  /**
   * The reasons given for `rule` on the resource or any construct above it, the same lookup cdk-nag makes
   * (NagPack.isAcknowledged walks `node.scope` upwards). Empty when nothing covers it.
   */
  reasonsFor(resource: ReviewedResource, rule: string): readonly string[];
  /** The resource a logical id names in a stack. */
  resource(stack: string, logicalId: string): ReviewedResource | undefined;
  stack(name: string): ReviewedStack | undefined;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

// Validations.acknowledge stores ids without a known prefix under "Annotation::" (and cdk-nag strips it
// case-insensitively before comparing), so the same is done here.
const ANNOTATION_PREFIX = /^annotation::/i;

/**
 * Reads the cloud assembly: templates, and the `aws:cdk:acknowledged-rules` metadata that
 * `Validations.of(construct).acknowledge()` records per construct path
 * (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`, aws-cdk-lib core/lib/validation/validations.d.ts:
 * "Plugin authors can read this metadata to build audit trails").
 */
export function readReviewedApp(assembly: cx_api.CloudAssembly): ReviewedApp {
  const acknowledgementsByStack = new Map<string, Map<string, Map<string, string[]>>>();
  const flatAcknowledgements: { stack: string; path: string; rule: string; reason: string }[] = [];
  const stacks: ReviewedStack[] = assembly.stacksRecursively.map((artifact) => {
    // `metadata`, not `manifest.metadata`: CDK may write it to a file of its own (`<Stack>.metadata.json`).
    const metadata = artifact.metadata as Record<string, readonly MetadataEntry[]>;
    const pathOf = new Map<string, string>();
    const byPath = new Map<string, Map<string, string[]>>();
    for (const [path, entries] of Object.entries(metadata)) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string')
          pathOf.set(entry.data, path);
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !isRecord(entry.data)) continue;
        const rules = byPath.get(path) ?? new Map<string, string[]>();
        byPath.set(path, rules);
        for (const [qualified, value] of Object.entries(entry.data)) {
          const rule = qualified.replace(ANNOTATION_PREFIX, '');
          const reason = reasonText(value);
          rules.set(rule, [...(rules.get(rule) ?? []), reason]);
          flatAcknowledgements.push({ stack: artifact.stackName, path, rule, reason });
        }
      }
    }
    acknowledgementsByStack.set(artifact.stackName, byPath);
    const template = artifact.template as {
      Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      Outputs?: ReviewedStack['outputs'];
    };
    return {
      name: artifact.stackName,
      outputs: template.Outputs ?? {},
      resources: Object.entries(template.Resources ?? {})
        // CDKMetadata is CLI bookkeeping, not part of what the user deploys.
        .filter(([, resource]) => resource.Type !== 'AWS::CDK::Metadata')
        .map(([logicalId, resource]) => ({
          stack: artifact.stackName,
          logicalId,
          type: resource.Type,
          properties: resource.Properties ?? {},
          path: pathOf.get(logicalId),
        })),
    };
  });

  const stackByName = new Map(stacks.map((stack) => [stack.name, stack]));
  const resourceIndex = new Map(
    stacks.flatMap((stack) =>
      stack.resources.map((resource) => [`${stack.name}/${resource.logicalId}`, resource]),
    ),
  );
  return {
    stacks,
    findings: readFindings(assembly),
    acknowledgements: flatAcknowledgements,
    reasonsFor(resource, rule) {
      const byPath: Map<string, Acknowledgements> = acknowledgementsByStack.get(resource.stack) ?? new Map();
      if (resource.path === undefined) return [];
      const segments = resource.path.split('/');
      const reasons: string[] = [];
      for (let length = segments.length; length > 1; length--) {
        reasons.push(...(byPath.get(segments.slice(0, length).join('/'))?.get(rule) ?? []));
      }
      return [...new Set(reasons)];
    },
    resource: (stack, logicalId) => resourceIndex.get(`${stack}/${logicalId}`),
    stack: (name) => stackByName.get(name),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A reason as people read it. One built from tokens (an account id, a bucket name) is stored
 * resolved, as `Fn::Join`; references are written as cdk-nag writes them in finding ids: `<AWS::AccountId>`.
 */
function reasonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return JSON.stringify(value);
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map(reasonText).join(join[0]);
  }
  if (typeof value.Ref === 'string') return `<${value.Ref}>`;
  const attribute = value['Fn::GetAtt'];
  if (Array.isArray(attribute)) return `<${attribute.join('.')}>`;
  return JSON.stringify(value);
}
