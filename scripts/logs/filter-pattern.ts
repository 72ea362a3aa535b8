/**
 * `--filter TEXT` as a CloudWatch Logs filter pattern: one term, always in double quotes. The filter
 * pattern syntax page ("Filter pattern syntax for metric filters, subscription filters, filter log
 * events, and Live Tail") has exact phrases and terms with non-alphanumeric characters enclosed in
 * double quotes, and unquoted text is read as syntax (`?term` is OR, `-term` excludes, `{…}` is a JSON
 * pattern, `[…]` a space-delimited one, `%…%` a regular expression). A quote or backslash inside is
 * escaped with a backslash, as aws-cdk-lib's `FilterPattern.allTerms` quotes a term.
 */
export function filterPatternFor(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The local stand-in for that pattern: the message contains the text (filter patterns are
 * case-sensitive). CloudWatch Logs matches a quoted phrase against the message's terms; for a phrase
 * within one line of text the two agree, and a local run is only ever read this way.
 */
export function matchesFilter(message: string, text: string | undefined): boolean {
  return text === undefined || message.includes(text);
}
