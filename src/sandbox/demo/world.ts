/** The demo's invented world: its shop, placements, traffic shape, names and the people in it. */

export const HOUR = 3_600_000;
export const MIN = 60_000;
export const DEMO_STORE_CODE = 'demo';
export const DEMO_HQ_USERID = 'hq_demo';
export const DEMO_BATCH_KEY = 'demo-elevators';
export const BUILDINGS = ['1号楼', '2号楼', '3号楼'];
export const ELEVATORS = ['A', 'B'];
/** How much each placement draws (1号楼-A … 3号楼-B): the funnel should show a difference. */
export const PULL = [1.6, 0.8, 1.2, 0.6, 1.0, 0.5];
/** Traffic by hour of day, 09:00 … 21:00 (lunch and evening peaks). */
export const HOUR_WEIGHTS = [0.4, 0.6, 0.9, 1.3, 1.0, 0.7, 0.6, 0.8, 1.1, 1.4, 1.5, 1.0, 0.5];
export const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高'.split('');
export const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英', '晨', '悦'];
/** The pre-history: the dormant cohort was acquired this long before the simulated month. */
export const COHORT_AGE_DAYS = 150;
export const DEMO_DAYS = 30;

/** A person of the demo: a prospect who may become a customer. */
export interface Person {
  who: number;
  name: string;
  phone: string;
  channel: number;
  cohort: boolean;
  externalUserId?: string;
  customerId?: number;
  ordered: number;
}

export interface PlannedOrder {
  at: number;
  who: number;
  amountFen: number;
  via: 'pos' | 'operator';
}

export interface DemoChannel {
  id: number;
  code: string;
  configId: string;
  name: string;
}

/** ISO 8601 with the +08:00 offset, as stores and POS systems write times. */
export function isoShanghai(ms: number): string {
  return new Date(ms + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}
