import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AnyClient, type AwsClients, createAwsClients } from '../../lambda/shared/aws-clients';

/** Answers one AWS API call from the loop's local state; throws as the service would. */
// biome-ignore lint/suspicious/noExplicitAny: each answer reads its own command's input shape.
export type LocalAnswer = (input: any) => unknown;

export const LOCAL_REGION = 'eu-west-1';
const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCALLOOP', secretAccessKey: 'local-loop' };

/**
 * The AWS the handlers see: DynamoDB is a real local API (dynalite, over HTTP); every other call is
 * answered in-process by a stand-in registered with {@link on}, keyed `Service.Operation`
 * (`CloudWatch.GetMetricData`). A call with no stand-in never reaches the network: it fails as an
 * unreachable service would, and is reported once by name ({@link unsupported}).
 */
export class LocalAws {
  private readonly answers = new Map<string, LocalAnswer>();
  private readonly missing = new Set<string>();

  on(operation: string, answer: LocalAnswer): this {
    this.answers.set(operation, answer);
    return this;
  }

  /** The stand-in registered for `operation`, for a scenario that wraps it (e.g. to inject an outage). */
  answer(operation: string): LocalAnswer {
    const answer = this.answers.get(operation);
    if (!answer) throw new Error(`no stand-in registered for ${operation}`);
    return answer;
  }

  /** Every call made that had no stand-in, in the order first seen. */
  get unsupported(): readonly string[] {
    return [...this.missing];
  }

  /**
   * The functions' clients, as `createAwsClients` makes them for Lambda, pointed at the stand-ins.
   * `region` is where the function runs (AWS_REGION): it shows in what the clients sign, such as a
   * presigned URL's host.
   */
  clients(dynamoDbEndpoint: string, region: string = LOCAL_REGION): AwsClients {
    return createAwsClients({
      region,
      credentials: LOCAL_CREDENTIALS,
      dynamoDbEndpoint,
      onCreate: (client) => {
        if (!(client instanceof DynamoDBClient)) this.answerLocally(client);
      },
    });
  }

  /** A first middleware that answers without sending anything. */
  private answerLocally(client: AnyClient): void {
    (
      client as unknown as { middlewareStack: { add: (middleware: unknown, options: unknown) => void } }
    ).middlewareStack.add(
      (_next: unknown, context: { clientName: string; commandName: string }) =>
        async (args: { input: unknown }): Promise<unknown> => {
          const { clientName, commandName } = context;
          const operation = `${clientName.replace(/Client$/, '')}.${commandName.replace(/Command$/, '')}`;
          const answer = this.answers.get(operation);
          if (!answer) {
            this.missing.add(operation);
            throw Object.assign(new Error(`${operation} has no local stand-in`), {
              name: 'LocalStandInMissing',
            });
          }
          const output = await answer(args.input);
          return { output: { $metadata: {}, ...(output as object) }, response: {} };
        },
      { step: 'initialize', priority: 'high', name: 'vigilLocalLoop' },
    );
  }
}
