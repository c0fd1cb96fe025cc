import type { Knex } from 'knex';
import type { RoomActivityRepo } from '../domain/conversation/group.service.js';

/** Join/leave counts per room per day and anti-spam strikes, as atomic upserts. */
export class SqlRoomActivityRepo implements RoomActivityRepo {
  constructor(private readonly db: Knex) {}

  async addCounts(roomId: string, day: string, joins: number, leaves: number): Promise<void> {
    await this.db('room_daily_stats')
      .insert({ room_id: roomId, day, joins, leaves })
      .onConflict(['room_id', 'day'])
      .merge({ joins: this.db.raw('?? + ?', ['room_daily_stats.joins', joins]), leaves: this.db.raw('?? + ?', ['room_daily_stats.leaves', leaves]) });
  }

  async addStrike(roomId: string, contactId: string, now: number): Promise<number> {
    await this.db('spam_strikes')
      .insert({ room_id: roomId, contact_id: contactId, strikes: 1, last_at: now })
      .onConflict(['room_id', 'contact_id'])
      .merge({ strikes: this.db.raw('?? + 1', ['spam_strikes.strikes']), last_at: now });
    const r = await this.db('spam_strikes').where({ room_id: roomId, contact_id: contactId }).first('strikes');
    return Number(r.strikes);
  }

  async markRemoved(roomId: string, contactId: string, now: number): Promise<void> {
    // A member added back later starts with a clean record.
    await this.db('spam_strikes').where({ room_id: roomId, contact_id: contactId }).update({ removed_at: now, strikes: 0 });
  }

  async listDaily(roomId: string): Promise<Array<{ day: string; joins: number; leaves: number }>> {
    const rows = await this.db('room_daily_stats').where({ room_id: roomId }).orderBy('day');
    return rows.map((r) => ({ day: r.day, joins: Number(r.joins), leaves: Number(r.leaves) }));
  }
}
