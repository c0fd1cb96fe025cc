import { AppError, badRequest } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';

export type StaffRole = 'hq_admin' | 'store_manager' | 'rep';

export interface Staff {
  id: number;
  wecomUserId: string;
  name: string;
  storeId: number | null;
  role: StaffRole;
  active: boolean;
  botContactId: string | null;
}

export interface StaffRepo {
  upsertStaff(s: Omit<Staff, 'id'>, now: number): Promise<number>;
  findStaffByUserId(wecomUserId: string): Promise<Staff | undefined>;
  findStaffByBotContact(botContactId: string): Promise<Staff | undefined>;
  listStaff(q: { storeId?: number }): Promise<Staff[]>;
}

/**
 * Store staff as Siyu knows them: their WeCom userid, role and store, and the contact id the bot
 * account sees them as (so their 1:1 messages are commands, not customer chats).
 */
export class StaffService {
  constructor(
    private readonly d: {
      staff: StaffRepo;
      storeExists(id: number): Promise<boolean>;
      clock: Clock;
      onChange?(): Promise<void>;
      /** Called on every save of an inactive staff member (e.g. to end their mini-program logins). */
      onInactive?(staffId: number): Promise<void>;
    },
  ) {}

  async save(s: Omit<Staff, 'id'>): Promise<Staff> {
    if (s.storeId !== null && !(await this.d.storeExists(s.storeId))) throw badRequest('STAFF.STORE_NOT_FOUND', '门店不存在');
    if (s.role !== 'hq_admin' && s.storeId === null) throw badRequest('STAFF.STORE_REQUIRED', '店长和导购必须属于一个门店');
    if (s.botContactId) {
      const other = await this.d.staff.findStaffByBotContact(s.botContactId);
      if (other && other.wecomUserId !== s.wecomUserId) throw new AppError('STAFF.BOT_CONTACT_TAKEN', '该机器人联系人已绑定其他员工', { status: 409 });
    }
    const id = await this.d.staff.upsertStaff(s, this.d.clock.now());
    if (!s.active) await this.d.onInactive?.(id);
    await this.d.onChange?.();
    return (await this.d.staff.findStaffByUserId(s.wecomUserId))!;
  }

  list(q: { storeId?: number } = {}): Promise<Staff[]> {
    return this.d.staff.listStaff(q);
  }
}
