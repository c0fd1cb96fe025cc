/**
 * Stores, staff, channels, tags, order sources and journeys: the small tables, written in
 * multi-row batches from here (a few thousand rows at most), with the ids the big set-based
 * statements (customers.ts) compute from: store s has manager `mgr<s>`, reps `rep<s>_1..R`
 * and channels (s-1)*C+1 .. s*C.
 */
import type { Knex } from 'knex';
import { CHANNEL_KINDS } from '../../src/domain/channel/channel.types.js';
import { DEFAULT_JOURNEYS } from '../../src/domain/journey/defaults.js';
import { SqlJourneyRepo } from '../../src/persistence/journey.repo.js';
import type { PiiCipher } from '../../src/shared/pii.js';

export const REPS_PER_STORE = 10;
export const CHANNELS_PER_STORE = 8;
/** The corp the bench's app runs as (bench/run.ts): external ids are scoped to it. */
export const SEED_CORP = 'wwBENCHCORP0000001';

/** group, names, kind: 40 tags, as operators and the landing pages make them. */
const TAG_GROUPS: Array<[string, string[], 'attribute' | 'behaviour']> = [
  ['来源', ['海报', '电梯', '社区', '柜台', '活动', '线上', '老客推荐', '其他'], 'attribute'],
  ['兴趣', ['护肤', '彩妆', '母婴', '零食', '茶饮', '家居', '运动', '数码'], 'attribute'],
  ['会员', ['普通', '银卡', '金卡', '钻石'], 'attribute'],
  ['楼栋', ['1号楼', '2号楼', '3号楼', '4号楼'], 'attribute'],
  ['偏好', ['周末到店', '工作日到店', '线上下单', '爱用券', '价格敏感', '品质优先'], 'attribute'],
  ['行为', ['已下单', '复购', '咨询过', '领过券', '参加活动', '沉睡', '唤醒', '高价值', '已评价', '投诉过'], 'behaviour'],
];
export const TAG_COUNT = TAG_GROUPS.reduce((n, [, names]) => n + names.length, 0);
/** A tag name the bench filters by (its id is 9: 兴趣:护肤). */
export const SAMPLE_TAG = '护肤';

async function batches<T>(db: Knex, table: string, rows: T[]): Promise<void> {
  // 400: SQLite's multi-row INSERT is a compound SELECT, capped at 500 terms.
  for (let i = 0; i < rows.length; i += 400) await db(table).insert(rows.slice(i, i + 400) as never);
}

export async function seedPeople(db: Knex, o: { stores: number; now: number; pii: PiiCipher }): Promise<void> {
  const { stores, now } = o;
  const storeIds = Array.from({ length: stores }, (_, i) => i + 1);
  await batches(
    db,
    'stores',
    storeIds.map((s) => ({ id: s, code: `S${String(s).padStart(4, '0')}`, name: `思域${s}号店`, created_at: now - 800 * 86_400_000 })),
  );
  const staff: Array<Record<string, unknown>> = [{ id: 1, store_id: null, wecom_userid: 'hq001', name: '总部运营', role: 'hq_admin', active: true, created_at: now - 800 * 86_400_000 }];
  for (const s of storeIds) staff.push({ id: 1 + s, store_id: s, wecom_userid: `mgr${s}`, name: `店长${s}`, role: 'store_manager', active: true, created_at: now - 700 * 86_400_000 });
  for (const s of storeIds)
    for (let r = 1; r <= REPS_PER_STORE; r++)
      staff.push({ id: 1 + stores + (s - 1) * REPS_PER_STORE + r, store_id: s, wecom_userid: `rep${s}_${r}`, name: `导购${s}-${r}`, role: 'rep', active: true, created_at: now - 700 * 86_400_000 });
  await batches(db, 'staff', staff);

  const channels: Array<Record<string, unknown>> = [];
  for (const s of storeIds) {
    const reps = JSON.stringify(Array.from({ length: REPS_PER_STORE }, (_, r) => `rep${s}_${r + 1}`));
    for (let k = 1; k <= CHANNELS_PER_STORE; k++) {
      const kind = CHANNEL_KINDS[(k - 1) % CHANNEL_KINDS.length]!;
      const building = `${1 + (k % 4)}号楼`;
      channels.push({
        id: (s - 1) * CHANNELS_PER_STORE + k,
        code: `ch${s}x${k}`,
        name: `${s}号店-${kind}-${building}`,
        kind,
        store_id: s,
        staff_userids: reps,
        welcome_text: '您好{name}，欢迎光临思域！回复“券”领取新人礼。',
        welcome_link: null,
        welcome_image_asset: null,
        welcome_miniprogram: null,
        tags: JSON.stringify([`楼栋:${building}`]),
        attributes: JSON.stringify({ 楼栋: building, 电梯: k % 2 ? 'A' : 'B' }),
        batch_key: null,
        placement_key: null,
        status: 'active',
        offer: k % 2 ? '新人立减20元' : null,
        active_from: null,
        active_until: null,
        coupon: k % 2 ? JSON.stringify({ title: '新人立减20元' }) : null,
        routing: null,
        wecom_config_id: `cfg${s}x${k}`,
        qr_code_url: `https://wework.qpic.cn/wwpic/seed/${s}x${k}`,
        sync_state: 'synced',
        sync_error: null,
        created_at: now - 720 * 86_400_000,
        updated_at: now - 720 * 86_400_000,
      });
    }
  }
  await batches(db, 'channels', channels);

  let tagId = 0;
  await batches(
    db,
    'tags',
    TAG_GROUPS.flatMap(([group, names, kind]) => names.map((name) => ({ id: ++tagId, group_name: group, name, kind, wecom_tag_id: `et${tagId}`, created_at: now - 720 * 86_400_000 }))),
  );
  await batches(
    db,
    'order_sources',
    storeIds.map((s) => ({ id: s, key: `s${s}`, name: `${s}号店收银`, store_id: s, secret_enc: o.pii.encrypt(`seed-secret-${s}`), active: true, created_at: now - 720 * 86_400_000 })),
  );
  const journeys = new SqlJourneyRepo(db);
  for (const j of DEFAULT_JOURNEYS) await journeys.insertJourney({ ...j, createdAt: now - 720 * 86_400_000, updatedAt: now - 720 * 86_400_000 });
}
