import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { lintAlarms } from '../../constructs/alarm-lint/alarm-lint';
import { UPLOADER_INDEX } from '../../constructs/contracts/predictor';
import { alarmsByName, description, expression, query } from '../support/alarm-template';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const SITE = 'https://uploads.example.org';
const config = configWith({
  predictor: {
    dataRetentionDays: 14,
    uploadSite: {
      callbackUrls: [`${SITE}/callback`, `${SITE}/`, 'http://localhost:4781/'],
      domainPrefix: 'vigil-test-uploads',
      uploadExpiryDays: 2,
    },
  },
});
const { app, stacks } = vigilStacks(config, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION);
const template = Template.fromStack(stacks.predictor);

// The shipped defaults: no callback URLs configured, self sign-up off, uploads kept one day.
const defaults = Template.fromStack(
  vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).stacks.predictor,
);

function only(source: Template, type: string) {
  const resources = Object.entries(source.findResources(type));
  expect(resources).toHaveLength(1);
  const [id, resource] = resources[0] ?? [];
  return { id: id ?? '', properties: resource?.Properties };
}

describe('user pool of the people who upload', () => {
  it('lets only administrators create users, by email, with a strong password and optional TOTP', () => {
    const pool = only(template, 'AWS::Cognito::UserPool');
    expect(pool.properties).toMatchObject({
      UserPoolName: 'vigil-test-predictor-uploaders',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'ESSENTIALS',
      DeletionProtection: 'ACTIVE',
    });
    // Threat protection needs the Plus plan: not set at all.
    expect(pool.properties.UserPoolAddOns).toBeUndefined();
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('has self sign-up off by default, and on only when configured', () => {
    expect(only(defaults, 'AWS::Cognito::UserPool').properties.AdminCreateUserConfig).toEqual({
      AllowAdminCreateUserOnly: true,
    });
    const open = vigilStacks(
      configWith({ predictor: { uploadSite: { selfSignUp: true } } }),
      WITHOUT_BUNDLING,
      WITHOUT_CFN_VALIDATION,
    ).stacks.predictor;
    expect(only(Template.fromStack(open), 'AWS::Cognito::UserPool').properties.AdminCreateUserConfig).toEqual(
      {
        AllowAdminCreateUserOnly: false,
      },
    );
  });

  it('outputs the pool and client ids an administrator and the site need', () => {
    const pool = only(template, 'AWS::Cognito::UserPool').id;
    const client = only(template, 'AWS::Cognito::UserPoolClient').id;
    template.hasOutput('UploadUserPoolId', { Value: { Ref: pool } });
    template.hasOutput('UploadSiteClientId', { Value: { Ref: client } });
  });

  it('gets the configured Cognito domain prefix, and no domain when none is configured', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'vigil-test-uploads' });
    defaults.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
  });
});

describe('the site client', () => {
  it('is public and signs in with the authorization code grant only, to the configured URLs', () => {
    const client = only(template, 'AWS::Cognito::UserPoolClient');
    expect(client.properties).toMatchObject({
      ClientName: 'vigil-test-predictor-upload-site',
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [`${SITE}/callback`, `${SITE}/`, 'http://localhost:4781/'],
      LogoutURLs: [`${SITE}/callback`, `${SITE}/`, 'http://localhost:4781/'],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43_200,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('sends the browser back only to the local console when no callback URL is configured', () => {
    expect(only(defaults, 'AWS::Cognito::UserPoolClient').properties).toMatchObject({
      CallbackURLs: ['http://localhost:4781/'],
      LogoutURLs: ['http://localhost:4781/'],
    });
  });
});

describe('the HTTP API', () => {
  const routes = () =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
  const authorizer = () => only(template, 'AWS::ApiGatewayV2::Authorizer');

  it('keeps IAM authorization on the four machine routes', () => {
    const machine = routes().filter((route) => route.AuthorizationType === 'AWS_IAM');
    expect(machine.map((route) => route.RouteKey).sort()).toEqual(
      ['GET /health', 'GET /results/{id}', 'POST /predict', 'POST /uploads'].sort(),
    );
    for (const route of machine) expect(route.AuthorizerId).toBeUndefined();
  });

  it('puts the site client’s JWT authorizer on exactly the three /app routes', () => {
    const site = routes().filter((route) => route.AuthorizationType === 'JWT');
    expect(site.map((route) => route.RouteKey).sort()).toEqual(
      ['GET /app/results/{id}', 'GET /app/uploads', 'POST /app/uploads'].sort(),
    );
    for (const route of site) expect(route.AuthorizerId).toEqual({ Ref: authorizer().id });
    expect(routes()).toHaveLength(7);
  });

  it('accepts tokens of the user pool issued to the site client, from the Authorization header', () => {
    const pool = only(template, 'AWS::Cognito::UserPool').id;
    const client = only(template, 'AWS::Cognito::UserPoolClient').id;
    expect(authorizer().properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': [
            '',
            ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: pool }],
          ],
        },
        Audience: [{ Ref: client }],
      },
    });
  });

  it('answers CORS for the site origins only, with the token and JSON headers', () => {
    expect(only(template, 'AWS::ApiGatewayV2::Api').properties.CorsConfiguration).toEqual({
      AllowOrigins: stacks.predictor.siteOrigins,
      AllowHeaders: ['Authorization', 'Content-Type'],
      AllowMethods: ['GET', 'POST', 'OPTIONS'],
      MaxAge: 3600,
    });
    expect(stacks.predictor.siteOrigins).toEqual([SITE, 'http://localhost:4781']);
    expect(only(defaults, 'AWS::ApiGatewayV2::Api').properties.CorsConfiguration.AllowOrigins).toEqual([
      'http://localhost:4781',
    ]);
  });

  it('has no OPTIONS or catch-all route a preflight could meet an authorizer on', () => {
    for (const route of routes()) expect(route.RouteKey).toMatch(/^(GET|POST) \//);
  });
});

describe('uploads by uploader', () => {
  const table = () => only(template, 'AWS::DynamoDB::Table');

  it('indexes the results table by uploader and creation time, newest readable first', () => {
    expect(table().properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: UPLOADER_INDEX.indexName,
        KeySchema: [
          { AttributeName: 'uploaderSub', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table().properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'uploaderSub', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ]),
    );
  });

  it('lets the API function Query only that index, and no other role Query at all', () => {
    const statements = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => [statement.Action].flat().some((action) => action.includes('dynamodb:Query')))
        .map((statement) => ({ id, statement })),
    );
    const apiRole = stacks.predictor.getLogicalId(
      stacks.predictor.api.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnElement,
    );
    expect(statements).toEqual([
      {
        id: apiRole,
        statement: {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [table().id, 'Arn'] }, `/index/${UPLOADER_INDEX.indexName}`]],
          },
        },
      },
    ]);
  });
});

describe('the data bucket', () => {
  const bucket = () => only(template, 'AWS::S3::Bucket').properties;

  it('expires uploads after the configured days and results after the retention, each under its prefix', () => {
    expect(bucket().LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'expire-uploads',
        Prefix: 'uploads/',
        ExpirationInDays: 2,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      },
      {
        Id: 'expire-results',
        Prefix: 'results/',
        ExpirationInDays: 14,
        NoncurrentVersionExpiration: { NoncurrentDays: config.archive.noncurrentVersionExpireDays },
        Status: 'Enabled',
      },
      {
        Id: 'abort-incomplete-multipart-uploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
    ]);
  });

  it('expires uploads after one day by default', () => {
    const rules = only(defaults, 'AWS::S3::Bucket').properties.LifecycleConfiguration.Rules;
    expect(rules[0]).toMatchObject({ Prefix: 'uploads/', ExpirationInDays: 1 });
  });

  it('answers CORS only for the site origins: presigned PUT with its Content-Type, and GET', () => {
    expect(bucket().CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: [SITE, 'http://localhost:4781'],
          AllowedMethods: ['PUT', 'GET'],
          AllowedHeaders: ['Content-Type'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3000,
        },
      ],
    });
    expect(
      only(defaults, 'AWS::S3::Bucket').properties.CorsConfiguration.CorsRules[0].AllowedOrigins,
    ).toEqual(['http://localhost:4781']);
  });
});

describe('sign-in monitoring', () => {
  const name = 'vigil-test-predictor-upload-users-sign-in-failure-rate';
  const alarm = alarmsByName(template).get(name);
  const pool = only(template, 'AWS::Cognito::UserPool').id;
  const client = only(template, 'AWS::Cognito::UserPoolClient').id;

  it('alarms when most sign-in attempts fail, from 10 attempts in 5 minutes', () => {
    expect(alarm).toMatchObject({
      Threshold: 50,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(expression(alarm)).toBe('IF(attempts >= 10, 100 * (attempts - successes) / attempts, 0)');
    for (const [id, stat] of [
      ['attempts', 'SampleCount'],
      ['successes', 'Sum'],
    ] as const) {
      expect(query(alarm, id)?.MetricStat).toEqual({
        Metric: {
          Namespace: 'AWS/Cognito',
          MetricName: 'SignInSuccesses',
          Dimensions: [
            { Name: 'UserPool', Value: { Ref: pool } },
            { Name: 'UserPoolClient', Value: { Ref: client } },
          ],
        },
        Period: 300,
        Stat: stat,
      });
    }
  });

  it('is a warning made through the predictor service, with its summary and threshold reason', () => {
    expect(description(alarm)).toMatchObject({
      severity: 'warning',
      service: 'predictor',
      summary: expect.stringContaining('sign-ins to the upload site fail'),
      threshold: expect.stringContaining('more than 50% of sign-in attempts, from 10 attempts per 5 minutes'),
    });
    expect(description(alarm)).toMatchObject({ resource: 'upload-users', signal: 'sign-in-failure-rate' });
  });

  it('passes the alarm lint', () => {
    expect(lintAlarms(app).filter((message) => message.includes('upload-users'))).toEqual([]);
  });
});
