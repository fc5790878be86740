/**
 * Timestamps. tinytown stores two RFC 3339 spellings of UTC: hash fields (agents, tasks) end
 * in `+00:00`, JSON (messages, events) ends in `Z`. Both omit the fraction when it is zero;
 * JavaScript dates have millisecond precision, so tt writes either no fraction or 3 digits,
 * which tinytown reads fine.
 */

/** The last time formatted: records written together (sendMany, a batch) share their milliseconds. */
let lastTime = NaN;
let lastBase = "";

function utcBase(date: Date): string {
  const time = date.getTime();
  if (time === lastTime) return lastBase;
  const iso = date.toISOString(); // always YYYY-MM-DDTHH:MM:SS.mmmZ for years 0..9999
  const ms = date.getUTCMilliseconds();
  lastBase = ms === 0 ? iso.slice(0, 19) : iso.slice(0, 23);
  lastTime = time;
  return lastBase;
}

/** RFC 3339 with `+00:00`, the form of agent and task hash fields. */
export function hashTime(date: Date): string {
  return `${utcBase(date)}+00:00`;
}

/** RFC 3339 with `Z`, the form inside message and event JSON. */
export function jsonTime(date: Date): string {
  return `${utcBase(date)}Z`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses any RFC 3339 timestamp (any fraction length, `Z` or a numeric offset), as chrono's
 * `parse_from_rfc3339` does. Digits past milliseconds are dropped. Returns undefined for
 * anything else, including impossible dates such as February 30.
 */
/** `hashTime`/`jsonTime` output: whole seconds or milliseconds, UTC. */
const OWN_FORMAT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?(?:Z|\+00:00)$/;

export function parseTime(s: string): Date | undefined {
  if (typeof s !== "string") return undefined;
  // Fastest path: what tt itself writes, read by hand (status reads thousands of these).
  const own = ownFormatMs(s);
  if (own !== undefined) return new Date(own);
  // Fast path for the same format with unusual values (years before 1970, second 60, ...).
  if (OWN_FORMAT.test(s)) {
    const d = new Date(Date.parse(s));
    // Date.parse rolls impossible dates over (Feb 30 -> Mar 2); the round trip catches that.
    return !isNaN(d.getTime()) && d.toISOString().slice(0, 19) === s.slice(0, 19) ? d : undefined;
  }
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  let second = Number(m[6]);
  let ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  // chrono keeps a leap second inside the 59th second; so do we.
  if (second === 60) {
    second = 59;
    ms = 999;
  }
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 onto 1900..1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return new Date(d.getTime() - offsetMinutes * 60_000);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The time of `hashTime`/`jsonTime` output (`YYYY-MM-DDTHH:MM:SS[.mmm]` then `Z` or `+00:00`)
 * from 1970 on with every field in its usual range, read without Date.parse and the check
 * that goes with it; undefined for anything else (parseTime then decides).
 */
function ownFormatMs(s: string): number | undefined {
  const n = s.length;
  const frac = n === 24 || n === 29;
  if (n !== 20 && n !== 25 && !frac) return undefined;
  const tail = frac ? 23 : 19;
  if (n - tail === 1 ? s[tail] !== "Z" : s.slice(tail) !== "+00:00") return undefined;
  if (s[4] !== "-" || s[7] !== "-" || s[10] !== "T" || s[13] !== ":" || s[16] !== ":") {
    return undefined;
  }
  if (frac && s[19] !== ".") return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const milli = frac ? digits(s, 20, 3) : 0;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

/** The decimal number of `count` digits at `at`, or -1 when one of them is not a digit. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
