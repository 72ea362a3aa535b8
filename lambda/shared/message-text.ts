/** Text helpers for every message Vigil sends: cutting to a size, one-line fields, SNS subjects. */

/**
 * `text` cut to at most `maxLength` UTF-16 code units, ending with `ellipsis` when it was cut. It cuts
 * between grapheme clusters, so no surrogate pair, emoji sequence or accented letter is split, and
 * at a space when one is near the end, so the last word reads whole.
 */
export function truncateText(text: string, maxLength: number, ellipsis = '…'): string {
  if (text.length <= maxLength) return text;
  const room = maxLength - ellipsis.length;
  if (room <= 0) return ellipsis.slice(0, Math.max(0, maxLength));
  const end = graphemeBoundaryAtOrBefore(text, room);
  const space = text.lastIndexOf(' ', end);
  const cut = space > end - WORD_LOOKBACK && space > 0 ? space : end;
  return `${text.slice(0, cut).trimEnd()}${ellipsis}`;
}

/** A word longer than this is cut inside rather than losing most of the room. */
const WORD_LOOKBACK = 20;

/** Clusters longer than this are pathological; looking this far back keeps cutting long texts cheap. */
const CLUSTER_LOOKBACK = 64;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function graphemeBoundaryAtOrBefore(text: string, position: number): number {
  const start = Math.max(0, position - CLUSTER_LOOKBACK);
  let boundary = start;
  for (const { index, segment } of graphemes.segment(text.slice(start, position + CLUSTER_LOOKBACK))) {
    const end = start + index + segment.length;
    if (end > position) break;
    boundary = end;
  }
  // Only reachable through a cluster longer than the lookback: still never split a surrogate pair.
  const code = text.charCodeAt(boundary - 1);
  return code >= 0xd800 && code <= 0xdbff ? boundary - 1 : boundary;
}

/** Line breaks and control characters would break a subject or a list item. */
export function oneLine(text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

/** SNS wants a subject "less than 100 characters long". */
const SUBJECT_MAX_LENGTH = 99;

/**
 * SNS rejects the whole publish for a subject with control or non-ASCII characters: accents are
 * dropped (é becomes e), anything else non-ASCII becomes `?`.
 */
export function snsSubject(subject: string): string {
  const ascii = oneLine(subject)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7E]/gu, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  return truncateText(ascii || 'Vigil alert', SUBJECT_MAX_LENGTH, '...');
}
