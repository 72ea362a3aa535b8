import { h } from './dom';
import { type PlainError, scorerError } from './error-text';
import type { UploadView } from './site-api';

const COUNT = new Intl.NumberFormat('en');
const PERCENT = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const WHEN = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

const STATUS_WORDS: Record<UploadView['status'], string> = {
  PENDING: 'Scoring…',
  SUCCEEDED: 'Scored',
  PARTIAL: 'Scored, some rows rejected',
  FAILED: 'Failed',
};

/** Whether the scorer is done with an upload. */
export function isFinal(upload: UploadView): boolean {
  return upload.status !== 'PENDING';
}

/** A refusal: the plain words first, the system's own message under them. */
export function errorBox(plain: PlainError, detail?: string): HTMLElement {
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('strong', {}, plain.title),
    h('p', {}, plain.advice),
    detail !== undefined && detail !== '' && h('p', { class: 'detail' }, detail),
  );
}

/** One upload's result page: status, headline numbers, rejected rows, the download, or the error. */
export function resultView(upload: UploadView): HTMLElement {
  const { summary } = upload;
  const figures: [string, string | undefined][] = [
    ['Rows read', summary.rows === undefined ? undefined : COUNT.format(summary.rows)],
    ['Scored', summary.scored === undefined ? undefined : COUNT.format(summary.scored)],
    ['Rejected', summary.rejected === undefined ? undefined : COUNT.format(summary.rejected)],
    [
      'Mean arrest probability',
      summary.meanProbability === undefined ? undefined : PERCENT.format(summary.meanProbability),
    ],
    ['Model', summary.modelVersion],
  ];
  const samples = upload.rejectedSamples ?? [];
  return h(
    'section',
    { class: 'result', 'data-status': upload.status },
    h('h2', {}, upload.fileName ?? upload.uploadId),
    h('p', { class: `status status-${upload.status.toLowerCase()}` }, STATUS_WORDS[upload.status]),
    !isFinal(upload) && h('progress', { 'aria-label': 'Scoring' }),
    upload.error && errorBox(scorerError(upload.error.code), upload.error.message),
    isFinal(upload) &&
      h(
        'dl',
        { class: 'figures' },
        ...figures
          .filter((figure): figure is [string, string] => figure[1] !== undefined)
          .flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
      ),
    upload.resultsUrl !== undefined &&
      h(
        'p',
        {},
        h('a', { class: 'button', href: upload.resultsUrl, download: true }, 'Download the scored rows'),
      ),
    upload.resultsUrl !== undefined &&
      h(
        'p',
        { class: 'muted' },
        'One JSON line per crime: its ID and the probability of an arrest.',
        upload.resultsExpireAt !== undefined &&
          ` Kept until ${WHEN.format(new Date(upload.resultsExpireAt))}.`,
      ),
    upload.resultsUrl === undefined &&
      upload.resultsExpireAt !== undefined &&
      (upload.status === 'SUCCEEDED' || upload.status === 'PARTIAL') &&
      h(
        'p',
        { class: 'muted' },
        `The scored rows were deleted on ${WHEN.format(new Date(upload.resultsExpireAt))}, as every result is after a while. Upload the file again to score it again.`,
      ),
    samples.length > 0 &&
      h(
        'details',
        { open: upload.status === 'FAILED' },
        h('summary', {}, `Examples of rejected rows (${samples.length})`),
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Line'), h('th', {}, 'ID'), h('th', {}, 'Column'), h('th', {}, 'Why')),
          ),
          h(
            'tbody',
            {},
            ...samples.map((sample) =>
              h(
                'tr',
                {},
                h('td', {}, String(sample.line)),
                h('td', {}, sample.id ?? '—'),
                h('td', {}, sample.column),
                h('td', {}, sample.reason),
              ),
            ),
          ),
        ),
      ),
    h('p', { class: 'muted' }, `Uploaded ${WHEN.format(new Date(upload.createdAt))} · id ${upload.uploadId}`),
  );
}

/** The signed-in person's recent uploads, newest first, each linking to its result. */
export function recentList(uploads: readonly UploadView[]): HTMLElement {
  if (uploads.length === 0) return h('p', { class: 'muted' }, 'No uploads yet.');
  return h(
    'ul',
    { class: 'uploads' },
    ...uploads.map((upload) =>
      h(
        'li',
        { 'data-status': upload.status },
        h('a', { href: `/results/${upload.uploadId}` }, upload.fileName ?? upload.uploadId),
        ' ',
        h('span', { class: `status status-${upload.status.toLowerCase()}` }, STATUS_WORDS[upload.status]),
        upload.summary.scored !== undefined && ` · ${COUNT.format(upload.summary.scored)} scored`,
        ' · ',
        h('time', { datetime: upload.createdAt }, WHEN.format(new Date(upload.createdAt))),
      ),
    ),
  );
}
