import { Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct, IValidation } from 'constructs';
import { parseAlarmDescription } from '../contracts/alarm-description';
import { alarmMetrics } from './alarm-metrics';
import { type AppResources, appResources } from './app-resources';
import { compositeSizeProblems, measureAlarmRule } from './composite-size';
import { unpublishedMetricReason } from './metric-availability';
import { playbookMisfitReason } from './playbook-fit';

/**
 * Checks every alarm of the app at synth, where a mistake costs nothing yet: a metric AWS never
 * publishes for the resource as configured (the alarm can never fire), a composite over
 * PutCompositeAlarm's limits (the deploy fails), and a remediation playbook that cannot clear the
 * alarm or that the dispatcher cannot resolve to a target. Each finding is one line naming the alarm.
 */
export class AlarmLint implements IValidation {
  constructor(private readonly root: IConstruct) {}

  validate(): string[] {
    return lintAlarms(this.root);
  }
}

const linted = new WeakSet<IConstruct>();

/** Runs the alarm lint over the whole app of `scope` when it synthesizes; adding it twice adds it once. */
export function addAlarmLint(scope: IConstruct): void {
  const root = scope.node.root;
  if (linted.has(root)) return;
  linted.add(root);
  root.node.addValidation(new AlarmLint(root));
}

/** Every finding for the alarms under `root`, one line each: `alarm <name> (<path>): <reason>`. */
export function lintAlarms(root: IConstruct): string[] {
  const resources = appResources(root);
  return root.node.findAll().flatMap((construct) => {
    if (construct instanceof cloudwatch.CfnAlarm) return metricAlarmFindings(construct, resources);
    if (construct instanceof cloudwatch.CfnCompositeAlarm) return compositeAlarmFindings(construct);
    return [];
  });
}

function metricAlarmFindings(alarm: cloudwatch.CfnAlarm, resources: AppResources): string[] {
  const metrics = alarmMetrics(alarm);
  const playbook = playbookOf(alarm.alarmDescription);
  const reasons = [
    unpublishedMetricReason(metrics, resources),
    playbook === undefined ? undefined : playbookMisfitReason(playbook, metrics, resources),
  ];
  return reasons.flatMap((reason) => (reason === undefined ? [] : [finding(alarm, alarm.alarmName, reason)]));
}

function compositeAlarmFindings(alarm: cloudwatch.CfnCompositeAlarm): string[] {
  const reasons = compositeSizeProblems(measureAlarmRule(alarm.alarmRule));
  const playbook = playbookOf(alarm.alarmDescription);
  if (playbook !== undefined) {
    reasons.push(
      `playbook ${playbook} cannot run from a composite alarm: its state change carries no metrics, ` +
        'so the dispatcher finds no target dimension',
    );
  }
  return reasons.map((reason) => finding(alarm, alarm.alarmName, reason));
}

function playbookOf(description: string | undefined): string | undefined {
  if (description === undefined || Token.isUnresolved(description)) return undefined;
  return parseAlarmDescription(description)?.playbook;
}

function finding(alarm: IConstruct, name: string | undefined, reason: string): string {
  const label = name !== undefined && !Token.isUnresolved(name) ? name : '(unnamed)';
  return `alarm ${label} (${alarm.node.path}): ${reason}`;
}
