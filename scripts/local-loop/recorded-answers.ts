import {
  OPERATIONS,
  type Operation,
  type RecordedExchange,
  type Recording,
  RecordingReplay,
} from '../../lambda/cost-report/recording/recorded-exchanges';
import type { LocalAws } from './local-aws';

export type { Recording } from '../../lambda/cost-report/recording/recorded-exchanges';

/** One answered call, for the timeline. */
export interface AnsweredCall {
  /** `Service.Operation`, as {@link LocalAws.on} keys it (`CostExplorer.GetCostAndUsage`). */
  readonly operation: string;
  /** The request as recorded, page token included. */
  readonly request: Record<string, unknown>;
  /** 1-based. */
  readonly page: number;
  readonly pages: number;
  readonly answer: Record<string, unknown>;
  /** The exchange's file in the recording. */
  readonly file: string;
}

/**
 * Answers Cost Explorer and Budgets from a recording (one file per request, see
 * lambda/cost-report/recording/recorded-exchanges.ts), by request: the same replay the
 * `npm run cost-report -- --fixture` CLI uses. Every operation a recording can hold is answered —
 * one it does not record fails with the API's own missing-data error and is listed in
 * {@link unrecorded} — so a run never answers with a shape made up here.
 */
export function answerFromRecording(
  aws: LocalAws,
  recording: Recording,
  onAnswer: (call: AnsweredCall) => void = () => {},
) {
  const replay = new RecordingReplay(recording);
  for (const [operation, service] of Object.entries(OPERATIONS) as [Operation, string][]) {
    aws.on(`${service}.${operation}`, (input: Record<string, unknown>) => {
      const { output, call } = replay.answer(operation, input);
      onAnswer({
        operation: `${service}.${operation}`,
        request: call.exchange.input,
        page: call.page,
        pages: call.pages,
        answer: output,
        file: call.exchange.file,
      });
      return output;
    });
  }
  return {
    /** Calls the recording could not answer, each with the error it got. */
    unrecorded: replay.unrecorded,
    /** Recorded exchanges no call asked for. */
    unasked: (): RecordedExchange[] => replay.unasked(),
  };
}
