import { Zip, ZipDeflate } from 'fflate';

/**
 * ZIP archives of rendered files (a batch of posters), built in memory. Names are made safe for
 * Windows, macOS and Linux alike; Chinese names are kept (the entries carry the UTF-8 flag).
 */

export interface ZipFile {
  name: string;
  data: Buffer | string;
}

export interface BuildZipOptions {
  /**
   * Modification time stamped on every entry. Defaults to 1980-01-01, the earliest DOS time, so
   * the same files give the same bytes (and ETag); pass the clock's `now` for real dates.
   */
  mtime?: Date;
}

/** Characters Windows forbids in names, path separators, and control characters. */
const UNSAFE_CHARS = /[/\\:*?"<>|\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Device names Windows will not open as files, with any extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;
/** Most file systems cap a name at 255 bytes; room is left for a de-duplication suffix. */
const MAX_NAME_BYTES = 200;
/** Already-compressed formats gain nothing from deflate; storing them saves the CPU. */
const INCOMPRESSIBLE = /\.(png|jpe?g|gif|webp|zip|gz|mp[34])$/i;

function splitExtension(name: string): [stem: string, ext: string] {
  const dot = name.lastIndexOf('.');
  // A leading dot is a hidden-file name, not an extension; very long "extensions" are just text.
  return dot > 0 && name.length - dot <= 12 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

function truncateBytes(stem: string, budget: number): string {
  let out = '';
  for (const ch of stem) {
    if (Buffer.byteLength(out + ch) > budget) break;
    out += ch;
  }
  return out;
}

/**
 * A file name safe to extract anywhere: `/ \ : * ? " < > |` and control characters become `_`,
 * surrounding spaces and trailing dots (which Windows drops) are removed, Windows device names get
 * a `_` prefix, and the name is cut to 200 UTF-8 bytes keeping its extension. Chinese and other
 * printable characters are kept; the result is NFC so macOS and Windows see the same name.
 * An empty result becomes `file`.
 */
export function sanitizeFileName(name: string): string {
  let s = String(name).normalize('NFC').replace(UNSAFE_CHARS, '_').trim().replace(/[. ]+$/, '');
  if (WINDOWS_RESERVED.test(s)) s = `_${s}`;
  const [stem, ext] = splitExtension(s);
  s = truncateBytes(stem, MAX_NAME_BYTES - Buffer.byteLength(ext)) + ext;
  return s === '' || s === ext ? `file${ext}` : s;
}

/**
 * Sanitises every name and de-duplicates them by suffixing `-2`, `-3`, … before the extension.
 * Comparison ignores case because Windows and macOS file systems do, and a suffixed name is
 * checked against every name given out so far: `a.svg, a-2.svg, A.svg` gives
 * `a.svg, a-2.svg, A-3.svg`.
 */
function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((raw) => {
    const safe = sanitizeFileName(raw);
    const [stem, ext] = splitExtension(safe);
    let candidate = safe;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem}-${n}${ext}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

const DOS_EPOCH = new Date(1980, 0, 1);
/**
 * Entries claim a Unix origin with mode rw-r--r--. fflate's default (MS-DOS, no mode) makes
 * Info-ZIP unzip on Debian read Chinese names as CP437 despite the UTF-8 flag; Windows, macOS and
 * 7-Zip go by the flag either way.
 */
const UNIX_HOST = 3;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

/**
 * Builds a ZIP of `files`, in the given order, with names made safe and unique (see
 * `sanitizeFileName`). Text is stored as UTF-8.
 *
 * fflate's streaming `Zip` is used rather than `zipSync` because `zipSync` takes an object keyed
 * by name, which reorders integer-like names and cannot hold a file called `__proto__`. Every
 * entry is a `ZipDeflate` (level 0 for incompressible formats): deflate entries with trailing
 * data descriptors are what every unzip tool reads, while stored entries with them are not.
 */
export function buildZip(files: ReadonlyArray<ZipFile>, opts: BuildZipOptions = {}): Buffer {
  const names = uniqueNames(files.map((f) => f.name));
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  let finished = false;
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else {
      chunks.push(chunk);
      if (final) finished = true;
    }
  });
  files.forEach((file, i) => {
    const name = names[i]!;
    const entry = new ZipDeflate(name, { level: INCOMPRESSIBLE.test(name) ? 0 : 6 });
    entry.mtime = opts.mtime ?? DOS_EPOCH;
    entry.os = UNIX_HOST;
    entry.attrs = REGULAR_FILE_0644;
    zip.add(entry);
    entry.push(typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data, true);
  });
  zip.end();
  if (failure) throw failure;
  // ZipDeflate compresses synchronously, so the archive is complete once end() returns.
  if (!finished) throw new Error('ZIP stream did not finish synchronously');
  return Buffer.concat(chunks);
}
