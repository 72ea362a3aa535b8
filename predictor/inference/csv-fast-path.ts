import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { type LineBreak, MAX_ROW_CHARS } from './csv-rows';

/** One parsed row as the scorer reads it. */
export interface CsvRowCursor {
  /** Moves to the next row; false when the rows available so far are used up. */
  next(): boolean;
  /**
   * The row's fields. Only those the scorer reads are guaranteed to be set (every field of the
   * header row); a position past the row's last field is undefined.
   */
  readonly fields: readonly (string | undefined)[];
  /** How many fields the row has, whether or not each was decoded. */
  readonly fieldCount: number;
  /** One field's text (one the scorer reads, or any of the header's); undefined past the last field. */
  field(position: number): string | undefined;
  /** The data row's fields as spans of bytes, when the parser has them: reading them costs no string. */
  readonly spans: FieldSpans | undefined;
}

/**
 * A data row's fields as byte spans: field `i` is `bytes[starts[i]..ends[i])`, without its quotes.
 * Every field the scorer reads is valid UTF-8.
 */
export interface FieldSpans {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Per field: 0 for an unquoted field of ASCII bytes, else a combination of the FIELD_ flags. */
  readonly flags: Uint8Array;
}

/** The field has a byte of 0x80 or above (seen when scanning; a quoted field is not scanned). */
export const FIELD_NON_ASCII = 1;
/** The field was quoted. */
export const FIELD_QUOTED = 2;
/** The field holds doubled quotes, which its text has as one. */
export const FIELD_DOUBLED_QUOTES = 4;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

// What a byte means to the scan of an unquoted field: most bytes mean nothing and are skipped by
// one table look-up; a byte of 0x80 or above is noted, because only then can decoding differ from
// latin1 (and invalid UTF-8 is left to the reference parser).
const ORDINARY = 0;
const FIELD_END = 1;
const LINE_END = 2;
const NON_ASCII = 3;
const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[COMMA] = FIELD_END;
BYTE_CLASS[LINE_FEED] = LINE_END;
BYTE_CLASS.fill(NON_ASCII, 0x80);

const TEXT_WINDOW_BYTES = 8 * 1024;

enum Step {
  Row,
  NeedMore,
  Decline,
}

/**
 * The scorer's CSV parser: it scans bytes for field boundaries and hands the row over as byte
 * spans; it decodes a data row's fields only when asked, and then only those the model reads. A
 * row costs no row array, no string unless asked for, and no UTF-8 decoding of the whole file. It reproduces papaparse (as `csv-rows.ts` configures it) exactly: the same rows,
 * fields, blank-line skipping, line-break choice and 1 MiB row limit.
 *
 * It handles RFC 4180 files: quoted fields with commas, doubled quotes and line breaks, LF or CRLF,
 * a byte-order mark, a last row without a line break, quotes inside unquoted fields (literal, as
 * papaparse reads them). It DECLINES, from the start of the row concerned to the end of the file,
 * what papaparse reads by rules of its own: a closing quote followed by anything but a comma or the
 * line break (papaparse skips spaces there, or keeps looking), a quote never closed, a field read
 * by the model that is not valid UTF-8 (decoding it alone could differ from decoding the stream),
 * and a row over 1 MiB. {@link declined} then says so and {@link rest} gives the bytes from that
 * row on, for papaparse to parse with the same line break. The export itself never declines.
 */
export class FastCsvRows implements CsvRowCursor, FieldSpans {
  fieldCount = 0;
  declined = false;

  // The header row, while it is the current row.
  private header: readonly string[] | undefined;
  // Data rows reuse one array, so a row costs only the strings of the fields the model reads, and
  // only when they are asked for.
  private readonly rowFields: (string | undefined)[] = [];
  private rowDecoded = false;
  private rowEnd = 0;
  // Where the current row starts: its fields are decoded after next() has moved past it.
  private currentRow = 0;

  private pending: Buffer = Buffer.alloc(0);
  // The pending bytes read four at a time (DataView reads at any offset).
  private words: DataView = new DataView(new ArrayBuffer(0));
  private joined: Buffer = Buffer.alloc(0);
  // A window of the pending bytes as latin1 text, from byte textStart: an ASCII field is then a
  // substring, which costs far less than a call into Buffer per field. Windows are a few KiB, not
  // the whole chunk: a string that large is allocated outside the young generation and costs
  // about ten times as much per byte.
  private text = '';
  private textStart = 0;
  private rowStart = 0;
  private final = false;
  private lineBreak: LineBreak | undefined;
  // Until the file's first character is complete, its line break cannot be decided as papaparse's
  // caller decides it (from the first non-empty text chunk).
  private readonly firstText = new StringDecoder('utf8');
  private wanted: readonly number[] | undefined;
  private fieldStarts = new Int32Array(64);
  private fieldEnds = new Int32Array(64);
  private fieldFlags = new Uint8Array(64);

  /** `columnsToDecode` names the positions to decode in every row after the header. */
  constructor(private readonly columnsToDecode: (header: readonly string[]) => readonly number[]) {}

  get fields(): readonly (string | undefined)[] {
    if (this.header !== undefined) return this.header;
    if (!this.rowDecoded) this.decodeWanted();
    return this.rowFields;
  }

  field(position: number): string | undefined {
    if (this.header !== undefined) return this.header[position];
    if (this.rowDecoded) return this.rowFields[position];
    return position < this.fieldCount ? this.decode(position) : undefined;
  }

  get spans(): FieldSpans | undefined {
    return this.wanted === undefined || this.header !== undefined ? undefined : this;
  }

  get bytes(): Uint8Array {
    return this.pending;
  }

  get starts(): Int32Array {
    return this.fieldStarts;
  }

  get ends(): Int32Array {
    return this.fieldEnds;
  }

  get flags(): Uint8Array {
    return this.fieldFlags;
  }

  /** The file's line break, once decided. */
  get fileLineBreak(): LineBreak | undefined {
    return this.lineBreak;
  }

  /** Adds the next chunk of bytes; the row cut at the end of the previous one continues in it. */
  push(chunk: Buffer): void {
    const carried = this.pending.length - this.rowStart;
    if (carried === 0) {
      this.pending = chunk;
    } else {
      // The cut row and the chunk are joined in one buffer kept for the whole file: a new buffer
      // per chunk would be garbage the size of the chunk, which V8 frees only when it collects,
      // and a row costs too little garbage now for that to happen soon.
      const size = carried + chunk.length;
      if (this.joined.length < size) {
        const larger = Buffer.allocUnsafe(Math.max(size, 2 * this.joined.length));
        this.pending.copy(larger, 0, this.rowStart);
        this.joined = larger;
      } else {
        // Buffer.copy moves overlapping bytes correctly (the cut row may already be in `joined`).
        this.pending.copy(this.joined, 0, this.rowStart);
      }
      chunk.copy(this.joined, carried);
      this.pending = this.joined.subarray(0, size);
    }
    this.words = new DataView(this.pending.buffer, this.pending.byteOffset, this.pending.byteLength);
    this.text = '';
    this.textStart = 0;
    this.rowStart = 0;
    if (this.lineBreak === undefined && this.firstText.write(chunk).length > 0) {
      this.lineBreak = lineBreakOf(this.pending);
    }
  }

  /** Marks the end of the file: the last row may lack a line break. */
  end(): void {
    this.final = true;
    if (this.lineBreak === undefined && this.firstText.end().length > 0) this.lineBreak = '\n';
  }

  /** The bytes from the row it declined on, to the end of what was pushed. */
  rest(): Buffer {
    return this.pending.subarray(this.rowStart);
  }

  next(): boolean {
    if (this.declined || this.lineBreak === undefined) return false;
    for (;;) {
      if (this.rowStart >= this.pending.length) return false;
      const step = this.scanRow();
      if (step === Step.NeedMore) {
        if (this.pending.length - this.rowStart > MAX_ROW_CHARS) this.declined = true;
        return false;
      }
      if (step === Step.Decline) {
        this.declined = true;
        return false;
      }
      this.currentRow = this.rowStart;
      const outcome = this.checkRow();
      if (outcome === Step.Decline) {
        this.declined = true;
        return false;
      }
      this.rowStart = this.rowEnd;
      if (outcome === Step.Row) return true;
    }
  }

  /** Finds the boundaries of the row at rowStart; sets fieldCount and rowEnd. */
  private scanRow(): Step {
    const bytes = this.pending;
    const words = this.words;
    const end = bytes.length;
    const crlf = this.lineBreak === '\r\n';
    let at = this.rowStart;
    let field = 0;
    for (; ; field++) {
      if (field === this.fieldStarts.length) this.grow();
      if (at < end && bytes[at] === QUOTE) {
        // A quoted field: the first quote not doubled closes it, and must be followed by a comma,
        // the line break or the end of the file.
        let flags = FIELD_QUOTED;
        let quote = at;
        for (;;) {
          quote = bytes.indexOf(QUOTE, quote + 1);
          if (quote === -1) return this.final ? Step.Decline : Step.NeedMore;
          if (quote === end - 1) {
            if (!this.final) return Step.NeedMore;
            this.record(field, at + 1, quote, flags);
            this.fieldCount = field + 1;
            this.rowEnd = end;
            return Step.Row;
          }
          if (bytes[quote + 1] === QUOTE) {
            flags = FIELD_QUOTED | FIELD_DOUBLED_QUOTES;
            quote++;
            continue;
          }
          break;
        }
        this.record(field, at + 1, quote, flags);
        const after = bytes[quote + 1];
        if (after === COMMA) {
          at = quote + 2;
          continue;
        }
        if (!crlf && after === LINE_FEED) return this.endRow(field, quote + 2);
        if (crlf && after === CARRIAGE_RETURN) {
          if (quote + 2 === end) return this.final ? Step.Decline : Step.NeedMore;
          if (bytes[quote + 2] === LINE_FEED) return this.endRow(field, quote + 3);
        }
        return Step.Decline;
      }
      // An unquoted field runs to the next comma or line break; a quote inside it is literal.
      let flags = 0;
      let scan = at;
      for (;;) {
        // Four bytes at a time while none of them is a comma, a line feed or ≥ 0x80.
        while (scan + 4 <= end && !hasSpecialByte(words.getUint32(scan, true))) scan += 4;
        while (scan < end && BYTE_CLASS[bytes[scan] as number] === ORDINARY) scan++;
        if (scan === end) {
          if (!this.final) return Step.NeedMore;
          this.record(field, at, end, flags);
          return this.endRow(field, end);
        }
        const kind = BYTE_CLASS[bytes[scan] as number];
        if (kind === NON_ASCII) {
          flags = FIELD_NON_ASCII;
          scan++;
          continue;
        }
        if (kind === FIELD_END) {
          this.record(field, at, scan, flags);
          at = scan + 1;
          break;
        }
        // A line feed: the line break, unless the file's is CRLF and no carriage return precedes it.
        if (!crlf) {
          this.record(field, at, scan, flags);
          return this.endRow(field, scan + 1);
        }
        if (scan > at && bytes[scan - 1] === CARRIAGE_RETURN) {
          this.record(field, at, scan - 1, flags);
          return this.endRow(field, scan + 1);
        }
        scan++;
      }
    }
  }

  private record(field: number, start: number, end: number, flags: number): void {
    this.fieldStarts[field] = start;
    this.fieldEnds[field] = end;
    this.fieldFlags[field] = flags;
  }

  private endRow(lastField: number, rowEnd: number): Step {
    this.fieldCount = lastField + 1;
    this.rowEnd = rowEnd;
    return Step.Row;
  }

  /**
   * Decodes the header row, and checks that a data row's fields the model reads can be decoded as
   * the reference decodes the stream (they are decoded when asked for). Returns NeedMore for a
   * blank line, which is skipped as papaparse's caller skips it.
   */
  private checkRow(): Step {
    const count = this.fieldCount;
    if (count === 1) {
      const only = this.decode(0);
      if (only === undefined) return Step.Decline;
      if (only.trim() === '') return Step.NeedMore;
    }
    this.header = undefined;
    const wanted = this.wanted;
    if (wanted === undefined) {
      const header: string[] = new Array(count);
      for (let field = 0; field < count; field++) {
        const text = this.decode(field);
        if (text === undefined) return Step.Decline;
        header[field] = text;
      }
      this.header = header;
      this.wanted = this.columnsToDecode(header);
      return Step.Row;
    }
    for (const position of wanted) {
      if (position < count && this.fieldFlags[position] !== 0 && !this.decodable(position))
        return Step.Decline;
    }
    this.rowDecoded = false;
    return Step.Row;
  }

  private decodeWanted(): void {
    const fields = this.rowFields;
    const count = this.fieldCount;
    for (const position of this.wanted ?? []) {
      fields[position] = position < count ? this.decode(position) : undefined;
    }
    this.rowDecoded = true;
  }

  /** Whether a field's bytes decode alone as they do within the stream: ASCII, or valid UTF-8. */
  private decodable(field: number): boolean {
    const start = this.fieldStarts[field] as number;
    const end = this.fieldEnds[field] as number;
    const flags = this.fieldFlags[field] as number;
    // A quoted field's bytes were found by quote search, not scanned: look at them now.
    if (flags !== FIELD_NON_ASCII && !hasNonAscii(this.pending, start, end)) return true;
    return isUtf8(this.pending.subarray(start, end));
  }

  /** One field's text, decoded as the reference decodes the whole stream; undefined if it cannot be. */
  private decode(field: number): string | undefined {
    const start = this.fieldStarts[field] as number;
    const end = this.fieldEnds[field] as number;
    const flags = this.fieldFlags[field] as number;
    const bytes = this.pending;
    if (flags === 0) return this.latin1(start, end);
    let text: string;
    if (flags === FIELD_NON_ASCII || hasNonAscii(bytes, start, end)) {
      if (!isUtf8(bytes.subarray(start, end))) return undefined;
      text = bytes.toString('utf8', start, end);
    } else {
      text = this.latin1(start, end);
    }
    return flags & FIELD_DOUBLED_QUOTES ? text.replaceAll('""', '"') : text;
  }

  /** Bytes start..end as latin1 text, from the current window or a new one from this row on. */
  private latin1(start: number, end: number): string {
    if (start < this.textStart || end > this.textStart + this.text.length) {
      this.textStart = this.currentRow;
      const windowEnd = Math.max(end, Math.min(this.pending.length, this.currentRow + TEXT_WINDOW_BYTES));
      this.text = this.pending.toString('latin1', this.textStart, windowEnd);
    }
    return this.text.substring(start - this.textStart, end - this.textStart);
  }

  private grow(): void {
    const size = this.fieldStarts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const flags = new Uint8Array(size);
    starts.set(this.fieldStarts);
    ends.set(this.fieldEnds);
    flags.set(this.fieldFlags);
    this.fieldStarts = starts;
    this.fieldEnds = ends;
    this.fieldFlags = flags;
  }
}

const ONES = 0x01010101;
const HIGH_BITS = 0x80808080 | 0;
const COMMAS = 0x2c2c2c2c;
const LINE_FEEDS = 0x0a0a0a0a;

/**
 * Whether any of the four bytes in `word` is a comma, a line feed or ≥ 0x80: a byte equal to c is
 * a zero byte of word ^ c·0x01010101, and (x - 0x01010101) & ~x & 0x80808080 is non-zero exactly
 * when x has a zero byte.
 */
function hasSpecialByte(word: number): boolean {
  const commas = word ^ COMMAS;
  const lineFeeds = word ^ LINE_FEEDS;
  return ((((commas - ONES) & ~commas) | ((lineFeeds - ONES) & ~lineFeeds) | word) & HIGH_BITS) !== 0;
}

function hasNonAscii(bytes: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if ((bytes[at] as number) >= 0x80) return true;
  return false;
}

/** As `csv-rows.ts` decides it from the first text: CRLF when the first line feed follows a CR. */
function lineBreakOf(bytes: Buffer): LineBreak {
  const firstLineFeed = bytes.indexOf(LINE_FEED);
  return firstLineFeed > 0 && bytes[firstLineFeed - 1] === CARRIAGE_RETURN ? '\r\n' : '\n';
}
