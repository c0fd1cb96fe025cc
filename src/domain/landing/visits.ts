/**
 * Unique visitors per channel and Asia/Shanghai day, decided from the visitor's own first-party
 * cookie: it carries their id and the channels they were already counted on today. A scan burst
 * then needs no shared store on its path, and the rule is the one issue 3 asks for ("unique
 * visitor per day via a first-party cookie"). A phone that drops cookies is a new visitor on
 * every scan, as it would be with any first-party id.
 */
export interface VisitorMark {
  id: string;
  /** Shanghai day (yyyymmdd) the channel list is for. */
  day: number;
  channels: number[];
}

/** How many channels one cookie remembers for a day; past that the oldest are forgotten. */
const MAX_CHANNELS = 30;
const ID_RE = /^[a-f0-9]{32}$/;

/** "<id>" (older cookies) or "<id>.<yyyymmdd>.<channel>-<channel>…"; anything else is no cookie. */
export function parseVisitorMark(raw: string | undefined): VisitorMark | undefined {
  if (!raw) return undefined;
  const [id, day, list] = raw.split('.');
  if (!id || !ID_RE.test(id)) return undefined;
  if (day === undefined || !/^\d{8}$/.test(day) || !list || !/^\d{1,12}(-\d{1,12}){0,29}$/.test(list)) return { id, day: 0, channels: [] };
  return { id, day: Number(day), channels: list.split('-').map(Number) };
}

export function formatVisitorMark(m: VisitorMark): string {
  return m.channels.length ? `${m.id}.${m.day}.${m.channels.join('-')}` : m.id;
}

/** Counts a scan of `channelId` on `day`: whether it is the visitor's first there today, and their mark after it. */
export function countVisit(mark: VisitorMark, channelId: number, day: number): { firstOfDay: boolean; mark: VisitorMark } {
  const today = mark.day === day ? mark.channels : [];
  if (today.includes(channelId)) return { firstOfDay: false, mark };
  return { firstOfDay: true, mark: { id: mark.id, day, channels: [...today, channelId].slice(-MAX_CHANNELS) } };
}
