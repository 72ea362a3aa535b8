import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { LocalLambdaFunction } from './lambda-aliases';
import type { LocalAws } from './local-aws';

/**
 * S3, Secrets Manager and CloudTrail as far as the loop's functions use them (SNS is sns-stand-in.ts,
 * SQS local-sqs.ts): objects are kept in memory, every secret is a value generated for this run, and
 * CloudTrail lists the alias changes the run made to the watched functions.
 */
export function standInServices(aws: LocalAws, watched: readonly LocalLambdaFunction[]) {
  const objects = new Map<string, Uint8Array | string>();
  // What S3 answers a GET with besides the body (the results are gzip-encoded NDJSON).
  const metadata = new Map<string, { ContentType?: string; ContentEncoding?: string }>();
  const secret = randomUUID();

  aws.on(
    'S3.PutObject',
    (input: {
      Bucket: string;
      Key: string;
      Body: Uint8Array | string;
      ContentType?: string;
      ContentEncoding?: string;
    }) => {
      objects.set(`${input.Bucket}/${input.Key}`, input.Body);
      metadata.set(`${input.Bucket}/${input.Key}`, {
        ContentType: input.ContentType,
        ContentEncoding: input.ContentEncoding,
      });
      return { ETag: `"${randomUUID()}"` };
    },
  );
  aws.on('S3.GetObject', (input: { Bucket: string; Key: string }) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`);
    if (body === undefined) {
      throw Object.assign(new Error('The specified key does not exist.'), {
        name: 'NoSuchKey',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
      });
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    return {
      Body: Readable.from([bytes]),
      ContentLength: bytes.length,
      ...metadata.get(`${input.Bucket}/${input.Key}`),
    };
  });
  // S3 answers a delete of a missing key 204 too (S3 API reference, DeleteObject).
  aws.on('S3.DeleteObject', (input: { Bucket: string; Key: string }) => {
    objects.delete(`${input.Bucket}/${input.Key}`);
    metadata.delete(`${input.Bucket}/${input.Key}`);
    return {};
  });
  aws.on('SecretsManager.GetSecretValue', () => ({ SecretString: secret }));
  aws.on('CloudTrail.LookupEvents', (input: { LookupAttributes?: { AttributeValue?: string }[] }) => {
    const resource = input.LookupAttributes?.[0]?.AttributeValue;
    const fn = watched.find(
      (candidate) =>
        candidate.names(resource) || resource === `${candidate.functionName}:${candidate.aliasName}`,
    );
    const events =
      fn !== undefined
        ? fn.changes.map((change) => ({
            EventId: randomUUID(),
            // Lambda's API versions as CloudTrail names its events (Lambda developer guide,
            // "Logging Lambda API calls using AWS CloudTrail").
            EventName:
              change.version === undefined ? 'PutFunctionConcurrency20171031' : 'UpdateAlias20150331',
            EventTime: new Date(change.at),
            Username: change.by,
            EventSource: 'lambda.amazonaws.com',
            CloudTrailEvent: JSON.stringify({
              readOnly: false,
              requestParameters:
                change.version === undefined
                  ? { reservedConcurrentExecutions: change.reservedConcurrency }
                  : { functionVersion: change.version },
            }),
          }))
        : [];
    return { Events: events.reverse() };
  });
  return { objects };
}
