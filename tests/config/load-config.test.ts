import fc from 'fast-check';
import { LOG_RETENTION_DAYS } from '../../config/environment-config';
import {
  ConfigError,
  checkAlarmNamePrefix,
  ENVIRONMENTS,
  loadConfig,
  parseEnvironmentConfig,
} from '../../config/load-config';

const minimal = { name: 'dev', tags: { owner: 'team-a', costCenter: 'cc-1' } };

function errorOf(raw: unknown): string {
  try {
    parseEnvironmentConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('loadConfig', () => {
  it.each(ENVIRONMENTS.map((environment) => environment.name))('loads the %s environment', (name) => {
    const config = loadConfig(name);
    expect(config.name).toBe(name);
    expect(LOG_RETENTION_DAYS).toContain(config.logs.retentionDays);
  });

  it('defaults to dev when no environment is chosen', () => {
    expect(loadConfig(undefined).name).toBe('dev');
  });

  it('keeps remediation in dry-run in dev and lets it act in prod', () => {
    expect(loadConfig('dev').remediation.mode).toBe('dry-run');
    expect(loadConfig('prod').remediation.mode).toBe('enforce');
  });

  it('names the known environments when an unknown one is chosen', () => {
    expect(() => loadConfig('staging')).toThrow(
      new ConfigError('Invalid config: env must be one of dev, prod (got "staging")'),
    );
  });
});

describe('parseEnvironmentConfig', () => {
  it('fills every default from the schema so an environment file states only what differs', () => {
    const config = parseEnvironmentConfig(minimal);
    expect(config).toMatchObject({
      logs: { retentionDays: 30 },
      archive: { infrequentAccessAfterDays: 30, glacierAfterDays: 90, expireAfterDays: 730 },
      remediation: { mode: 'dry-run' },
      alerts: { critical: { emails: [], httpsEndpoints: [] }, info: { emails: [], httpsEndpoints: [] } },
    });
    expect(config.account).toBeUndefined();
  });

  it('rejects a negative retention in one line naming the field and the allowed values', () => {
    const message = errorOf({ ...minimal, logs: { retentionDays: -1 } });
    expect(message).toBe(
      'Invalid config "dev": logs.retentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, ' +
        '365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got -1)',
    );
  });

  it('accepts exactly the retention periods CloudWatch Logs accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 10_000 }), (days) => {
        const accepted = (LOG_RETENTION_DAYS as readonly number[]).includes(days);
        const parse = () => parseEnvironmentConfig({ ...minimal, logs: { retentionDays: days } });
        if (accepted) {
          expect(parse().logs.retentionDays).toBe(days);
        } else {
          expect(parse).toThrow(/logs\.retentionDays must be one of/);
        }
      }),
    );
  });

  it('lists every allowed remediation mode', () => {
    expect(errorOf({ ...minimal, remediation: { mode: 'auto' } })).toContain(
      'remediation.mode must be one of dry-run, enforce (got "auto")',
    );
  });

  it('enforces the S3 lifecycle ordering: 30 days in Standard-IA before Glacier, expiry after Glacier', () => {
    expect(
      errorOf({ ...minimal, archive: { infrequentAccessAfterDays: 45, glacierAfterDays: 60 } }),
    ).toContain('archive.glacierAfterDays must be at least infrequentAccessAfterDays + 30 = 75 (got 60)');
    expect(errorOf({ ...minimal, archive: { expireAfterDays: 90 } })).toContain(
      'archive.expireAfterDays must be greater than glacierAfterDays = 90 (got 90)',
    );
    expect(errorOf({ ...minimal, archive: { infrequentAccessAfterDays: 7 } })).toContain(
      'archive.infrequentAccessAfterDays must be at least 30 (got 7)',
    );
  });

  it('creates no service-wide anomaly monitor by default and alerts on $50 AND 20%', () => {
    // AWS allows one service-wide monitor per account: only the environment that owns it sets it.
    expect(parseEnvironmentConfig(minimal).cost).toMatchObject({
      serviceMonitor: false,
      existingMonitorArns: [],
      anomalyAbsoluteUsd: 50,
      anomalyPercent: 20,
    });
    expect(
      parseEnvironmentConfig({ ...minimal, cost: { anomalyPercent: null } }).cost.anomalyPercent,
    ).toBeNull();
  });

  it('rejects an anomaly monitor ARN that is not one, naming the expected form', () => {
    expect(
      errorOf({ ...minimal, cost: { existingMonitorArns: ['arn:aws:sns:us-east-1:123456789012:t'] } }),
    ).toContain(
      'cost.existingMonitorArns.0 must be a Cost Anomaly Detection monitor ARN (arn:aws:ce::ACCOUNT:anomalymonitor/ID)',
    );
  });

  it('reports every problem at once, on a single line', () => {
    const message = errorOf({
      ...minimal,
      tags: { owner: '' },
      alerts: { critical: { emails: ['not-an-address'], chatTopicArn: 'my-topic' }, urgent: {} },
      tracing: { samplingRate: 1.5 },
    });
    expect(message).not.toContain('\n');
    for (const expected of [
      'tags.owner must not be empty',
      'tags.costCenter is required',
      'alerts.critical.emails.0 must be an email address',
      'alerts.critical.chatTopicArn must be an SNS topic ARN',
      'alerts has unknown field "urgent"',
      'tracing.samplingRate must be between 0 and 1',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('validates monitoring overrides: signal keys and severities', () => {
    expect(
      parseEnvironmentConfig({
        ...minimal,
        monitoring: { overrides: { 'lambda/throttles': { severity: 'high' } } },
      }).monitoring.overrides,
    ).toEqual({ 'lambda/throttles': { severity: 'high' } });
    const message = errorOf({
      ...minimal,
      monitoring: {
        runbookBaseUrl: 'http://wiki',
        overrides: { Throttles: {}, 'lambda/eror': {}, 'sqs/oldest-message-age': { severity: 'urgent' } },
      },
    });
    expect(message).toContain('monitoring.runbookBaseUrl must be an https:// URL');
    // A misspelt signal would leave the alarm on: it fails, with every key the monitors accept.
    expect(message).toContain(
      'monitoring.overrides has unknown field "Throttles", "lambda/eror": must be keyed <kind>/<signal> by a signal a monitor raises, one of lambda/error-rate, lambda/errors, lambda/throttles,',
    );
    expect(message).toMatch(/sqs\/dead-letter-messages, .*, service\/health(;|$)/);
    expect(message).toContain(
      'monitoring.overrides.sqs/oldest-message-age.severity must be one of critical, high, warning, info',
    );
  });

  it('takes an override’s threshold and several thresholds by severity, and refuses a misspelt field in one', () => {
    const overrides = {
      'lambda/error-rate': { thresholds: { warning: 1, critical: 5 } },
      'sqs/oldest-message-age': { threshold: 600 },
    };
    expect(parseEnvironmentConfig({ ...minimal, monitoring: { overrides } }).monitoring.overrides).toEqual(
      overrides,
    );
    const message = errorOf({
      ...minimal,
      monitoring: { overrides: { 'lambda/errors': { treshold: 5, thresholds: { urgent: 1 } } } },
    });
    expect(message).toContain('monitoring.overrides.lambda/errors has unknown field "treshold"');
    expect(message).toContain('monitoring.overrides.lambda/errors.thresholds');
  });

  it('rejects a misspelt field instead of silently ignoring it', () => {
    expect(errorOf({ ...minimal, log: { retentionDays: 7 } })).toContain('(root) has unknown field "log"');
  });

  it('pins stacks to an account and region only when both look real', () => {
    expect(
      parseEnvironmentConfig({ ...minimal, account: '123456789012', region: 'eu-west-1' }),
    ).toMatchObject({
      account: '123456789012',
      region: 'eu-west-1',
    });
    const message = errorOf({ ...minimal, account: '1234', region: 'Europe' });
    expect(message).toContain('account must be a 12-digit AWS account id');
    expect(message).toContain('region must be an AWS region code such as eu-west-1');
  });

  it('never throws anything but a ConfigError, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        try {
          parseEnvironmentConfig(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).not.toContain('\n');
        }
      }),
    );
  });
});

describe('alerting.alarmNamePrefix', () => {
  const prod = { name: 'prod', tags: { owner: 'team-a', costCenter: 'cc-1' } };

  it('defaults to the environment’s own alarm names, vigil-<name>-', () => {
    expect(loadConfig('dev').alerting.alarmNamePrefix).toBe('vigil-dev-');
    expect(loadConfig('prod').alerting.alarmNamePrefix).toBe('vigil-prod-');
    expect(parseEnvironmentConfig({ ...minimal, name: 'stage2' }).alerting.alarmNamePrefix).toBe(
      'vigil-stage2-',
    );
  });

  it('rejects a prefix that does not start the environment’s own alarm names', () => {
    expect(errorOf({ ...prod, alerting: { alarmNamePrefix: 'vigil-production-' } })).toContain(
      `alerting.alarmNamePrefix must start this environment's alarm names, vigil-prod-… (got "vigil-production-")`,
    );
    expect(
      parseEnvironmentConfig({ ...prod, alerting: { alarmNamePrefix: 'vigil-' } }).alerting.alarmNamePrefix,
    ).toBe('vigil-');
  });

  it('rejects a prefix that takes another environment’s alarms when the two may share an account and region', () => {
    const wide = parseEnvironmentConfig({ ...prod, alerting: { alarmNamePrefix: 'vigil-' } });
    expect(() => checkAlarmNamePrefix(wide, [{ name: 'dev' }])).toThrow(ConfigError);
    expect(() => checkAlarmNamePrefix(wide, [{ name: 'dev' }])).toThrow(
      /alerting\.alarmNamePrefix "vigil-" also starts the alarm names of environment "dev" \(vigil-dev-…\)/,
    );
    // Same account, region unset on one side: they may still meet.
    const pinned = parseEnvironmentConfig({
      ...prod,
      account: '111111111111',
      alerting: { alarmNamePrefix: 'vigil-' },
    });
    expect(() => checkAlarmNamePrefix(pinned, [{ name: 'dev', account: '111111111111' }])).toThrow(
      ConfigError,
    );
    // Pinned apart: EventBridge events never cross accounts or regions by themselves.
    expect(() => checkAlarmNamePrefix(pinned, [{ name: 'dev', account: '222222222222' }])).not.toThrow();
    const inRegion = parseEnvironmentConfig({
      ...prod,
      region: 'eu-west-1',
      alerting: { alarmNamePrefix: 'vigil-' },
    });
    expect(() => checkAlarmNamePrefix(inRegion, [{ name: 'dev', region: 'us-east-1' }])).not.toThrow();
  });

  it('never finds a conflict between default prefixes: environment names have no "-"', () => {
    const dev = parseEnvironmentConfig({ ...minimal, name: 'dev' });
    expect(() =>
      checkAlarmNamePrefix(dev, [{ name: 'dev2' }, { name: 'de' }, { name: 'prod' }]),
    ).not.toThrow();
    for (const environment of ENVIRONMENTS) {
      expect(() => loadConfig(environment.name)).not.toThrow();
    }
  });
});
