import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { RuleVersion } from '../conversation/rules.ports.js';
import { VersionedCopy } from '../conversation/versioned.js';
import type { StaffMember } from '../conversation/conversation.types.js';

export interface BotStaffRepo {
  /** Active staff that have a bot contact id. */
  listBotStaff(): Promise<Array<StaffMember & { botContactId: string }>>;
}

/**
 * Who among the bot's contacts is staff, held in memory: every inbound message asks, so the
 * answer must not cost a query. Reloaded when the staff version changes (another process
 * registered someone) at most every few seconds, and at once after a change in this process.
 */
export class StaffDirectory extends VersionedCopy {
  private byContact = new Map<string, StaffMember>();

  constructor(private readonly d: { staff: BotStaffRepo; version: RuleVersion; clock: Clock; log: Logger; checkEveryMs?: number }) {
    super(d, 'staff');
  }

  find(contactId: string): StaffMember | undefined {
    return this.byContact.get(contactId);
  }

  protected async load(): Promise<void> {
    const rows = await this.d.staff.listBotStaff();
    this.byContact = new Map(rows.map((s) => [s.botContactId, { userId: s.userId, name: s.name, storeId: s.storeId, role: s.role }]));
  }

  /** After a change made here: bump the shared version and reload now. */
  async changed(): Promise<void> {
    await this.d.version.bump();
    await this.refresh();
  }
}
